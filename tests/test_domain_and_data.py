"""Integrity of the training data and responses beyond what `rasa data validate` checks."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from bot.crisis.graded import GRADED_INTENTS

MIN_EXAMPLES = 20


def _nlu_examples(root: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = defaultdict(list)
    for file in sorted((root / "data" / "nlu").rglob("*.yml")):
        for block in yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = block["examples"].splitlines()
                examples[block["intent"]] += [ln.lstrip("- ").strip() for ln in lines if ln.strip()]
    return examples


def _domain(root: Path) -> dict:
    return yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))


def test_every_intent_has_enough_varied_examples(project_root: Path) -> None:
    examples = _nlu_examples(project_root)
    # A retrieval intent's examples are listed per response key ("faq/grief"). EXTERNAL_
    # intents are sent by the Rasa server itself (a due reminder), never typed; the
    # graded crisis intents are set by the crisis layer and its buttons.
    typed = {
        i
        for i in _domain(project_root)["intents"]
        if not i.startswith("EXTERNAL_") and i not in GRADED_INTENTS
    }
    assert {intent.split("/")[0] for intent in examples} == typed
    for intent, texts in examples.items():
        assert len(texts) >= MIN_EXAMPLES, intent
        assert len(set(t.lower() for t in texts)) == len(texts), f"duplicates in {intent}"


def test_no_example_is_claimed_by_two_intents(project_root: Path) -> None:
    owner: dict[str, str] = {}
    for intent, texts in _nlu_examples(project_root).items():
        for text in texts:
            key = text.lower()
            assert key not in owner, f"{text!r} is in {owner.get(key)} and {intent}"
            owner[key] = intent


def test_button_payloads_name_intents_of_the_domain(project_root: Path) -> None:
    """A "/intent" payload must name an intent; a plain-text payload is an answer,
    allowed only on a form's question, where the form reads it as typed text."""
    domain = _domain(project_root)
    asked = {
        f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]
    }
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                payload = button["payload"]
                if payload.startswith("/"):
                    assert payload[1:] in domain["intents"], (name, button)
                else:
                    # Said inside a form, which reads the payload as the typed reply.
                    in_form = asked | {"utter_incident_summary", "utter_form_complaint"}
                    assert (
                        name in in_form or name.startswith("utter_stuck_")
                    ) and payload.strip(), name


def test_every_response_has_text_and_is_chat_sized(project_root: Path) -> None:
    for name, variants in _domain(project_root)["responses"].items():
        for variant in variants:
            text = variant.get("text", "")
            assert text.strip(), name
            assert len(text) <= 500, name


def test_the_assistant_says_it_is_not_a_therapist_when_asked(project_root: Path) -> None:
    responses = _domain(project_root)["responses"]
    for name in ("utter_about", "utter_iamabot"):
        assert "not a therapist" in responses[name][0]["text"]
