"""Fixtures of the console's tests: real databases, the application, accounts, tickets.

Every database test runs on SQLite (a file) and on PostgreSQL (a database created for the run
on the server named by TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test,
dropped at the end; skipped with the reason when the server cannot be reached). The schema is
migrated once per backend; before each test every table is emptied and the three accounts
(agent, supervisor, admin) are written back.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from bot.db import make_engine, upgrade
from bot.fiche_versions import FicheVersion
from bot.inbox.models import AnswerRecord, InboxItem, NluExport
from bot.settings import Settings, load_settings
from bot.tickets import TicketDraft, TicketStore
from bot.tickets.history import TicketEvent
from bot.tickets.models import Interaction, Ticket
from bot.urgency import Priority
from console.accounts import Account, ApiToken
from console.app import create_app
from console.audit import AuditEntry

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "mot-de-passe-de-test"
ACCOUNTS = {
    "agent": ("agnes", "Agnès Agent"),
    "supervisor": ("sylvain", "Sylvain Superviseur"),
    "admin": ("adele", "Adèle Admin"),
    "information": ("ines", "Inès Information"),
}
SECRET = "s" * 64
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def _postgres_database() -> Iterator[str]:
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"console_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except DBAPIError as exc:  # no server, refused, no right to create a database
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One migrated database per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'console.db'}"
        upgrade(url)
        yield url
        return
    generator = _postgres_database()
    url = next(generator)
    upgrade(url)
    yield url
    generator.close()


@pytest.fixture
def engine(migrated_url: str, password_hash: str) -> Iterator[Engine]:
    """The run's database, emptied, with the three accounts."""
    engine = make_engine(migrated_url)
    with engine.begin() as connection:
        inbox = (InboxItem, NluExport, AnswerRecord, FicheVersion)
        for model in (TicketEvent, AuditEntry, Interaction, Ticket, Account, ApiToken, *inbox):
            connection.execute(delete(model))
        for role, (username, name) in ACCOUNTS.items():
            connection.execute(
                insert(Account).values(
                    username=username,
                    display_name=name,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    failed_logins=0,
                    created_at=datetime.now(timezone.utc),
                )
            )
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, migrated_url: str) -> Settings:
    return load_settings(
        env={"TRIAGE_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": migrated_url}
    )


@pytest.fixture
def app(engine: Engine, settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, settings.database_url, secret=SECRET, migrate=False)
    app.config["TESTING"] = True
    yield app
    app.extensions["triage"].engine.dispose()


@pytest.fixture
def store(engine: Engine, settings: Settings) -> TicketStore:
    return TicketStore(engine, settings, settings.outbox_dir)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


@dataclass
class Browser:
    """A test client that logs in and sends forms with the page's CSRF token."""

    client: FlaskClient
    token: str = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/connexion")
        self.token = csrf_of(page.text)
        response = self.client.post(
            "/connexion",
            data={"username": username, "password": password, "csrf_token": self.token},
        )
        if response.status_code == 302:  # a new session has a new CSRF token
            self.token = csrf_of(self.client.get("/api/v1/documentation").text)
        return response

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)


@pytest.fixture
def browser_for(app: Flask) -> Callable[[str | None], Browser]:
    """browser_for("agent") -> a client logged in with that role; None: anonymous."""

    def make(role: str | None) -> Browser:
        browser = Browser(app.test_client())
        if role is not None:
            response = browser.login(ACCOUNTS[role][0])
            assert response.status_code == 302, response.text
        return browser

    return make


@pytest.fixture
def make_ticket(store: TicketStore) -> Callable[..., str]:
    """Create a ticket the way the assistant does (TicketStore.create); return its reference."""
    counter = iter(range(10_000))

    def make(**overrides: Any) -> str:
        now = datetime.now(timezone.utc)
        values: dict[str, Any] = {
            "idempotency_key": f"test-{uuid.uuid4().hex}",
            "channel": "phone",
            "topic": "apa",
            "intent": "apa_contest",
            "confidence": 0.91,
            "fiche_id": "apa_contest",
            "entities": {"age": 82},
            "citizen_name": f"Citoyen {next(counter)}",
            "phone": "+33612345678",
            "commune": "Créteil",
            "callback_slot": None,
            "consent_at": now,
            "reason": "Contester le GIR attribué à ma mère.",
            "transcript": [
                {"speaker": "citoyen", "text": "Je conteste le GIR", "at": now.isoformat()},
                {
                    "speaker": "assistant",
                    "text": "Un conseiller va vous rappeler.",
                    "at": now.isoformat(),
                },
            ],
            "priority": Priority.NORMAL,
            "created_at": now,
        }
        values.update(overrides)
        return store.create(TicketDraft(**values)).reference

    return make


def days_ago(days: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)
