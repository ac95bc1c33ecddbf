"""The security check reuses the console's fixtures (real SQLite and PostgreSQL databases, the
three roles) and the session's running assistant (tests/conftest.py)."""

from tests.console.conftest import (  # noqa: F401 - fixtures
    app,
    browser_for,
    engine,
    make_ticket,
    migrated_url,
    password_hash,
    settings,
    store,
)
