"""Tables. Every change here comes with an Alembic migration (migrations/versions)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CrisisEvent(Base):
    """One crisis message, or a follow-up to one, as the therapist will see it."""

    __tablename__ = "crisis_events"
    # A retried action must not record the same message twice.
    __table_args__ = (UniqueConstraint("conversation_id", "message_id", "kind"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    message_id = Column(String(255), nullable=False)
    # detected: a crisis message; not_safe: "no" to "are you safe?";
    # retraction: the client said it was a misunderstanding (the event stays).
    kind = Column(String(32), nullable=False)
    category = Column(String(32), nullable=False)
    layer = Column(String(32), nullable=True)
    phrase = Column(String(255), nullable=True)
    confidence = Column(Float, nullable=True)
    message_text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # Set when a therapist has seen it; unreviewed events are flagged in review.
    reviewed_at = Column(DateTime(timezone=True), nullable=True)


class SafetyPlan(Base):
    """A client's safety plan in the Stanley-Brown steps; one per conversation id."""

    __tablename__ = "safety_plans"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, unique=True)
    warning_signs = Column(Text, nullable=True)
    coping = Column(Text, nullable=True)
    distractions = Column(Text, nullable=True)
    people = Column(Text, nullable=True)
    professionals = Column(Text, nullable=True)
    environment = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
