"""The audit log: every look at a client's record, every export, every sign-in.

Rows say who, when, what and which client; never what the record contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from bot.storage.database import Database
from bot.storage.models import AuditRecord, as_utc, utcnow

# What may be written; a typo in a caller fails loudly instead of logging nonsense.
ACTIONS = (
    "view_client",
    "view_chart",
    "view_summary",
    "export",
    "list_clients",
    "mark_session",
    "denied",
    "sign_in",
    "sign_in_failed",
    "sign_in_locked",
    "lockout_lifted",
    "sign_out",
    "add_client",
    "add_therapist",
    "pair_code",
)


@dataclass(frozen=True)
class Actor:
    channel: str  # dashboard | cli
    name: str
    therapist_id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    channel: str
    actor: str
    action: str
    client_id: int | None
    detail: str | None


def record(
    db: Database,
    actor: Actor,
    action: str,
    client_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with db.session() as session:
        session.add(
            AuditRecord(
                at=now or utcnow(),
                channel=actor.channel,
                actor=actor.name[:120],
                therapist_id=actor.therapist_id,
                action=action,
                client_id=client_id,
                detail=None if detail is None else detail[:255],
            )
        )


def recent(db: Database, limit: int = 50, client_id: int | None = None) -> list[AuditEntry]:
    """Newest first."""
    with db.session() as session:
        query = select(AuditRecord)
        if client_id is not None:
            query = query.where(AuditRecord.client_id == client_id)
        rows = session.scalars(query.order_by(AuditRecord.id.desc()).limit(limit))
        return [
            AuditEntry(as_utc(r.at), r.channel, r.actor, r.action, r.client_id, r.detail)
            for r in rows
        ]


def count_since(
    db: Database, action: str, detail: str, since: datetime, reset_by: str | None = None
) -> int:
    """How often `action` was recorded for `detail` since `since`; with `reset_by`,
    only those after the latest `reset_by` record for the same detail."""
    query = select(func.count(AuditRecord.id)).where(
        AuditRecord.action == action,
        AuditRecord.detail == detail,
        AuditRecord.at >= since,
    )
    if reset_by is not None:
        reset = (
            select(func.max(AuditRecord.at))
            .where(AuditRecord.action == reset_by, AuditRecord.detail == detail)
            .scalar_subquery()
        )
        query = query.where(or_(reset.is_(None), AuditRecord.at > reset))
    with db.session() as session:
        return session.scalar(query)
