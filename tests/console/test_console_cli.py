"""`triage agents …` and `triage purge`, the account rules, and the 0002 migration."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

import console.accounts
import console.audit
from bot.db import session_factory
from bot.settings import Settings, get_settings
from bot.tickets.history import TicketEvent
from bot.tickets.models import Base, Ticket, utcnow
from console import cli
from console.accounts import AccountError, AccountStore
from console.audit import AuditEntry
from tests.console.conftest import Browser, days_ago

ROOT = Path(__file__).resolve().parents[2]
assert console.accounts and console.audit  # their tables are on Base.metadata


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine
) -> Iterator[dict[str, str]]:
    """The command line pointed at the test database (environment and settings cache)."""
    env = {"DATABASE_URL": settings.database_url, "TRIAGE_VAR_DIR": str(settings.var_dir)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield {**os.environ, **env}
    get_settings.cache_clear()


def test_agents_add_list_disable_and_token_from_the_shell(
    cli_env: dict[str, str], app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.cli",
            "agents",
            "add",
            "marc.l",
            "--name",
            "Marc L",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        input="un mot de passe solide\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=cli_env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "marc.l" in run.stdout
    browser = Browser(app.test_client())
    assert browser.login("marc.l", "un mot de passe solide").status_code == 302
    assert browser.get("/statistiques").status_code == 200

    assert cli.main(["agents", "list"]) == 0
    listing = capsys.readouterr().out
    assert "marc.l" in listing and "supervisor" in listing and "actif" in listing

    assert cli.main(["agents", "disable", "marc.l"]) == 0
    assert browser.get("/statistiques").status_code == 302  # its session is over
    assert cli.main(["agents", "disable", "nobody"]) == 1

    assert cli.main(["agents", "token", "crm"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    response = app.test_client().get(
        "/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert cli.main(["agents", "token", "crm", "--revoke"]) == 0
    with app.extensions["triage"].sessions() as session:
        actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert {"account_add", "account_disable", "token_create", "token_revoke"} <= set(actions)


def test_account_rules(engine: Engine) -> None:
    store = AccountStore(session_factory(engine))
    with pytest.raises(AccountError, match="12 caractères"):
        store.create("court", "Court", "agent", "trop court")
    with pytest.raises(AccountError, match="Rôle inconnu"):
        store.create("zoe", "Zoé", "root", "un mot de passe solide")
    with pytest.raises(AccountError, match="Identifiant invalide"):
        store.create("Zoé Dupont", "Zoé", "agent", "un mot de passe solide")
    account = store.create("zoe", "Zoé", "agent", "un mot de passe solide")
    assert account.password_hash.startswith("$argon2id$")
    with pytest.raises(AccountError, match="existe déjà"):
        store.create("ZOE", "Zoé", "agent", "un mot de passe solide")
    now = utcnow()
    statuses = [store.authenticate("zoe", "faux", now).status for _ in range(6)]
    assert statuses == ["invalid"] * 6  # never locked: the console slows tries down instead
    assert store.authenticate("zoe", "un mot de passe solide", now).status == "ok"
    assert store.authenticate("inconnu", "x", now).status == "invalid"


def test_purge_empties_personal_data_and_typed_texts(
    cli_env: dict[str, str],
    app: Flask,
    make_ticket: Callable[..., str],
    browser_for: Callable[[str | None], Browser],
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, recent, still_open = make_ticket(), make_ticket(), make_ticket()
    agent = browser_for("agent")
    for reference in (old, recent):
        agent.post(f"/demandes/{reference}/note", {"text": "Mme Martin, fille au 06 99 88 77 66"})
        agent.post(f"/demandes/{reference}/cloture", {"outcome": "answered", "comment": "Vu"})
    sessions = app.extensions["triage"].sessions
    with sessions.begin() as session:
        ticket = session.execute(select(Ticket).filter_by(reference=old)).scalar_one()
        ticket.closed_at = days_ago(91)
    assert cli.main(["purge"]) == 0  # default: retention_days (90)
    assert "1 demande(s)" in capsys.readouterr().out
    with sessions() as session:
        rows = {t.reference: t for t in session.execute(select(Ticket)).scalars()}
        texts = dict(
            session.execute(
                select(TicketEvent.kind, TicketEvent.text).where(
                    TicketEvent.ticket_id == rows[old].id, TicketEvent.kind != "view"
                )
            ).all()
        )
        recent_texts = (
            session.execute(
                select(TicketEvent.text).where(
                    TicketEvent.ticket_id == rows[recent].id, TicketEvent.text.is_not(None)
                )
            )
            .scalars()
            .all()
        )
    purged = rows[old]
    assert (purged.citizen_name, purged.phone, purged.reason, purged.transcript) == (
        None,
        None,
        None,
        [],
    )
    assert purged.personal_data_purged_at is not None
    assert (purged.topic, purged.outcome, purged.commune) == ("apa", "answered", "Créteil")
    assert texts == {"note": None, "claim": None, "resolve": None}
    assert len(recent_texts) == 2 and rows[recent].citizen_name is not None
    assert rows[still_open].citizen_name is not None
    page = agent.get(f"/demandes/{old}").text
    assert "06 99 88 77 66" not in page and "effacées le" in page
    assert cli.main(["purge", "--days", "0"]) == 1


def test_migrations_match_the_models(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"accounts", "api_tokens", "ticket_events", "audit_log"} <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_alembic_command_line_autogenerates_with_the_console_models(tmp_path: Path) -> None:
    """The core's migrations import no console module: `-x models=` names them for autogenerate.

    Without it, a fresh process knows only the core's tables and Alembic would propose dropping
    the console's: `alembic check` must see that difference, and none once they are named.
    """
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {ROOT / 'bot' / 'migrations'}\n")
    url = f"sqlite:///{tmp_path / 'check.db'}"

    def alembic(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "alembic", "-c", str(ini), "-x", f"url={url}", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert alembic("upgrade", "head").returncode == 0
    without = alembic("check")
    assert without.returncode != 0 and "remove_table" in without.stderr + without.stdout
    named = alembic("-x", "models=console.accounts,console.audit", "check")
    assert named.returncode == 0, named.stderr
    assert "No new upgrade operations detected" in named.stdout + named.stderr
