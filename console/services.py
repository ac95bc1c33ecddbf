"""What the console works with: settings, database, stores, opening hours, knowledge base.

Built once per application (per process); views reach it with `services()`.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, session_factory
from bot.hours import OpeningHours
from bot.knowledge import KnowledgeBase, KnowledgeBaseError
from bot.settings import Settings
from bot.tickets import TicketStore
from console.accounts import AccountStore
from console.audit import AuditLog

log = logging.getLogger(__name__)
SECRET_FILE = "console_secret"


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    tickets: TicketStore
    accounts: AccountStore
    audit: AuditLog
    hours: OpeningHours
    knowledge: KnowledgeBase | None

    @classmethod
    def build(cls, settings: Settings, database_url: str | None = None) -> Services:
        engine = make_engine(database_url or settings.database_url)
        sessions = session_factory(engine)
        try:
            knowledge = KnowledgeBase.load(settings.knowledge_dir, settings)
        except KnowledgeBaseError as exc:
            # The console still works without fiches: it shows the fiche id only.
            log.error("knowledge base not loaded: %s", exc)
            knowledge = None
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            tickets=TicketStore(engine, settings, settings.outbox_dir),
            accounts=AccountStore(sessions),
            audit=AuditLog(sessions),
            hours=OpeningHours(settings),
            knowledge=knowledge,
        )

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on an exception."""
        with self.sessions.begin() as session:
            yield session


def services() -> Services:
    return current_app.extensions["triage"]


def secret_key(settings: Settings) -> str:
    """TRIAGE_CONSOLE_SECRET, else a key generated once into var/console_secret (mode 0600)."""
    if settings.console_secret:
        return settings.console_secret
    var_dir = settings.var_dir
    path = var_dir / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=var_dir, prefix=".secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        # link() publishes the complete file or fails if another process was first.
        os.link(temp, path)
        log.info("console secret key generated in %s", path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise RuntimeError(f"{path}: the console secret is too short; delete the file")
    return value
