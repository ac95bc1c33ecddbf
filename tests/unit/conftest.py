"""Database fixtures for the core's unit tests: a SQLite file and a real PostgreSQL database.

PostgreSQL: the run gets its own database, created on the server named by TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test) and dropped at the end; each test gets its
own schema in it (first on the search path), dropped after the test. Tests skip, with the
reason, when the server cannot be reached.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

from bot.db import make_engine
from bot.settings import Settings, load_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The project's own département file (the one deployed by default)."""
    return load_settings(env={})


def _autocommit_engine(url: str | URL) -> Engine:
    return create_engine(
        url, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


@dataclass
class Database:
    """A fresh, empty database and the means to take it away and bring it back."""

    backend: str
    url: str
    go_down: Callable[[Engine], None]
    come_back: Callable[[], None]


@dataclass
class PostgresRun:
    """The database created for this test run, and an AUTOCOMMIT engine on it."""

    url: URL
    admin: Engine  # on the server's own test database: CREATE/DROP/ALTER DATABASE
    engine: Engine  # on the run's database: CREATE/DROP SCHEMA


@pytest.fixture(scope="session")
def postgres_run() -> Iterator[PostgresRun]:
    """A database created for this run (dropped at the end), or a skip with the reason."""
    admin = _autocommit_engine(POSTGRES_ADMIN_URL)
    name = f"triage_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any driver error means: no server to test against
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    engine = _autocommit_engine(url)
    try:
        yield PostgresRun(url, admin, engine)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_database(tmp_path: Path) -> Iterator[Database]:
    folder = tmp_path / "db"
    away = tmp_path / "db-away"

    def go_down(engine: Engine) -> None:
        engine.dispose()  # pooled connections would keep the moved file open
        folder.rename(away)

    def come_back() -> None:
        away.rename(folder)

    yield Database("sqlite", f"sqlite:///{folder / 'triage.db'}", go_down, come_back)
    shutil.rmtree(folder, ignore_errors=True)


def _postgres_database(run: PostgresRun) -> Iterator[Database]:
    """A schema of its own for one test, first on the search path of every connection."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    name = run.url.database
    with run.engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def go_down(engine: Engine) -> None:
        # The server refuses new connections to the database, even for a superuser.
        with run.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        engine.dispose()
        run.engine.dispose()

    def come_back() -> None:
        with run.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    url = run.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield Database("postgresql", url.render_as_string(hide_password=False), go_down, come_back)
    finally:
        with run.engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database on each backend (the same tests run on SQLite and PostgreSQL)."""
    if request.param == "sqlite":
        yield from _sqlite_database(tmp_path)
    else:
        yield from _postgres_database(request.getfixturevalue("postgres_run"))


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    engine = make_engine(database.url)
    yield engine
    engine.dispose()


@pytest.fixture
def store_settings(settings: Settings, database: Database, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, database_url=database.url, var_dir=tmp_path / "var")
