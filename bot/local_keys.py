"""Secrets the embedded default keeps in files under DATA_DIR when .env sets none."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings


def local_secret(settings: Settings, configured: str, filename: str) -> str:
    """`configured` when set; otherwise the key in DATA_DIR/filename, made on first use.

    With several servers, each needs the same value: set it in .env instead."""
    if configured:
        return configured
    path = Path(settings.data_dir) / filename
    write_once(path, lambda: secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def server_secret(settings: Settings, configured: str, filename: str) -> str:
    """A key the servers sign or derive ids with: like local_secret, except that
    FAQ-only mode writes nothing to disk, not even a key. Conversations are not
    kept there either, so ids that end with the process lose nothing."""
    if settings.faq_only and not configured:
        return secrets.token_urlsafe(48)
    return local_secret(settings, configured, filename)


def write_once(path: Path, make: Callable[[], str]) -> None:
    """Creates a key file readable by this user only, from the moment it exists;
    an existing one (made earlier, or by another process just now) is kept.

    The file appears whole or not at all (written aside, then linked into place),
    so a server starting at the same moment never reads it half-written."""
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(make() + "\n")
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(aside)
