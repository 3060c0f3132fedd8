"""Secrets the embedded default keeps in files under DATA_DIR when .env sets none."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.settings import Settings


def local_secret(settings: Settings, configured: str, filename: str) -> str:
    """`configured` when set; otherwise the key in DATA_DIR/filename, made on first use.

    With several servers, each needs the same value: set it in .env instead."""
    if configured:
        return configured
    path = Path(settings.data_dir) / filename
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Readable by this user only, from the moment it exists.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text(encoding="ascii").strip()
