"""Consent and pairing with a therapist."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.database import Database
from bot.storage.models import Client, PairingAttempt, PairingCode, Therapist, as_utc, utcnow

# No 0/O, 1/I/L or U: a code read off a card or over the phone is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
# Guessing is slowed per conversation and, against many conversations at once, overall.
TRIES_PER_CONVERSATION = 5
GLOBAL_FAILURES = 200
WINDOW = timedelta(minutes=15)


def has_consented(db: Database, conversation_id: str) -> bool:
    with db.session() as session:
        client = _client(session, conversation_id)
        return client is not None and client.consented_at is not None


def record_consent(db: Database, conversation_id: str, now: datetime | None = None) -> None:
    with db.session() as session:
        client = _client(session, conversation_id, create=True)
        if client.consented_at is None:
            client.consented_at = now or utcnow()


def withdraw_consent(db: Database, conversation_id: str) -> None:
    with db.session() as session:
        client = _client(session, conversation_id)
        if client is not None:
            client.consented_at = None


def therapist_name(db: Database, conversation_id: str) -> str | None:
    with db.session() as session:
        return session.scalar(
            select(Therapist.name)
            .join(Client, Client.therapist_id == Therapist.id)
            .where(Client.conversation_id == conversation_id)
        )


def tidy_name(name: str, whose: str) -> str:
    """One space between words; 1 to 120 characters, as the name columns hold."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise ValueError(f"{whose} name must be 1 to 120 characters")
    return name


def add_therapist(db: Database, name: str) -> int:
    """Registers a therapist (or finds them by name); returns their id."""
    name = tidy_name(name, "a therapist's")
    with db.session() as session:
        found = session.scalar(select(Therapist).where(Therapist.name == name))
        if found is None:
            found = Therapist(name=name)
            session.add(found)
            session.flush()
        return found.id


def add_client(
    db: Database, therapist_id: int, name: str, days: int, now: datetime | None = None
) -> tuple[int, str]:
    """A client record named by their therapist, and the pairing code that links
    the client's conversation to it. Returns (client id, code)."""
    name = tidy_name(name, "a client's")
    with db.session() as session:
        if session.get(Therapist, therapist_id) is None:
            raise ValueError(f"no therapist with id {therapist_id}")
        client = Client(
            display_name=db.cipher.encrypt(name),
            therapist_id=therapist_id,
            created_at=now or utcnow(),
        )
        session.add(client)
        session.flush()
        client_id = client.id
    return client_id, issue_code(db, therapist_id, days, now, client_id=client_id)


def issue_code(
    db: Database,
    therapist_id: int,
    days: int,
    now: datetime | None = None,
    client_id: int | None = None,
) -> str:
    """A new single-use code, shown once: only its hash is stored. With a client
    id, the code links whoever types it to that client record."""
    now = now or utcnow()
    with db.session() as session:
        if session.get(Therapist, therapist_id) is None:
            raise ValueError(f"no therapist with id {therapist_id}")
        if client_id is not None:
            client = session.get(Client, client_id)
            if client is None or client.therapist_id != therapist_id:
                raise ValueError(f"no client {client_id} of this therapist")
            if client.conversation_id is not None:
                raise ValueError(f"client {client_id} is already paired")
        while True:
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if not any(c.isdigit() for c in raw):
                continue
            digest = _hash(raw)
            if session.scalar(select(PairingCode.id).where(PairingCode.code_hash == digest)):
                continue
            session.add(
                PairingCode(
                    therapist_id=therapist_id,
                    code_hash=digest,
                    client_id=client_id,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                )
            )
            return f"{raw[:3]}-{raw[3:]}"


@dataclass(frozen=True)
class PairingResult:
    # paired | invalid | expired | used | slow_down | malformed
    outcome: str
    therapist: str | None = None
    retry_after_minutes: int | None = None


def normalise_code(text: str) -> str | None:
    """'7kq-2md', '7KQ 2MD', '7KQ2MD' -> '7KQ2MD'; None when it cannot be a code."""
    compact = re.sub("[\\s\\-\u2013\u2014_.]", "", text.upper())
    if len(compact) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in compact):
        return None
    if not any(c.isdigit() for c in compact):
        # Every issued code has a digit, so a six-letter word is never taken for one.
        return None
    return compact


def pair(
    db: Database, conversation_id: str, typed: str, now: datetime | None = None
) -> PairingResult:
    now = now or utcnow()
    code = normalise_code(typed)
    with db.session() as session:
        wait = _wait_minutes(session, conversation_id, now)
        if wait:
            return PairingResult("slow_down", retry_after_minutes=wait)
        if code is None:
            # Not counted as a guess: it cannot match anything.
            return PairingResult("malformed")
        found = session.scalar(select(PairingCode).where(PairingCode.code_hash == _hash(code)))
        outcome = "paired"
        if found is None:
            outcome = "invalid"
        elif found.used_at is not None and found.used_by != conversation_id:
            outcome = "used"
        elif as_utc(found.expires_at) <= now:
            outcome = "expired"
        elif _taken_by_another(session, found, conversation_id):
            # A second code for the same record, typed after the first one paired.
            outcome = "used"
        session.add(
            PairingAttempt(
                conversation_id=conversation_id, succeeded=outcome == "paired", created_at=now
            )
        )
        if outcome != "paired":
            return PairingResult(outcome)
        found.used_at, found.used_by = now, conversation_id
        client = _claim(session, found, conversation_id)
        client.therapist_id, client.paired_at = found.therapist_id, now
        therapist = session.get(Therapist, found.therapist_id)
        return PairingResult("paired", therapist=therapist.name)


def _taken_by_another(session: Session, code: PairingCode, conversation_id: str) -> bool:
    if code.client_id is None:
        return False
    named = session.get(Client, code.client_id)
    return named is not None and named.conversation_id not in (None, conversation_id)


def _claim(session: Session, code: PairingCode, conversation_id: str) -> Client:
    """The client record the code stands for, now carrying this conversation.

    A record the therapist named takes over the conversation's own record (made
    at consent), keeping its consent; otherwise the conversation's record is used.
    """
    own = _client(session, conversation_id)
    named = session.get(Client, code.client_id) if code.client_id is not None else None
    if named is None or named is own:
        return own or _client(session, conversation_id, create=True)
    if own is not None:
        named.consented_at = own.consented_at
        session.delete(own)
        # The unique conversation id must be free before the named record takes it.
        session.flush()
    named.conversation_id = conversation_id
    return named


def unpair(db: Database, conversation_id: str) -> bool:
    with db.session() as session:
        client = _client(session, conversation_id)
        if client is None or client.therapist_id is None:
            return False
        client.therapist_id, client.paired_at = None, None
        return True


def _wait_minutes(session: Session, conversation_id: str, now: datetime) -> int | None:
    since = now - WINDOW
    failures = select(func.count(PairingAttempt.id)).where(
        PairingAttempt.succeeded.is_(False), PairingAttempt.created_at >= since
    )
    mine = session.scalar(failures.where(PairingAttempt.conversation_id == conversation_id))
    if mine >= TRIES_PER_CONVERSATION or session.scalar(failures) >= GLOBAL_FAILURES:
        return int(WINDOW.total_seconds() // 60)
    return None


def _client(session: Session, conversation_id: str, create: bool = False) -> Client | None:
    client = session.scalar(select(Client).where(Client.conversation_id == conversation_id))
    if client is None and create:
        client = Client(conversation_id=conversation_id)
        session.add(client)
        session.flush()
    return client


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()
