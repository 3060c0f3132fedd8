"""Encryption of free text at rest (entries, crisis messages, conversation events).

Fernet (AES-128-CBC with an HMAC) from `cryptography`, which Rasa already brings.
DATA_ENCRYPTION_KEY may list several keys separated by commas: the first encrypts,
all of them decrypt, so a clinic can rotate keys without losing old entries. With
no key set, the embedded default keeps one in DATA_DIR/encryption.key, made by
set-up; that is fine on a laptop and wrong on a shared server, where start-up warns.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.local_keys import write_once
from bot.settings import Settings, SettingsError

KEY_FILE = "encryption.key"
# Marks a stored value as ours, so a plaintext row left from before encryption
# is still readable (and is re-encrypted on its next write) instead of an error.
PREFIX = "enc1:"


class FieldCipher:
    def __init__(self, keys: list[str]) -> None:
        self.keys = tuple(keys)
        if not keys:
            raise SettingsError("no encryption key: set DATA_ENCRYPTION_KEY or run `make setup`")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise SettingsError(
                "DATA_ENCRYPTION_KEY must be Fernet keys (44 characters of url-safe base64), "
                "comma-separated; make one with `python -m bot.storage.crypto new-key`"
            ) from None

    def encrypt(self, text: str | None) -> str | None:
        if text is None:
            return None
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            # Never show ciphertext or guess: the key that wrote it is not configured.
            raise SettingsError(
                "a stored value cannot be decrypted with the configured DATA_ENCRYPTION_KEY "
                "(was a key removed instead of rotated?)"
            ) from None


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def keys_for(settings: Settings) -> list[str]:
    """The configured keys, or the embedded default's key file."""
    if settings.encryption_keys:
        return list(settings.encryption_keys)
    return [_read_key_file(key_file(settings))]


@cache
def _read_key_file(path: Path) -> str:
    # Cached: actions ask for the database on the event loop, and a key file does
    # not change under a running process (a failed read is not cached).
    if not path.is_file():
        raise SettingsError(
            f"no encryption key: DATA_ENCRYPTION_KEY is empty and {path} does not exist "
            "(run `make setup`, which makes one for local use)"
        )
    return path.read_text(encoding="ascii").strip()


def cipher_for(settings: Settings) -> FieldCipher:
    return FieldCipher(keys_for(settings))


def ensure_local_key(settings: Settings) -> str | None:
    """Makes the embedded default's key file when no key is configured.

    Returns a warning for production-like set-ups (a database server, not SQLite)
    that rely on the key file, since a key beside the data protects little.
    """
    if settings.encryption_keys:
        return None
    path = key_file(settings)
    write_once(path, lambda: Fernet.generate_key().decode("ascii"))
    if not settings.database_url.startswith("sqlite"):
        return (
            "warning: DATA_ENCRYPTION_KEY is not set, so the database server's entries are "
            f"encrypted with the key file {path}. In production keep a key in a secret store "
            "and set DATA_ENCRYPTION_KEY (make one: python -m bot.storage.crypto new-key)."
        )
    return None


def main() -> None:
    if sys.argv[1:] == ["new-key"]:
        print(Fernet.generate_key().decode("ascii"))
        return
    sys.exit("usage: python -m bot.storage.crypto new-key")


if __name__ == "__main__":
    main()
