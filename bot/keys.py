"""Secrets the processes of the assistant share, kept as files in var/secrets/ (mode 0600).

Made once, at set-up (triage/stack.py) or by whichever process needs one first: the file is
created exclusively, so two processes starting together read the same value. Nothing here is
ever logged or sent to a client.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.settings import get_settings

PHONE_TOKEN_HEADER = "X-Triage-Phone-Token"
PHONE_SECRET_ENV = "TRIAGE_PHONE_SECRET_FILE"


def secret_file(name: str, var_dir: Path | None = None) -> Path:
    return (var_dir or get_settings().var_dir) / "secrets" / name


def read_or_create(path: Path) -> str:
    """The secret in `path`, created (0600 in a 0700 folder) when missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="ascii").strip()


def phone_secret_file() -> Path:
    """Shared by the Rasa server (phone channel) and the voice gateway."""
    return get_settings().phone_secret_file or secret_file("phone-channel")


def phone_token() -> str:
    return read_or_create(phone_secret_file())


def session_key() -> bytes:
    """Signs the chat session ids the Rasa server issues (channels/sessions.py)."""
    return read_or_create(secret_file("chat-sessions")).encode("ascii")
