"""The psychoeducation content: what the assistant says about IPT, from data files.

A clinic edits `content/psychoeducation/*.yml` (answers, "tell me more",
related topics, sources, the topic menu) and the examples under
`data/nlu/psychoeducation/` without touching Python. Everything is checked
here, at training, at start-up and in the tests: a topic without an answer, an
answer without training examples, a related topic or source that does not
exist, or an answer too long for a chat bubble stops the build with a message
naming the file and the topic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content" / "psychoeducation"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
RETRIEVAL_INTENT = "faq"
# Chat-sized: the answer fits a phone screen; "tell me more" may be longer.
MAX_ANSWER = 600
MAX_MORE = 1000
MAX_TITLE = 40
MAX_RELATED = 3
MIN_EXAMPLES = 20
_TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOPIC_KEYS = {"title", "answer", "more", "related", "sources"}
_SPECIAL_FILES = {"sources.yml", "menu.yml"}


class PsychoeducationError(ValueError):
    """The psychoeducation content cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    answer: str
    more: str
    related: tuple[str, ...]
    sources: tuple[str, ...]
    file: str

    @property
    def response(self) -> str:
        """The domain response the topic classifier is trained to pick."""
        return f"utter_{RETRIEVAL_INTENT}/{self.id}"


@dataclass(frozen=True)
class Psychoeducation:
    topics: dict[str, Topic]
    sources: dict[str, str]
    menu: tuple[str, ...]

    def source_titles(self, topic: Topic) -> list[str]:
        return [self.sources[source] for source in topic.sources]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PsychoeducationError(f"{path.name}: cannot read it: {error}") from None


def _text(value: object, where: str, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PsychoeducationError(f"{where}: `{field}` is missing or empty")
    text = " ".join(value.split())
    if len(text) > limit:
        raise PsychoeducationError(
            f"{where}: `{field}` is {len(text)} characters; keep it to {limit} or fewer"
        )
    return text


def _ids(value: object, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PsychoeducationError(f"{where}: `{field}` must be a list of ids")
    return tuple(value)


def _load_sources(content_dir: Path) -> dict[str, str]:
    data = _read_yaml(content_dir / "sources.yml")
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, dict) or not sources:
        raise PsychoeducationError("sources.yml: needs a `sources:` mapping of id -> title")
    return {
        str(key): _text((value or {}).get("title"), f"sources.yml: {key}", "title", 300)
        for key, value in sources.items()
    }


def _load_topics(content_dir: Path) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    files = sorted(p for p in content_dir.glob("*.yml") if p.name not in _SPECIAL_FILES)
    for path in files:
        data = _read_yaml(path)
        entries = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            raise PsychoeducationError(f"{path.name}: needs a `topics:` mapping")
        for topic_id, fields in entries.items():
            where = f"{path.name}: topic {topic_id!r}"
            if not isinstance(topic_id, str) or not _TOPIC_ID.match(topic_id):
                raise PsychoeducationError(f"{where}: ids are lower_case_with_underscores")
            if topic_id in topics:
                raise PsychoeducationError(
                    f"{where}: also defined in {topics[topic_id].file}; ids must be unique"
                )
            if not isinstance(fields, dict):
                raise PsychoeducationError(f"{where}: has no answer")
            unknown = set(fields) - _TOPIC_KEYS
            if unknown:
                raise PsychoeducationError(
                    f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_TOPIC_KEYS)}"
                )
            topics[topic_id] = Topic(
                id=topic_id,
                title=_text(fields.get("title"), where, "title", MAX_TITLE),
                answer=_text(fields.get("answer"), where, "answer", MAX_ANSWER),
                more=_text(fields.get("more"), where, "more", MAX_MORE),
                related=_ids(fields.get("related", []), where, "related"),
                sources=_ids(fields.get("sources"), where, "sources"),
                file=path.name,
            )
    if not topics:
        raise PsychoeducationError(f"no topics found in {content_dir}")
    return topics


def _load_menu(content_dir: Path) -> tuple[str, ...]:
    data = _read_yaml(content_dir / "menu.yml")
    menu = data.get("menu") if isinstance(data, dict) else None
    return _ids(menu, "menu.yml", "menu")


def _check_references(content: Psychoeducation) -> None:
    for topic in content.topics.values():
        where = f"{topic.file}: topic {topic.id!r}"
        if not topic.sources:
            raise PsychoeducationError(f"{where}: name at least one source")
        for source in topic.sources:
            if source not in content.sources:
                raise PsychoeducationError(f"{where}: unknown source {source!r} (sources.yml)")
        if len(topic.related) > MAX_RELATED:
            raise PsychoeducationError(f"{where}: at most {MAX_RELATED} related topics")
        for other in topic.related:
            if other == topic.id or other not in content.topics:
                raise PsychoeducationError(f"{where}: related topic {other!r} does not exist")
    if not content.menu:
        raise PsychoeducationError("menu.yml: the topic menu is empty")
    for topic_id in content.menu:
        if topic_id not in content.topics:
            raise PsychoeducationError(f"menu.yml: topic {topic_id!r} does not exist")


def training_examples(nlu_dir: Path = NLU_DIR) -> dict[str, list[str]]:
    """Examples per topic id, from every `faq/<topic>` intent under data/nlu."""
    found: dict[str, list[str]] = {}
    prefix = f"{RETRIEVAL_INTENT}/"
    for path in sorted(nlu_dir.rglob("*.yml")):
        data = _read_yaml(path)
        for block in (data or {}).get("nlu") or []:
            intent = str(block.get("intent", ""))
            if intent.startswith(prefix):
                lines = str(block.get("examples", "")).splitlines()
                examples = [line.strip()[2:].strip() for line in lines if line.strip()]
                found.setdefault(intent[len(prefix) :], []).extend(examples)
    return found


def check_examples(content: Psychoeducation, examples: dict[str, list[str]]) -> None:
    """Every topic has enough examples and every example has a topic."""
    orphans = sorted(set(examples) - set(content.topics))
    if orphans:
        raise PsychoeducationError(
            f"data/nlu: examples for faq/{orphans[0]} but no topic {orphans[0]!r} "
            f"in content/psychoeducation/ (an answer is needed for every topic)"
        )
    for topic in content.topics.values():
        count = len(examples.get(topic.id, []))
        if count < MIN_EXAMPLES:
            raise PsychoeducationError(
                f"{topic.file}: topic {topic.id!r} has {count} training examples under "
                f"faq/{topic.id} in data/nlu; it needs at least {MIN_EXAMPLES}"
            )
    counts = Counter(
        example.lower() for topic_examples in examples.values() for example in topic_examples
    )
    repeated = sorted(example for example, n in counts.items() if n > 1)
    if repeated:
        raise PsychoeducationError(f"data/nlu: FAQ examples listed twice: {repeated[:5]}")


def load_psychoeducation(
    content_dir: Path = CONTENT_DIR, nlu_dir: Path | None = NLU_DIR
) -> Psychoeducation:
    """Loads and checks the content; with `nlu_dir`, checks the training examples too."""
    content = Psychoeducation(
        topics=_load_topics(content_dir),
        sources=_load_sources(content_dir),
        menu=_load_menu(content_dir),
    )
    _check_references(content)
    if nlu_dir is not None:
        check_examples(content, training_examples(nlu_dir))
    return content


@cache
def psychoeducation() -> Psychoeducation:
    """The project's content, loaded once per process (the action server's copy).

    The training examples are checked at build and start-up, not here: the action
    server needs only the answers."""
    return load_psychoeducation(nlu_dir=None)


def faq_responses(content: Psychoeducation) -> dict[str, list[dict[str, str]]]:
    """The domain responses the topic classifier learns to pick between."""
    return {topic.response: [{"text": topic.answer}] for topic in content.topics.values()}
