"""Keeping personal data out of the logs, and the log files themselves private and short-lived.

Two layers, with the same rules (`redact`):
- `PersonalDataFilter`, a logging filter for the processes that configure their own logging
  (console, web server, voice gateway): string arguments that are not identifiers (a citizen's
  words, a name) are masked, then the message goes through `redact`.
- `LogWriter`, which triage/stack.py puts between every process it starts (Rasa, action server,
  console, web, gateway, proxy) and its log file: each line goes through `redact`, so even what a
  library prints or a traceback holds is covered. Files are 0600 in a 0700 folder, rotated daily,
  and deleted after `LOG_RETENTION_DAYS`.

`redact` masks phone numbers, e-mail addresses, and the values of the fields that carry what a
citizen wrote or who they are (text, message, citizen_name, phone, caller_number, commune, …)
wherever they appear as `key: value` or `key=value` (JSON, Python reprs, structlog).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import IO

MASK = "[masqué]"
LOG_RETENTION_DAYS = 14
MAX_LINE_CHARS = 2000
PERSONAL_KEYS = (
    "text",
    "message",
    "citizen_name",
    "name",
    "phone",
    "caller_number",
    "commune",
    "reason",
    "value",
    "transcript",
    "entities",
    "metadata",
    "given",
    "username",
    "password",
)
_KEYS = "|".join(PERSONAL_KEYS)
_QUOTED_VALUE = re.compile(
    rf"""(?P<key>["']?\b(?:{_KEYS})\b["']?\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\{[^}]*\}|[^,;)}\]\n]+)"""
)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[\s.\-]?\(?0?\)?[\s.\-]?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)"
    r"|\+\d{8,15}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A citizen's words quoted by a log line ("heard 'je m'appelle …'").
_UTTERANCE = re.compile(r"""\b(heard|partial|said|user message|text)\s+(['"]).*?\2""", re.I)
_IDENTIFIER = re.compile(r"^(?=.*\d)[A-Za-z0-9_.:/\-]{1,200}$")


def redact(text: str) -> str:
    """The line without personal data (bounded in length)."""
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS] + " […]"
    text = _QUOTED_VALUE.sub(lambda m: m.group("key") + MASK, text)
    text = _UTTERANCE.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _EMAIL.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def _safe_arg(arg: object) -> object:
    if isinstance(arg, (int, float)) or arg is None:
        return arg
    text = str(arg)
    return text if _IDENTIFIER.match(text) else MASK


class PersonalDataFilter(logging.Filter):
    """Masks a record's free-text arguments and redacts its message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.args, tuple):
                record.msg = str(record.msg) % tuple(_safe_arg(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.msg = str(record.msg) % {k: _safe_arg(v) for k, v in record.args.items()}
            else:
                record.msg = str(record.msg)
        except (TypeError, ValueError):
            record.msg = str(record.msg)
        record.args = None
        record.msg = redact(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(
    level: int = logging.INFO, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s"
) -> None:
    """basicConfig with the filter on every handler of the root logger."""
    logging.basicConfig(level=level, format=fmt)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def purge_old(
    folder: Path, retention_days: int = LOG_RETENTION_DAYS, now: float | None = None
) -> list[Path]:
    """Delete the log files not written to for `retention_days`."""
    cutoff = (now or time.time()) - retention_days * 86400
    gone = []
    for file in folder.glob("*.log*"):
        if file.is_file() and file.stat().st_mtime < cutoff:
            file.unlink(missing_ok=True)
            gone.append(file)
    return gone


class LogWriter:
    """Appends redacted lines to `<folder>/<name>.log`; at the first line of a new day the file is
    renamed `<name>.log.<date>` and files older than the retention are deleted."""

    def __init__(self, folder: Path, name: str, retention_days: int = LOG_RETENTION_DAYS) -> None:
        self.folder = private_dir(folder)
        self.path = folder / f"{name}.log"
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._day: date | None = None

    def _open(self) -> IO[str]:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.path, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def _rotate_if_needed(self, today: date) -> None:
        if self._file is not None and self._day == today:
            return
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path.exists():
            written = date.fromtimestamp(self.path.stat().st_mtime)
            if written < today and self.path.stat().st_size:
                self.path.rename(self.path.with_name(f"{self.path.name}.{written.isoformat()}"))
        purge_old(self.folder, self.retention_days)
        self._file, self._day = self._open(), today

    def write(self, line: str, today: date | None = None) -> None:
        with self._lock:
            self._rotate_if_needed(today or datetime.now().date())
            assert self._file is not None
            self._file.write(redact(line.rstrip("\n")) + "\n")
            self._file.flush()

    def pump(self, stream: IO[bytes]) -> threading.Thread:
        """Copy a child's output to the file, line by line, in a background thread."""

        def run() -> None:
            for raw in iter(stream.readline, b""):
                self.write(raw.decode("utf-8", errors="replace"))
            stream.close()
            self.close()

        thread = threading.Thread(target=run, name=f"log-{self.path.stem}", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
