"""Alembic environment, driven from code (bot.db.upgrade) rather than an alembic.ini.

`bot.db.upgrade` passes an open connection in `config.attributes["connection"]`; the Alembic
command line can still be used with `-x url=...` or `sqlalchemy.url` set in its configuration.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy.engine import Connection

# Importing the models registers their tables on Base.metadata.
import bot.fiche_versions
import bot.inbox.models
import bot.tickets.history  # noqa: F401
from bot.db import make_engine
from bot.tickets.models import Base

# The console declares its tables (accounts, tokens, security log) on the same Base, but the core
# does not import the console. Running the migrations needs no models (each revision says what
# to create); `alembic revision --autogenerate` does, or it would propose dropping those tables:
# name them with `-x models=console.accounts,console.audit`.
_MODELS = context.get_x_argument(as_dictionary=True).get("models", "")
for _module in filter(None, _MODELS.split(",")):
    importlib.import_module(_module.strip())
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: Alembic rebuilds the table instead ("batch").
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run bot.db.upgrade()")
run_migrations_online()
