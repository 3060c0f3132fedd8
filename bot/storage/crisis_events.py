"""Recording crisis events and counting them without personal data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database
from bot.storage.models import CrisisEvent, as_utc, utcnow


@dataclass(frozen=True)
class NewCrisisEvent:
    conversation_id: str
    message_id: str
    kind: str
    category: str
    message_text: str
    layer: str | None = None
    phrase: str | None = None
    confidence: float | None = None


# "uncertain": the assistant was not sure and asked (bot/crisis/graded.py);
# "someone_else": the client told of another person's risk and was told how to help.
KINDS = ("detected", "uncertain", "not_safe", "retraction", "someone_else")


def record(db: Database, new: NewCrisisEvent, now: datetime | None = None) -> bool:
    """Stores the event once; returns False when it was already stored (a retry)."""
    if new.kind not in KINDS:
        raise ValueError(f"unknown crisis event kind {new.kind!r}")
    try:
        with db.session() as session:
            values = {**new.__dict__, "message_text": db.cipher.encrypt(new.message_text)}
            session.add(CrisisEvent(**values, created_at=now or utcnow()))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class StoredCrisisEvent(NewCrisisEvent):
    created_at: datetime | None = None
    reviewed_at: datetime | None = None


def for_conversation(db: Database, conversation_id: str) -> list[StoredCrisisEvent]:
    with db.session() as session:
        rows = session.scalars(
            select(CrisisEvent)
            .where(CrisisEvent.conversation_id == conversation_id)
            .order_by(CrisisEvent.created_at, CrisisEvent.id)
        )
        return [
            StoredCrisisEvent(
                **{name: getattr(row, name) for name in NewCrisisEvent.__dataclass_fields__}
                | {"message_text": db.cipher.decrypt(row.message_text)},
                created_at=as_utc(row.created_at),
                reviewed_at=as_utc(row.reviewed_at) if row.reviewed_at else None,
            )
            for row in rows
        ]


def referrals_by_month(db: Database, year: int | None = None) -> Counter[tuple[str, str]]:
    """(YYYY-MM, category) -> number of crisis replies given (crisis lines shown),
    in one calendar year (UTC) when `year` is given. No text, no ids."""
    counts: Counter[tuple[str, str]] = Counter()
    query = select(CrisisEvent.created_at, CrisisEvent.category).where(
        CrisisEvent.kind.in_(("detected", "not_safe"))
    )
    if year is not None:
        query = query.where(
            CrisisEvent.created_at >= datetime(year, 1, 1),
            CrisisEvent.created_at < datetime(year + 1, 1, 1),
        )
    with db.session() as session:
        rows = session.execute(query)
        for created_at, category in rows:
            counts[(created_at.strftime("%Y-%m"), category)] += 1
    return counts
