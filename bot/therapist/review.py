"""What a therapist sees of their clients: the client list, a client's record
filtered by date and problem area, the pre-session summary and the exports.

One rule of visibility everywhere (dashboard and command line): a therapist
sees the entries their client shared with them (saved while paired with them)
and the crisis events since the pairing; what a client wrote before pairing
stays in the client's private journal.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from statistics import mean

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.journal.problem_area import AREA_NAMES
from bot.storage import crisis_events
from bot.storage.database import Database
from bot.storage.entries import PROBLEM_AREAS, TEXT_FIELDS, StoredEntry, mood_trend, plain_entry
from bot.storage.models import Client, CrisisEvent, Entry, Therapist, as_utc, utcnow

# With no session marked yet, "since the last session" means the last week.
DEFAULT_REVIEW_DAYS = 7
# The export's columns, in order; names are part of the format, keep them stable.
EXPORT_FIELDS = (
    "client_id",
    "reference",
    "kind",
    "logged_at",
    "updated_at",
    "occurred_on",
    "mood",
    "problem_area",
    *TEXT_FIELDS,
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UnknownClient(LookupError):
    """No such client, or not one of this therapist's: the two look the same."""


@dataclass(frozen=True)
class ClientOverview:
    id: int
    name: str
    therapist_id: int | None
    therapist: str | None
    conversation_id: str | None
    paired_at: datetime | None
    last_session_at: datetime | None
    review_since: datetime
    last_activity: datetime | None = None
    entries_since: int = 0
    crisis_since: int = 0

    @property
    def paired(self) -> bool:
        return self.conversation_id is not None and self.therapist_id is not None


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    area: str | None = None

    def __post_init__(self) -> None:
        if self.area is not None and self.area not in PROBLEM_AREAS:
            raise ValueError(
                f"unknown problem area {self.area!r}; one of: {', '.join(PROBLEM_AREAS)}"
            )
        if self.since and self.until and self.until < self.since:
            raise ValueError("the end date is before the start date")

    def describe(self, *extra: str) -> str:
        """For the audit log: 'since=2026-11-01 area=grief', or 'all'."""
        parts = [
            f"since={self.since}" if self.since else "",
            f"until={self.until}" if self.until else "",
            f"area={self.area}" if self.area else "",
            *extra,
        ]
        return " ".join(p for p in parts if p) or "all"


@dataclass(frozen=True)
class ClientRecord:
    client: ClientOverview
    filters: Filters
    entries: list[StoredEntry]  # newest first
    crisis: list[crisis_events.StoredCrisisEvent]  # newest first


@dataclass(frozen=True)
class Summary:
    since: datetime
    entries: int
    incidents: int
    ratings: int
    mood_average: float | None
    mood_lowest: int | None
    mood_highest: int | None
    trend: str | None  # up | down | steady
    per_area: list[tuple[str, int]] = field(default_factory=list)
    per_person: list[tuple[str, int]] = field(default_factory=list)
    crisis: list[crisis_events.StoredCrisisEvent] = field(default_factory=list)


def parse_date(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"the {what} {text!r} is not a date like 2026-11-24") from None


def area_name(area: str | None) -> str:
    return AREA_NAMES.get(area or "", "No area")


def person_key(who: str) -> str:
    """'My Mum', 'mum ' and 'mum.' are one person in the counts."""
    words = " ".join(who.split()).strip(" .,!?").casefold()
    for prefix in ("my ", "the "):
        if words.startswith(prefix):
            words = words[len(prefix) :]
    return words or "(not named)"


def client_list(
    db: Database, therapist_id: int | None = None, now: datetime | None = None
) -> list[ClientOverview]:
    """A therapist's clients (all clients for None), those with a crisis since the
    last session first, then by latest activity."""
    now = now or utcnow()
    with db.session() as session:
        query = select(Client, Therapist.name).outerjoin(
            Therapist, Therapist.id == Client.therapist_id
        )
        if therapist_id is not None:
            query = query.where(Client.therapist_id == therapist_id)
        else:
            query = query.where(Client.therapist_id.is_not(None))
        rows = session.execute(query).all()
        overviews = [_with_activity(session, _overview(db, c, name, now)) for c, name in rows]
    return sorted(
        overviews,
        key=lambda c: (
            c.crisis_since == 0,
            -(c.last_activity.timestamp() if c.last_activity else 0),
            c.id,
        ),
    )


def client_overview(
    db: Database, client_id: int, therapist_id: int | None = None, now: datetime | None = None
) -> ClientOverview:
    now = now or utcnow()
    with db.session() as session:
        row = session.execute(
            select(Client, Therapist.name)
            .outerjoin(Therapist, Therapist.id == Client.therapist_id)
            .where(Client.id == client_id)
        ).first()
        if row is None or row[0].therapist_id is None:
            raise UnknownClient(f"no client with id {client_id}")
        if therapist_id is not None and row[0].therapist_id != therapist_id:
            raise UnknownClient(f"no client with id {client_id}")
        return _with_activity(session, _overview(db, row[0], row[1], now))


def client_record(
    db: Database,
    client_id: int,
    filters: Filters,
    therapist_id: int | None = None,
    now: datetime | None = None,
    texts: bool = True,
    from_last_session: bool = False,
) -> ClientRecord:
    """The client's shared entries and crisis events within the filters, newest
    first. texts=False leaves the entries' free text out (see plain_entry);
    from_last_session=True starts a period with no start date at the last session."""
    client = client_overview(db, client_id, therapist_id, now)
    if from_last_session and filters.since is None:
        filters = replace(filters, since=client.review_since.date())
    if client.conversation_id is None:
        return ClientRecord(client, filters, [], [])
    start, end = _bounds(filters)
    with db.session() as session:
        query = select(Entry).where(
            Entry.conversation_id == client.conversation_id,
            Entry.therapist_id == client.therapist_id,
        )
        if start is not None:
            query = query.where(Entry.created_at >= start)
        if end is not None:
            query = query.where(Entry.created_at < end)
        if filters.area is not None:
            query = query.where(Entry.problem_area == filters.area)
        rows = session.scalars(query.order_by(Entry.created_at.desc(), Entry.id.desc()))
        shown = [plain_entry(db, row, texts) for row in rows]
    crisis = [
        event
        for event in crisis_events.for_conversation(db, client.conversation_id)
        if _visible(event.created_at, client, start, end)
    ]
    return ClientRecord(client, filters, shown, list(reversed(crisis)))


def summarise(record: ClientRecord) -> Summary:
    entries = record.entries
    ratings = [e.mood for e in entries if e.mood is not None]
    timed = sorted((e.created_at, e.mood) for e in entries if e.mood is not None)
    since = _start_of(record.filters.since) or (timed[0][0] if timed else utcnow())
    trend = None
    if timed:
        trend = mood_trend(timed, since, max(timed[-1][0], since + timedelta(seconds=1)))
    incidents = [e for e in entries if e.kind == "incident"]
    per_area = Counter(area_name(e.problem_area) for e in incidents)
    per_person = Counter(person_key(e.who) for e in incidents if e.who)
    return Summary(
        since=since,
        entries=len(entries),
        incidents=len(incidents),
        ratings=len(ratings),
        mood_average=round(float(mean(ratings)), 1) if ratings else None,
        mood_lowest=min(ratings) if ratings else None,
        mood_highest=max(ratings) if ratings else None,
        trend=trend,
        per_area=_by_count(per_area),
        per_person=_by_count(per_person),
        crisis=record.crisis,
    )


def exchanges(record: ClientRecord) -> list[StoredEntry]:
    """Incidents with words said on either side: the ones worth a communication analysis."""
    return [e for e in record.entries if e.kind == "incident" and (e.client_said or e.other_said)]


def period(record: ClientRecord, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The stretch of time the record covers: the filter's dates, or from its
    first entry or crisis event to now; at least a day, so a chart has a scale."""
    start, end = _bounds(record.filters)
    end = end or now or utcnow()
    if start is None:
        moments = [e.created_at for e in record.entries if e.created_at]
        moments += [c.created_at for c in record.crisis if c.created_at]
        start = min(moments) if moments else end - timedelta(days=DEFAULT_REVIEW_DAYS)
    return min(start, end - timedelta(days=1)), end


def export_rows(record: ClientRecord) -> list[dict[str, object]]:
    """One record per entry, oldest first, every field, with stable names."""
    rows = []
    for entry in reversed(record.entries):
        row: dict[str, object] = {
            "client_id": record.client.id,
            "reference": entry.reference,
            "kind": entry.kind,
            "logged_at": entry.created_at.isoformat() if entry.created_at else None,
            "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
            "occurred_on": entry.occurred_on.isoformat() if entry.occurred_on else None,
            "mood": entry.mood,
            "problem_area": entry.problem_area,
        }
        row.update({name: getattr(entry, name) for name in TEXT_FIELDS})
        rows.append(row)
    return rows


def to_json(rows: list[dict[str, object]]) -> str:
    return json.dumps(
        {"fields": list(EXPORT_FIELDS), "entries": rows}, ensure_ascii=False, indent=1
    )


def to_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_cell(value) for name, value in row.items()})
    return out.getvalue()


def mark_session(
    db: Database, client_id: int, therapist_id: int | None, now: datetime | None = None
) -> None:
    """Records that the therapist saw the client: the next review starts here."""
    client_overview(db, client_id, therapist_id)
    with db.session() as session:
        session.get(Client, client_id).last_session_at = now or utcnow()


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _csv_cell(value: object) -> object:
    # A client's text that starts like a formula is shown as text, not run.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _overview(db: Database, client: Client, therapist: str | None, now: datetime) -> ClientOverview:
    last_session = as_utc(client.last_session_at) if client.last_session_at else None
    name = db.cipher.decrypt(client.display_name) if client.display_name else None
    return ClientOverview(
        id=client.id,
        name=name or f"Client {client.id}",
        therapist_id=client.therapist_id,
        therapist=therapist,
        conversation_id=client.conversation_id,
        paired_at=as_utc(client.paired_at) if client.paired_at else None,
        last_session_at=last_session,
        review_since=last_session or now - timedelta(days=DEFAULT_REVIEW_DAYS),
    )


def _with_activity(session: Session, client: ClientOverview) -> ClientOverview:
    if client.conversation_id is None:
        return client
    # One pass over the client's entries: the latest of all, and how many are new.
    latest, count = session.execute(
        select(
            func.max(Entry.created_at),
            func.count(Entry.id).filter(Entry.created_at >= client.review_since),
        ).where(
            Entry.conversation_id == client.conversation_id,
            Entry.therapist_id == client.therapist_id,
        )
    ).one()
    crisis_from = max(client.review_since, client.paired_at or client.review_since)
    crisis = session.execute(
        select(func.max(CrisisEvent.created_at), func.count(CrisisEvent.id)).where(
            CrisisEvent.conversation_id == client.conversation_id,
            CrisisEvent.kind.in_(("detected", "not_safe")),
            CrisisEvent.created_at >= crisis_from,
        )
    ).one()
    moments = [as_utc(m) for m in (latest, crisis[0]) if m is not None]
    return replace(
        client,
        last_activity=max(moments) if moments else None,
        entries_since=count,
        crisis_since=crisis[1],
    )


def _visible(
    at: datetime | None, client: ClientOverview, start: datetime | None, end: datetime | None
) -> bool:
    if at is None:
        return False
    at = as_utc(at)
    if client.paired_at is not None and at < client.paired_at:
        return False
    return (start is None or at >= start) and (end is None or at < end)


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=timezone.utc)


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    end = _start_of(filters.until + timedelta(days=1)) if filters.until else None
    return _start_of(filters.since), end
