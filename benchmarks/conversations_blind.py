"""Scores the forms once on a blind set of messy client conversations, and prints
only figures and where turns failed (conversation id, turn number, what was
expected, what happened), never a message.

The set (tests/data/conversations_blind*.yml) is written by a helper who saw
neither the forms' code nor their tests, only what the README tells a client,
before the change it measures; nobody reads it. Each conversation is said as a
new client through the REST channel of both servers started as `make run`
starts them; after each turn the conversation's tracker says what the turn did.
Run it by hand once per set, its log thrown away (Rasa's debug log prints texts):

    .venv/bin/python -m benchmarks.conversations_blind tests/data/conversations_blind1.yml \\
        >/dev/null 2>&1

The figures are appended to docs/conversations-blind.md.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet

from benchmarks.crisis_blind import percent
from bot.journal.when import WEEKDAYS
from bot.local_instance import LocalAssistant
from bot.settings import PROJECT_ROOT, load_settings

REPORT = PROJECT_ROOT / "docs" / "conversations-blind.md"
SKIPPED = "(skipped)"
FORMS = {
    "incident": "incident_form",
    "checkin": "checkin_form",
    "safety_plan": "safety_plan_form",
    "reminder": "reminder_form",
}
FIELDS = {
    "incident": {
        "consent": "log_consent", "who": "inc_who", "when": "inc_when", "where": "inc_where",
        "what_happened": "inc_what", "i_said": "inc_said", "they_said": "inc_they_said",
        "hoped_for": "inc_wanted", "afterwards": "inc_afterwards", "feelings": "inc_feelings",
        "problem_area": "inc_area", "mood": "inc_mood",
    },
    "checkin": {
        "consent": "log_consent", "mood": "ci_mood", "feelings": "ci_feelings", "note": "ci_note",
    },
    "safety_plan": {
        name: f"sp_{name}"
        for name in ("warning_signs", "coping", "distractions", "people", "professionals",
                     "environment")
    },
    "reminder": {"time": "rem_time"},
}  # fmt: skip
# The plan of `setup: has_safety_plan`, as the set's instructions give it.
PLAN = {
    "warning_signs": "can't sleep, stop answering texts",
    "coping": "walk the dog",
    "distractions": "my cousin Lee",
    "people": "Sam 07700 900123",
    "professionals": "Dr Okafor",
    "environment": "give my car keys to Sam",
}
_REFERENCE = re.compile(r"\bE-[2-9A-Z]{6}\b")
# Actions of every turn, which say nothing about how it went.
_PLUMBING = {"action_listen", "action_extract_slots", "action_session_start"}
# The actions that end a form and clear its slots.
_CLOSING = ("action_save_", "action_set_reminder")


@dataclass
class Turn:
    """What one client turn did, read from the tracker."""

    replies: list[dict[str, Any]]
    set_now: dict[str, list[Any]]  # slot -> values set during the turn, in order
    loop_before: str | None
    loop_after: str | None
    asked_before: str | None
    asked_after: str | None
    entries_before: int
    entries_after: int
    actions: list[str] = field(default_factory=list)  # what the assistant ran, by name

    @property
    def text(self) -> str:
        return "\n".join(reply.get("text", "") for reply in self.replies)

    def stored(self, slot: str) -> list[Any]:
        """The real value the turn left in `slot`, if any (not emptied, not skipped):
        the slot mapping's raw text is replaced by what the form's check made of it."""
        return [v for v in self.set_now.get(slot, [])[-1:] if v not in (None, SKIPPED)]


@dataclass
class Score:
    turns: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    unscorable: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def expected_day(spec: str, today: date) -> date | None:
    spec = spec.lower().strip()
    if spec == "today":
        return today
    if spec == "yesterday":
        return today - timedelta(days=1)
    ago = re.fullmatch(r"(\d+) days? ago", spec)
    if ago:
        return today - timedelta(days=int(ago[1]))
    last = re.fullmatch(r"last (\w+)", spec)
    if last and last[1] in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS.index(last[1])) % 7 or 7
        return today - timedelta(days=back)
    try:
        return date.fromisoformat(spec)
    except ValueError:
        return None


def value_matches(slot: str, values: list[Any], item: dict[str, Any], today: date) -> bool:
    if not values:
        return False
    value = values[-1]
    if "date" in item:
        return str(value) == str(expected_day(str(item["date"]), today))
    if "mood" in item:
        return str(value) == str(item["mood"])
    if "time" in item:
        return str(value) == str(item["time"])
    if slot == "log_consent":
        return value == "(agreed)"
    wanted = str(item.get("value_contains") or "").lower()
    return wanted in str(value).lower().replace(" ", "_") or wanted in str(value).lower()


class Runner:
    def __init__(self, assistant: LocalAssistant, today: date) -> None:
        self.assistant = assistant
        self.today = today

    def entries(self, sender: str) -> int:
        with sqlite3.connect(self.assistant.data_dir / "ipt.db") as db:
            query = "SELECT COUNT(*) FROM entries WHERE conversation_id = ?"
            return db.execute(query, (sender,)).fetchone()[0]

    def turn(self, sender: str, message: str) -> Turn:
        before = self.assistant.tracker(sender)
        entries_before = self.entries(sender)
        replies = self.assistant.say(sender, message)
        after = self.assistant.tracker(sender)
        events = after["events"]
        last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
        set_now: dict[str, list[Any]] = {}
        actions = [
            str(e.get("name"))
            for e in events[last_user:]
            if e.get("event") == "action" and e.get("name") not in _PLUMBING
        ]
        for event in events[last_user:]:
            if event.get("event") == "action" and str(event.get("name")).startswith(_CLOSING):
                # What the form kept is read before its closing action clears the slots.
                break
            if event.get("event") == "slot":
                set_now.setdefault(event["name"], []).append(event.get("value"))
        return Turn(
            replies,
            set_now,
            (before.get("active_loop") or {}).get("name"),
            (after.get("active_loop") or {}).get("name"),
            before["slots"].get("requested_slot"),
            after["slots"].get("requested_slot"),
            entries_before,
            self.entries(sender),
            actions,
        )


def judge_turn(
    item: dict[str, Any], turn: Turn, form: str | None, today: date, reference: str | None
) -> tuple[bool | None, str]:
    """(right, what happened); right is None where the REST channel cannot show it."""
    expect = item["expect"]
    fields = FIELDS.get(form or "", {})
    slot = fields.get(str(item.get("field", "")))
    asked = turn.asked_before
    if expect == "start":
        target = FORMS.get(str(item.get("form")))
        if target == "reminder_form" and "can't send reminders here" in turn.text:
            return None, "reminders cannot be set over REST"
        if turn.loop_after != target:
            return False, f"form {target} not running after the turn"
        return _also(item, turn, fields, today)
    if expect in ("answer", "correction", "keep"):
        if expect == "correction" and item.get("field") and turn.loop_before is None:
            # After saving: the entry is edited in one message.
            ok = "Updated" in turn.text and (reference is None or reference in turn.text)
            return ok, "saved entry edited" if ok else "saved entry not edited"
        if slot is None:
            return False, f"no slot for field {item.get('field')!r} in form {form}"
        if expect == "keep":
            ok = bool(turn.stored(slot)) and str(turn.stored(slot)[-1]) == PLAN.get(
                str(item["field"])
            )
            return ok, "kept" if ok else f"{slot} not kept"
        if not value_matches(slot, turn.stored(slot), item, today):
            return False, f"{slot} not set to the expected value"
        return _also(item, turn, fields, today)
    if expect in ("question", "complaint", "not_an_answer"):
        if asked and turn.stored(asked):
            return False, f"non-answer stored in {asked}"
        if turn.loop_after != turn.loop_before:
            return False, "the form ended"
        if expect == "complaint" and not re.search(r"skip the rest", turn.text, re.I):
            return False, "no offer to skip the rest"
        if not turn.text.strip():
            return False, "no reply"
        return True, "not stored, asked again"
    if expect == "skip":
        if (slot and SKIPPED in turn.set_now.get(slot, [])) or (
            slot == "inc_area" and "not_sure" in turn.stored(slot)
        ):
            return True, "skipped"
        if asked and not turn.stored(asked):
            return True, "nothing stored"
        return False, f"{asked} stored a value"
    if expect == "skip_rest":
        skipped = [s for s, values in turn.set_now.items() if values[-1] == SKIPPED]
        stored = [s for s in (asked,) if s and turn.stored(s)]
        return bool(skipped) and not stored, f"{len(skipped)} questions skipped"
    if expect == "stop":
        ok = turn.loop_after is None and turn.entries_after == turn.entries_before
        return ok, "stopped, nothing saved" if ok else "not stopped"
    if expect == "switch":
        target = FORMS.get(str(item.get("form")))
        ok = turn.loop_after == target
        return ok, "switched" if ok else f"form {target} not started"
    if expect == "save":
        ok = turn.entries_after == turn.entries_before + 1 or (
            form == "safety_plan" and "Saved" in turn.text
        )
        return ok, "saved" if ok else "not saved"
    if expect == "cancel":
        ok = turn.loop_after is None and turn.entries_after == turn.entries_before
        return ok, "cancelled" if ok else "not cancelled"
    if expect == "reminder_set":
        if "can't send reminders here" in turn.text:
            return None, "reminders cannot be set over REST"
        ok = str(item.get("time")) in [str(v) for v in turn.set_now.get("reminder_at", [])]
        return ok, "reminder set" if ok else "reminder not set"
    return False, f"unknown expectation {expect!r}"


def _also(
    item: dict[str, Any], turn: Turn, fields: dict[str, str], today: date
) -> tuple[bool, str]:
    extra = dict(item.get("also") or {})
    if item.get("expect") == "start" and "mood" in item:
        extra["mood"] = item["mood"]
    for name, wanted in extra.items():
        slot = fields.get(name)
        spec = {"mood": wanted} if name == "mood" else {"value_contains": wanted}
        if name == "when":
            spec = {"date": wanted}
        if slot is None or not value_matches(slot, turn.stored(slot), spec, today):
            return False, f"{name} not also filled"
    return True, "as expected"


def run_set(path: Path) -> Score:
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = date.today()
    score = Score()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        key = Fernet.generate_key().decode()
        assistant = LocalAssistant(
            data_dir,
            load_settings().model_path,
            api_token="blind-set-token-0123456789",
            DATA_ENCRYPTION_KEY=key,
        )
        assistant.start()
        try:
            runner = Runner(assistant, today)
            for conversation in content["conversations"]:
                run_conversation(runner, conversation, assistant, key, score, today)
        finally:
            assistant.stop()
    return score


def run_conversation(
    runner: Runner,
    conversation: dict[str, Any],
    assistant: LocalAssistant,
    key: str,
    score: Score,
    today: date,
) -> None:
    sender = f"blind-{uuid.uuid4().hex[:12]}"
    assistant.say(sender, "hi")
    setup = conversation.get("setup", "new_client")
    if setup in ("consented", "has_safety_plan"):
        _prepare(assistant, key, sender, with_plan=setup == "has_safety_plan")
    form: str | None = None
    reference: str | None = None
    failed_before = False
    for number, item in enumerate(conversation["turns"], 1):
        message = str(item["user"]).replace("{last_reference}", reference or "E-222222")
        turn = runner.turn(sender, message)
        if item["expect"] in ("start", "switch"):
            form = str(item.get("form"))
        right, what = judge_turn(item, turn, form, today, reference)
        found = _REFERENCE.search(turn.text)
        if found and item["expect"] == "save":
            reference = found.group(0)
        expect = item["expect"]
        if right is None:
            score.unscorable[expect] += 1
            continue
        score.turns[expect] += 1
        if right:
            score.right[expect] += 1
        else:
            # Slot names only, never text: which question was open, so that a
            # conversation gone out of step shows as one cause, not ten.
            first = "" if failed_before else ", first in this conversation"
            kept = turn.set_now.get(turn.asked_before or "", [None])[-1]
            kept_as = "nothing" if kept is None else "skipped" if kept == SKIPPED else "a value"
            score.failures.append(
                f"{conversation['id']} turn {number} ({expect}): {what}; the form was asking "
                f"{turn.asked_before or 'nothing'} and kept {kept_as}; ran "
                f"{', '.join(turn.actions) or 'nothing'}{first}"
            )
            failed_before = True


def _prepare(assistant: LocalAssistant, key: str, sender: str, with_plan: bool) -> None:
    """Consent given before (and a saved plan), straight into the assistant's database."""
    import os

    from bot.storage import clients, safety_plans
    from bot.storage.database import database
    from bot.storage.safety_plans import PlanSteps

    os.environ.update(
        {
            "DATA_DIR": str(assistant.data_dir),
            "DATA_ENCRYPTION_KEY": key,
            "DATABASE_URL": f"sqlite:///{assistant.data_dir / 'ipt.db'}",
        }
    )
    db = database(load_settings())
    clients.record_consent(db, sender)
    if with_plan:
        safety_plans.save(db, sender, PlanSteps(**PLAN))


def report(path: Path, score: Score) -> str:
    total, right = sum(score.turns.values()), sum(score.right.values())
    lines = [
        f"## {path.name}, scored {date.today().isoformat()}",
        "",
        f"Turns handled right: {percent(right, total)}; "
        f"not scorable over REST: {sum(score.unscorable.values())}.",
        "",
        "| expected | right | turns |",
        "|---|---|---|",
        *(
            f"| {expect} | {score.right[expect]} | {count} |"
            for expect, count in sorted(score.turns.items())
        ),
        "",
        "Failed turns (conversation, turn, expected: what happened):",
        "",
        *(f"- {failure}" for failure in score.failures),
        "",
    ]
    return "\n".join(lines)


def main(path: str) -> None:
    blind = Path(path)
    text = report(blind, run_set(blind))
    with REPORT.open("a", encoding="utf-8") as out:
        out.write(text + "\n")
    print(text, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
