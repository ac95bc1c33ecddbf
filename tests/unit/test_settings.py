"""The one configuration object: what the environment sets, and the defaults without it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, ConfigurationError, load_settings


def test_without_environment_the_deployment_values_are_the_safe_defaults() -> None:
    settings = load_settings(env={})
    assert settings.database_url == f"sqlite:///{settings.var_dir / 'triage.db'}"
    assert settings.conversations_url == f"sqlite:///{settings.var_dir / 'conversations.db'}"
    assert settings.phone_secret_file is None
    assert settings.site_origins == ()
    assert (settings.chat_rate_session, settings.chat_rate_address) == (30.0, 300.0)
    assert settings.console_secure_cookie  # Secure unless told otherwise
    assert (settings.console_secret, settings.public_url, settings.tls_cert) == ("", "", "")
    assert settings.environment == {}


def test_every_deployment_variable_reaches_its_field(tmp_path: Path) -> None:
    env = {
        "TRIAGE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://triage@127.0.0.1/triage",
        "TRIAGE_CONVERSATIONS_URL": "postgresql://triage@127.0.0.1/conversations",
        "TRIAGE_PHONE_SECRET_FILE": str(tmp_path / "phone"),
        "TRIAGE_SITE_ORIGINS": "https://www.exemple.fr https://aide.exemple.fr",
        "TRIAGE_CHAT_RATE_SESSION": "12",
        "TRIAGE_CHAT_RATE_ADDRESS": "120",
        "TRIAGE_CONSOLE_SECRET": "s3cret",
        "TRIAGE_CONSOLE_SECURE_COOKIE": "0",
        "TRIAGE_PUBLIC_URL": "https://assistant.exemple.fr/",
        "TRIAGE_TLS_CERT": "/etc/cert.pem",
        "TRIAGE_TLS_KEY": "/etc/key.pem",
    }
    settings = load_settings(env=env)
    assert settings.var_dir == tmp_path
    assert settings.database_url == env["DATABASE_URL"]
    assert settings.conversations_url == env["TRIAGE_CONVERSATIONS_URL"]
    assert settings.phone_secret_file == tmp_path / "phone"
    assert settings.site_origins == ("https://www.exemple.fr", "https://aide.exemple.fr")
    assert (settings.chat_rate_session, settings.chat_rate_address) == (12.0, 120.0)
    assert settings.console_secret == "s3cret" and not settings.console_secure_cookie
    assert settings.public_url == "https://assistant.exemple.fr"
    assert (settings.tls_cert, settings.tls_key) == ("/etc/cert.pem", "/etc/key.pem")
    assert settings.environment == env


def test_only_the_settings_module_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[2]
    readers = [
        str(path.relative_to(root))
        for folder in ("bot", "actions", "channels", "console", "voice", "web", "triage")
        for path in sorted((root / folder).rglob("*.py"))
        if "os.environ.get(" in (text := path.read_text(encoding="utf-8"))
        or "os.getenv(" in text
        or "os.environ[" in text
        or "dict(os.environ" in text
    ]
    assert readers == ["bot/settings.py"]


def test_a_postcode_must_be_the_departements_and_its_commune_listed(tmp_path: Path) -> None:
    base = (PROJECT_ROOT / "departement.yml").read_text(encoding="utf-8")
    for wrong, message in (
        ("  Créteil: '93000'", "'93000' (Créteil) is no postcode of 94"),
        ("  Bobigny: '94000'", "'Bobigny' is not in 'communes'"),
    ):
        path = tmp_path / "departement.yml"
        path.write_text(base.replace('  Créteil: "94000"', wrong), encoding="utf-8")
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            load_settings(path, env={})
    assert ("94000", "Créteil") in load_settings(env={}).postcodes
