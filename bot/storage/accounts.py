"""Therapists' sign-in to the dashboard: passwords, lock-out and sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults: 64 MiB, 3 passes),
a memory-hard scheme, so a stolen table is slow to attack on any hardware.
A browser session is a random token in a signed cookie; the database keeps only
the token's SHA-256, so sessions end on sign-out and on expiry, server-side.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from bot.storage import audit
from bot.storage.clients import tidy_name
from bot.storage.database import Database
from bot.storage.models import DashboardSession, Therapist, as_utc, utcnow

MIN_PASSWORD_LENGTH = 12
# Lock-out: this many failed sign-ins for one username within the window stops
# further tries, right or wrong, until the window has passed.
MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name takes as long
# as a wrong password and does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class SignIn:
    # ok | wrong | locked
    outcome: str
    therapist_id: int | None = None
    name: str | None = None
    retry_after_minutes: int | None = None


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise AccountError("a password can have at most 1024 characters")


def create_therapist(db: Database, name: str, username: str, password: str) -> int:
    """A therapist who can sign in; an existing therapist of that name (made by
    `pair-code`) gets the username and password. Returns the therapist's id."""
    username = normalise_username(username)
    if not _USERNAME.match(username):
        raise AccountError(
            "a username is 2 to 64 lowercase letters, digits, dots, dashes or underscores"
        )
    check_password(password)
    name = tidy_name(name, "a therapist's")
    hashed = _hasher.hash(password)
    with db.session() as session:
        if session.scalar(select(Therapist.id).where(Therapist.username == username)):
            raise AccountError(f"the username {username!r} is taken")
        therapist = session.scalar(select(Therapist).where(Therapist.name == name))
        if therapist is None:
            therapist = Therapist(name=name)
            session.add(therapist)
        elif therapist.username is not None:
            raise AccountError(f"{name} already signs in as {therapist.username!r}")
        therapist.username, therapist.password_hash = username, hashed
        session.flush()
        return therapist.id


def therapist_id(db: Database, username: str) -> int | None:
    with db.session() as session:
        return session.scalar(
            select(Therapist.id).where(Therapist.username == normalise_username(username))
        )


def set_password(db: Database, username: str, password: str) -> None:
    check_password(password)
    with db.session() as session:
        therapist = session.scalar(
            select(Therapist).where(Therapist.username == normalise_username(username))
        )
        if therapist is None:
            raise AccountError(f"no therapist signs in as {username!r}")
        therapist.password_hash = _hasher.hash(password)
        # A new password ends every session the old one opened.
        session.execute(
            delete(DashboardSession).where(DashboardSession.therapist_id == therapist.id)
        )


def lift_lockout(
    db: Database, username: str, actor: audit.Actor, now: datetime | None = None
) -> None:
    """Lets a locked-out therapist try again at once; recorded in the audit log."""
    username = normalise_username(username)
    if therapist_id(db, username) is None:
        raise AccountError(f"no therapist signs in as {username!r}")
    audit.record(db, actor, "lockout_lifted", detail=username[:64], now=now)


def sign_in(db: Database, username: str, password: str, now: datetime | None = None) -> SignIn:
    now = now or utcnow()
    username = normalise_username(username)[:64]
    # Failures before a lift (`ipt-therapist unlock`, or a new password) do not count.
    failures = audit.count_since(
        db, "sign_in_failed", username, now - LOCKOUT_WINDOW, reset_by="lockout_lifted"
    )
    if failures >= MAX_FAILURES:
        audit.record(
            db, audit.Actor("dashboard", username), "sign_in_locked", detail=username, now=now
        )
        return SignIn("locked", retry_after_minutes=int(LOCKOUT_WINDOW.total_seconds() // 60))
    with db.session() as session:
        therapist = session.scalar(select(Therapist).where(Therapist.username == username))
        stored = therapist.password_hash if therapist is not None else None
        found = (therapist.id, therapist.name) if therapist is not None else None
    if not _verify(stored or _DUMMY_HASH, password) or found is None or stored is None:
        actor = audit.Actor("dashboard", username, found[0] if found else None)
        audit.record(db, actor, "sign_in_failed", detail=username, now=now)
        return SignIn("wrong")
    if _hasher.check_needs_rehash(stored):
        with db.session() as session:
            session.get(Therapist, found[0]).password_hash = _hasher.hash(password)
    audit.record(db, audit.Actor("dashboard", username, found[0]), "sign_in", now=now)
    return SignIn("ok", therapist_id=found[0], name=found[1])


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def open_session(db: Database, therapist_id: int, hours: int, now: datetime | None = None) -> str:
    """A new session token for the cookie; shown once, stored hashed."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.session() as session:
        session.add(
            DashboardSession(
                token_hash=_digest(token),
                therapist_id=therapist_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
        # Expired sessions are of no use to anyone; clear them as we go.
        session.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
    return token


@dataclass(frozen=True)
class SignedIn:
    therapist_id: int
    name: str
    username: str


def session_therapist(db: Database, token: str, now: datetime | None = None) -> SignedIn | None:
    now = now or utcnow()
    with db.session() as session:
        row = session.execute(
            select(DashboardSession.expires_at, Therapist.id, Therapist.name, Therapist.username)
            .join(Therapist, Therapist.id == DashboardSession.therapist_id)
            .where(DashboardSession.token_hash == _digest(token))
        ).first()
    if row is None or as_utc(row[0]) <= now:
        return None
    return SignedIn(row[1], row[2], row[3])


def close_session(db: Database, token: str) -> None:
    with db.session() as session:
        session.execute(
            delete(DashboardSession).where(DashboardSession.token_hash == _digest(token))
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
