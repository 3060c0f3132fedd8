"""Plain-text views for the command line: tables and the pre-session summary."""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import datetime

from bot.storage.audit import AuditEntry
from bot.storage.entries import StoredEntry
from bot.therapist.review import ClientOverview, ClientRecord, area_name, summarise
from bot.therapist.review import exchanges as review_exchanges

# Kept: it joins emoji such as a family into one picture, and moves no cursor.
_ZWJ = "\u200d"
TREND_WORDS = {"up": "rising", "down": "falling", "steady": "steady", None: "too few ratings"}


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def one_line(text: str | None, width: int) -> str:
    """A cell: control characters out (a client's text must not move the cursor
    or break the table), cut to the width with an ellipsis."""
    if not text:
        return "-"
    flat = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != _ZWJ else c for c in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def client_table(clients: list[ClientOverview]) -> str:
    if not clients:
        return "No clients yet (add one with: add-client NAME --therapist USERNAME)."
    rows = [
        [
            str(c.id),
            ("!! CRISIS " if c.crisis_since else "") + one_line(c.name, 40),
            one_line(c.therapist, 30),
            "paired" if c.conversation_id else "code not used yet",
            when(c.last_activity),
            str(c.entries_since),
            when(c.last_session_at),
        ]
        for c in clients
    ]
    header = ["id", "client", "therapist", "status", "last activity", "new", "last session"]
    return _table(header, rows)


def entry_table(entries: list[StoredEntry]) -> str:
    if not entries:
        return "No entries in this period."
    rows = [
        [
            when(e.created_at),
            e.reference,
            e.kind,
            area_name(e.problem_area) if e.kind == "incident" else "",
            "" if e.mood is None else str(e.mood),
            one_line(e.who, 18) if e.kind == "incident" else "",
            one_line(e.what_happened if e.kind == "incident" else _check_in_words(e), 50),
        ]
        for e in entries
    ]
    header = ["logged", "ref", "kind", "area", "mood", "who", "what happened / felt / note"]
    table = _table(header, rows)
    return f"{table}\n({len(entries)} entries; `export` gives every field in full)"


def _check_in_words(entry: StoredEntry) -> str:
    return " / ".join(text for text in (entry.feelings, entry.note) if text)


def audit_table(rows: list[AuditEntry]) -> str:
    if not rows:
        return "The audit log is empty."
    return _table(
        ["at", "channel", "who", "action", "client", "detail"],
        [
            [when(r.at), r.channel, one_line(r.actor, 30), r.action, str(r.client_id or "-"),
             one_line(r.detail, 40)]
            for r in rows
        ],
    )  # fmt: skip


def _quote(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    # Control characters out first: an escape sequence in a client's text must
    # not reach the therapist's terminal.
    flat = one_line(text, len(text) + 1)
    return textwrap.wrap(flat, 88, initial_indent=indent, subsequent_indent=indent) or [indent]


def summary_text(record: ClientRecord) -> str:
    summary = summarise(record)
    client = record.client
    lines = [
        f"Pre-session summary: {client.name} (client {client.id}), therapist {client.therapist}",
        f"Since {summary.since:%Y-%m-%d}: {summary.entries} entries, "
        f"{summary.incidents} incidents, {summary.ratings} mood ratings",
        "",
    ]
    crises = summary.crisis
    lines.append(f"CRISIS EVENTS: {len(crises)}" if crises else "Crisis events: none")
    for event in crises:
        kind = event.kind.replace("_", " ")
        lines.append(f"  {when(event.created_at)}  {event.category} ({kind})")
        lines += _quote(event.message_text, "      ")
    lines.append("")
    if summary.ratings:
        lines.append(
            f"Mood: average {summary.mood_average}, lowest {summary.mood_lowest}, "
            f"highest {summary.mood_highest}, trend {TREND_WORDS[summary.trend]}"
        )
    else:
        lines.append("Mood: no ratings in this period")
    by_area = ", ".join(f"{area} {n}" for area, n in summary.per_area) or "none"
    by_person = ", ".join(f"{who} {n}" for who, n in summary.per_person) or "none"
    lines += [f"Incidents by problem area: {by_area}", f"Incidents by person: {by_person}"]
    exchanges = review_exchanges(record)
    if exchanges:
        lines += ["", "Exchanges (for communication analysis), newest first:"]
    for e in exchanges:
        lines.append(
            f"  {when(e.created_at)}  {e.reference}  with {one_line(e.who, 40)}  "
            f"({area_name(e.problem_area)}, mood {e.mood})"
        )
        for label, text in (
            ("What happened", e.what_happened),
            ("They said", e.other_said),
            ("Client said", e.client_said),
            ("Wanted", e.wanted),
            ("Felt", e.feelings),
        ):
            if text:
                lines += _quote(f"{label}: {text}", "      ")
    return "\n".join(lines)
