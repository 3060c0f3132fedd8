"""Tables. Every change here comes with an Alembic migration (migrations/versions).

Columns holding what a client wrote are marked `# encrypted`: the repository
modules store them through FieldCipher (bot/storage/crypto.py), never in clear.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone-aware columns; ours are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


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
    message_text = Column(Text, nullable=False)  # encrypted
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # Set when a therapist has seen it; unreviewed events are flagged in review.
    reviewed_at = Column(DateTime(timezone=True), nullable=True)


class SafetyPlan(Base):
    """A client's safety plan in the Stanley-Brown steps; one per conversation id."""

    __tablename__ = "safety_plans"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, unique=True)
    warning_signs = Column(Text, nullable=True)  # encrypted
    coping = Column(Text, nullable=True)  # encrypted
    distractions = Column(Text, nullable=True)  # encrypted
    people = Column(Text, nullable=True)  # encrypted
    professionals = Column(Text, nullable=True)  # encrypted
    environment = Column(Text, nullable=True)  # encrypted
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Therapist(Base):
    """A therapist who receives entries from the clients paired with them."""

    __tablename__ = "therapists"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False, unique=True)
    # Sign-in to the dashboard; a therapist made only by `pair-code` has neither.
    username = Column(String(64), nullable=True, unique=True)
    password_hash = Column(String(255), nullable=True)  # argon2id
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class DashboardSession(Base):
    """A signed-in browser. The cookie carries the token; only its hash is kept,
    so a copy of the database cannot be used to sign in."""

    __tablename__ = "dashboard_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class AuditRecord(Base):
    """Who looked at or exported whose record, and every sign-in, kept for the clinic."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # "dashboard" or "cli"; therapist_id is None for the command line and for
    # sign-in attempts with an unknown name.
    channel = Column(String(16), nullable=False)
    actor = Column(String(120), nullable=False)
    therapist_id = Column(Integer, ForeignKey("therapists.id"), nullable=True)
    action = Column(String(32), nullable=False, index=True)
    client_id = Column(Integer, nullable=True, index=True)
    detail = Column(String(255), nullable=True)


class PairingCode(Base):
    """A one-time code a therapist hands to a client; only its hash is kept."""

    __tablename__ = "pairing_codes"

    id = Column(Integer, primary_key=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id"), nullable=False)
    # The client record the therapist made with `add-client`; None for a code
    # that pairs whoever types it as a new, unnamed client.
    client_id = Column(Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True), nullable=True)
    used_by = Column(String(255), nullable=True)


class PairingAttempt(Base):
    """Every code a client typed, kept to slow down guessing."""

    __tablename__ = "pairing_attempts"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class Client(Base):
    """A person using the assistant, known by their conversation id, and by the
    name their therapist gave them when the therapist made the record first."""

    __tablename__ = "clients"

    id = Column(Integer, primary_key=True)
    # None until the client types the pairing code of a record made by `add-client`.
    conversation_id = Column(String(255), nullable=True, unique=True)
    display_name = Column(Text, nullable=True)  # encrypted
    # When the therapist last saw them; the dashboard's "since last session".
    last_session_at = Column(DateTime(timezone=True), nullable=True)
    consented_at = Column(DateTime(timezone=True), nullable=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id"), nullable=True)
    paired_at = Column(DateTime(timezone=True), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Entry(Base):
    """An interpersonal incident or a mood check-in, as the client confirmed it."""

    __tablename__ = "entries"
    # A retried save carries the same key and finds the entry already there.
    __table_args__ = (
        UniqueConstraint("conversation_id", "idempotency_key"),
        # The review pages read a client's entries by conversation and therapist, in time order.
        Index("ix_entries_review", "conversation_id", "therapist_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    idempotency_key = Column(String(128), nullable=False)
    # The therapist paired when it was saved; None keeps it in a private journal.
    therapist_id = Column(Integer, ForeignKey("therapists.id"), nullable=True, index=True)
    kind = Column(String(16), nullable=False)  # incident | mood
    occurred_on = Column(Date, nullable=True)
    mood = Column(Integer, nullable=True)
    problem_area = Column(String(32), nullable=True)
    who = Column(Text, nullable=True)  # encrypted
    place = Column(Text, nullable=True)  # encrypted
    what_happened = Column(Text, nullable=True)  # encrypted
    client_said = Column(Text, nullable=True)  # encrypted
    other_said = Column(Text, nullable=True)  # encrypted
    wanted = Column(Text, nullable=True)  # encrypted
    afterwards = Column(Text, nullable=True)  # encrypted
    feelings = Column(Text, nullable=True)  # encrypted
    note = Column(Text, nullable=True)  # encrypted
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
