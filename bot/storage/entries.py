"""Incidents and mood check-ins: the repository the logging actions call.

Every function is one transaction. Free text goes through the database's cipher
on the way in and out, so callers only ever see plain values.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from statistics import mean

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.database import Database
from bot.storage.models import (
    Client,
    CrisisEvent,
    Entry,
    PairingAttempt,
    SafetyPlan,
    as_utc,
    utcnow,
)

KINDS = ("incident", "mood")
PROBLEM_AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits", "not_sure")
TEXT_FIELDS = (
    "who",
    "place",
    "what_happened",
    "client_said",
    "other_said",
    "wanted",
    "afterwards",
    "feelings",
    "note",
)
# What a client may change after saving (the kind and the reference are fixed).
EDITABLE = (*TEXT_FIELDS, "occurred_on", "mood", "problem_area")
# Crockford-style: no 0/O, 1/I/L or U, so a reference read aloud is unambiguous.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class EntryError(ValueError):
    """An entry that cannot be stored as it is; the message is fit for the client."""


class ConsentRequired(EntryError):
    pass


class DailyLimitReached(EntryError):
    pass


@dataclass(frozen=True)
class EntryData:
    kind: str
    mood: int | None = None
    occurred_on: date | None = None
    problem_area: str | None = None
    who: str | None = None
    place: str | None = None
    what_happened: str | None = None
    client_said: str | None = None
    other_said: str | None = None
    wanted: str | None = None
    afterwards: str | None = None
    feelings: str | None = None
    note: str | None = None

    def check(self, today: date) -> None:
        if self.kind not in KINDS:
            raise EntryError(f"unknown entry kind {self.kind!r}")
        if self.mood is None:
            raise EntryError("a mood rating from 0 to 10 is needed")
        if not 0 <= self.mood <= 10:
            raise EntryError(f"mood is rated from 0 to 10, not {self.mood}")
        # A day of slack: the client's calendar may be ahead of the server's UTC one.
        if self.occurred_on is not None and self.occurred_on > today + timedelta(days=1):
            raise EntryError("an entry cannot be about a day that has not come yet")
        if self.problem_area is not None and self.problem_area not in PROBLEM_AREAS:
            raise EntryError(f"unknown problem area {self.problem_area!r}")
        if self.kind == "incident" and not (self.who and self.what_happened):
            raise EntryError("an incident needs who was involved and what happened")


@dataclass(frozen=True)
class StoredEntry(EntryData):
    reference: str = ""
    shared_with_therapist: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Saved:
    reference: str
    # False when this was a retry of a save that had already gone through.
    created: bool
    shared_with_therapist: bool


def save(
    db: Database,
    conversation_id: str,
    idempotency_key: str,
    data: EntryData,
    max_per_day: int,
    now: datetime | None = None,
) -> Saved:
    """Stores a confirmed entry exactly once per idempotency key."""
    now = now or utcnow()
    data.check(now.date())
    existing = _by_key(db, conversation_id, idempotency_key)
    if existing is not None:
        return existing
    try:
        with db.session() as session:
            client = _client(session, conversation_id)
            if client is None or client.consented_at is None:
                raise ConsentRequired("consent is needed before anything is stored")
            day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            today_count = session.scalar(
                select(func.count(Entry.id)).where(
                    Entry.conversation_id == conversation_id, Entry.created_at >= day_start
                )
            )
            if today_count >= max_per_day:
                raise DailyLimitReached(
                    f"you have saved {today_count} entries today, which is the daily limit"
                )
            entry = Entry(
                conversation_id=conversation_id,
                idempotency_key=idempotency_key,
                reference=_new_reference(session),
                therapist_id=client.therapist_id,
                created_at=now,
                updated_at=now,
                **_stored_values(db, data),
            )
            session.add(entry)
            session.flush()
            return Saved(entry.reference, True, client.therapist_id is not None)
    except IntegrityError:
        # Two deliveries of the same save raced; the other one won.
        existing = _by_key(db, conversation_id, idempotency_key)
        if existing is None:
            raise
        return existing


def entries_for(
    db: Database, conversation_id: str, since: datetime | None = None, limit: int | None = None
) -> list[StoredEntry]:
    """The client's entries, newest first."""
    with db.session() as session:
        query = select(Entry).where(Entry.conversation_id == conversation_id)
        if since is not None:
            query = query.where(Entry.created_at >= since)
        query = query.order_by(Entry.created_at.desc(), Entry.id.desc())
        if limit is not None:
            query = query.limit(limit)
        return [plain_entry(db, row) for row in session.scalars(query)]


def entry(db: Database, conversation_id: str, reference: str) -> StoredEntry | None:
    with db.session() as session:
        row = _own(session, conversation_id, reference)
        return None if row is None else plain_entry(db, row)


def update(
    db: Database, conversation_id: str, reference: str, changes: dict[str, object]
) -> StoredEntry | None:
    """Changes some fields of one of the client's entries; None if it is not theirs."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise EntryError(f"these cannot be changed: {', '.join(sorted(unknown))}")
    with db.session() as session:
        row = _own(session, conversation_id, reference)
        if row is None:
            return None
        changed = replace(plain_entry(db, row), **changes)
        changed.check(utcnow().date())
        for name, value in _stored_values(db, changed).items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.flush()
        return plain_entry(db, row)


def delete_entry(db: Database, conversation_id: str, reference: str) -> bool:
    with db.session() as session:
        row = _own(session, conversation_id, reference)
        if row is None:
            return False
        session.delete(row)
        return True


def delete_everything(db: Database, conversation_id: str) -> int:
    """Removes the client's entries, safety plan, consent and pairing.

    Crisis events lose the message and the link to the client but keep their
    category and date, so the clinic's anonymous referral counts stay true.
    Returns the number of entries removed. The stored conversation lives in the
    tracker store and is removed there (bot/storage/tracker_store.py).
    """
    with db.session() as session:
        removed = session.execute(
            delete(Entry).where(Entry.conversation_id == conversation_id)
        ).rowcount
        session.execute(delete(SafetyPlan).where(SafetyPlan.conversation_id == conversation_id))
        session.execute(
            delete(PairingAttempt).where(PairingAttempt.conversation_id == conversation_id)
        )
        session.execute(delete(Client).where(Client.conversation_id == conversation_id))
        for event in session.scalars(
            select(CrisisEvent).where(CrisisEvent.conversation_id == conversation_id)
        ):
            event.conversation_id = f"deleted-{secrets.token_hex(8)}"
            event.message_text = ""
            event.phrase = None
        return removed


def delete_older_than(db: Database, cutoff: datetime) -> int:
    """Retention: removes entries saved before `cutoff`."""
    with db.session() as session:
        return session.execute(delete(Entry).where(Entry.created_at < cutoff)).rowcount


@dataclass(frozen=True)
class MoodSummary:
    days: int
    count: int
    average: float | None
    lowest: int | None
    highest: int | None
    # "up", "down" or "steady", comparing the first and second half of the period;
    # None with too few ratings to say.
    trend: str | None


def mood_summary(
    db: Database, conversation_id: str, days: int = 7, now: datetime | None = None
) -> MoodSummary:
    now = now or utcnow()
    start = now - timedelta(days=days)
    with db.session() as session:
        rows = session.execute(
            select(Entry.created_at, Entry.mood)
            .where(
                Entry.conversation_id == conversation_id,
                Entry.created_at >= start,
                Entry.mood.is_not(None),
            )
            .order_by(Entry.created_at)
        ).all()
    moods = [mood for _, mood in rows]
    if not moods:
        return MoodSummary(days, 0, None, None, None, None)
    trend = mood_trend([(as_utc(at), mood) for at, mood in rows], start, now)
    return MoodSummary(days, len(moods), round(mean(moods), 1), min(moods), max(moods), trend)


def mood_trend(ratings: list[tuple[datetime, int]], start: datetime, end: datetime) -> str | None:
    """ "up", "down" or "steady": the second half of the period against the first,
    a point or more apart; None with fewer than three ratings or an empty half."""
    middle = start + (end - start) / 2
    first = [mood for at, mood in ratings if at < middle]
    second = [mood for at, mood in ratings if at >= middle]
    if len(ratings) < 3 or not first or not second:
        return None
    change = mean(second) - mean(first)
    return "up" if change >= 1 else "down" if change <= -1 else "steady"


def _client(session: Session, conversation_id: str) -> Client | None:
    return session.scalar(select(Client).where(Client.conversation_id == conversation_id))


def _own(session: Session, conversation_id: str, reference: str) -> Entry | None:
    return session.scalar(
        select(Entry).where(
            Entry.conversation_id == conversation_id,
            Entry.reference == reference.strip().upper(),
        )
    )


def _by_key(db: Database, conversation_id: str, key: str) -> Saved | None:
    with db.session() as session:
        row = session.scalar(
            select(Entry).where(
                Entry.conversation_id == conversation_id, Entry.idempotency_key == key
            )
        )
        if row is None:
            return None
        return Saved(row.reference, False, row.therapist_id is not None)


def _new_reference(session: Session) -> str:
    while True:
        reference = "E-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(Entry.id).where(Entry.reference == reference)) is None:
            return reference


def _stored_values(db: Database, data: EntryData) -> dict[str, object]:
    values = {f.name: getattr(data, f.name) for f in fields(EntryData)}
    for name in TEXT_FIELDS:
        values[name] = db.cipher.encrypt(values[name])
    return values


def plain_entry(db: Database, row: Entry, texts: bool = True) -> StoredEntry:
    """The entry as the client confirmed it; with texts=False, without its free
    text (None), for views that need only moods and dates and not the cost of
    decrypting."""
    values = {f.name: getattr(row, f.name) for f in fields(EntryData)}
    for name in TEXT_FIELDS:
        values[name] = db.cipher.decrypt(values[name]) if texts else None
    return StoredEntry(
        **values,
        reference=row.reference,
        shared_with_therapist=row.therapist_id is not None,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )
