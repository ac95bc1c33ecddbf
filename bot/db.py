"""Database engine, sessions and schema migrations (Alembic, configured without alembic.ini).

SQLite (the default, `var/triage.db`) holds personal data: its file is created 0600 and used in
WAL mode with foreign keys on and a busy timeout. PostgreSQL gets a connection timeout so that a
server that does not answer sends the ticket to the outbox quickly instead of hanging.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.search_fold import register_sqlite_fold
from bot.settings import get_settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30000
PG_CONNECT_TIMEOUT_S = 5
# Any constant: serialises concurrent `upgrade` calls (action server and console starting).
_LOCK_ID = 947_243_001


def prepare_sqlite_file(url: URL) -> None:
    """Create the database's folder and an empty 0600 file before SQLite does (umask 022)."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    except OSError as exc:
        # Not fatal here: connecting will fail, and tickets go to the outbox meanwhile.
        log.error("cannot prepare the SQLite file %s: %s", path, exc)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
    register_sqlite_fold(dbapi_connection)  # the queue's accent-insensitive search


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for `url` (default: Settings.database_url), ready for several threads."""
    parsed = make_url(url or get_settings().database_url)
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        prepare_sqlite_file(parsed)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions in the 2.0 style; objects stay readable after commit (no lazy reload)."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False, class_=Session)


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at bot/migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        # '%' must be doubled in ini-style options (URL-encoded passwords).
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", url)
    return config


@contextmanager
def _migration_transaction(connection: Connection) -> Iterator[None]:
    """One transaction around the whole migration, taken exclusively.

    Two processes starting together (action server, console) must not both create the tables:
    PostgreSQL gets an advisory lock, SQLite a BEGIN IMMEDIATE (the write lock, with the busy
    timeout), which also makes SQLite's DDL transactional (pysqlite would autocommit it).
    """
    if connection.dialect.name != "sqlite":
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        yield
        connection.commit()
        return
    raw = connection.connection.dbapi_connection
    previous = raw.isolation_level
    raw.isolation_level = None  # pysqlite: let us issue BEGIN ourselves
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        raw.isolation_level = previous


SQLITE_LOCKED_ATTEMPTS = 5


def upgrade(engine_or_url: Engine | str | URL | None = None) -> None:
    """Bring the schema to the latest revision (`alembic upgrade head`); a no-op when current."""
    if isinstance(engine_or_url, Engine):
        engine, owned = engine_or_url, False
    else:
        engine, owned = make_engine(engine_or_url), True
    try:
        for attempt in range(1, SQLITE_LOCKED_ATTEMPTS + 1):
            try:
                with engine.connect() as connection, _migration_transaction(connection):
                    config = alembic_config(engine)
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                return
            except OperationalError as exc:
                # Processes starting together on a new SQLite file: switching it to WAL takes
                # a lock the busy timeout does not always wait for ("database is locked").
                locked = engine.dialect.name == "sqlite" and "locked" in str(exc)
                if not locked or attempt == SQLITE_LOCKED_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
    finally:
        if owned:
            engine.dispose()
