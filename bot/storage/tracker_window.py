"""Which part of a long conversation the Rasa server needs to load on each turn.

Rasa rebuilds the whole conversation session from its stored events on every
message, and every policy and every action-server call then walks all of it, so
a reply got slower with each turn (about four times slower by turn 300,
docs/long-conversation.md). The policies only look a few turns back (TEDPolicy
and MemoizationPolicy: max_history 5; rules are short), and everything older
that still matters is in the slots and the reminders still due. So the tracker
store keeps, per conversation, a snapshot: the slot values and pending reminders
at a clean cut (the assistant listening, no form running) and the first event
after it. A turn loads the snapshot plus the events
since the cut, a window of KEEP_EVENTS to MAX_TAIL_EVENTS events, however long
the conversation is. Every event is still stored; only what is loaded changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# At least this many recent events stay loaded after a cut: several turns, more
# than the five the policies look back. A new cut is made once the loaded tail
# passes MAX_TAIL_EVENTS, so a turn loads between the two.
KEEP_EVENTS = 60
MAX_TAIL_EVENTS = 120


@dataclass
class Window:
    """What a loaded tracker holds: `prefix` events made from the snapshot (slots,
    reminders), then stored events, whose database ids are `ids`, in order."""

    prefix: int
    ids: list[int] = field(default_factory=list)
    # False once the conversation was erased in memory: the events before the
    # erasure are still in the tracker object and must never reach a snapshot.
    may_snapshot: bool = True

    @property
    def stored(self) -> int:
        """How many of the tracker's events are already in the database."""
        return self.prefix + len(self.ids)


def snapshot_events(state: dict[str, Any], timestamp: float | None) -> list[dict[str, Any]]:
    """The snapshot as events that go in front of the loaded tail: Rasa fires a due
    reminder only if its ReminderScheduled event is among the loaded events."""
    slots = [
        SlotSet(name, value, timestamp=timestamp).as_dict()
        for name, value in state.get("slots", {}).items()
    ]
    return [*slots, *state.get("reminders", [])]


def clean_cut(events: Sequence[Event], start: int, latest: int) -> int | None:
    """The last index in (start, latest] where the assistant was listening and no
    form was running, or None. `events[start]` must itself be such a point (the
    beginning of a session or an earlier cut)."""
    found = None
    loop_active = False
    for index in range(start, min(latest, len(events) - 1) + 1):
        event = events[index]
        if isinstance(event, ActiveLoop):
            loop_active = event.name is not None
        elif isinstance(event, (Restarted, SessionStarted)):
            loop_active = False
        elif (
            index > start
            and not loop_active
            and isinstance(event, ActionExecuted)
            and event.action_name == ACTION_LISTEN_NAME
        ):
            found = index
    return found


def state_before(sender_id: str, events: Sequence[Event], slots: list[Slot]) -> dict[str, Any]:
    """What `events` leave behind: the slot values that differ from their initial
    value, and the latest reminder of each name scheduled in the session."""
    tracker = DialogueStateTracker.from_events(sender_id, list(events), slots=slots)
    values = {
        name: slot.value for name, slot in tracker.slots.items() if slot.value != slot.initial_value
    }
    # As Rasa judges a due reminder: valid while its ReminderScheduled is in the
    # session. Cancelling removes the job from the scheduler, not this event (and
    # Rasa stores a ReminderCancelled without its name anyway).
    pending: dict[str, ReminderScheduled] = {}
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            pending.clear()
        elif isinstance(event, ReminderScheduled):
            pending[event.name] = event
    return {"slots": values, "reminders": [r.as_dict() for r in pending.values()]}


def next_snapshot(
    tracker: DialogueStateTracker, window: Window, slots: list[Slot]
) -> tuple[int, dict[str, Any]] | None:
    """(first event id, state_before the cut) for a new cut, when the loaded tail has grown
    past MAX_TAIL_EVENTS and a clean cut leaves at least KEEP_EVENTS; else None."""
    if not window.may_snapshot or len(window.ids) <= MAX_TAIL_EVENTS:
        return None
    events = list(tracker.events)
    cut = clean_cut(events, window.prefix, window.stored - KEEP_EVENTS)
    if cut is None:
        return None
    return window.ids[cut - window.prefix], state_before(tracker.sender_id, events[:cut], slots)
