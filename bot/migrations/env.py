"""Alembic environment, driven from code (bot.db.upgrade) rather than an alembic.ini.

`bot.db.upgrade` passes an open connection in `config.attributes["connection"]`; the Alembic
command line can still be used with `-x url=...` or `sqlalchemy.url` set in its configuration.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

# Importing the models registers their tables on Base.metadata. A later module that adds
# tables to the same Base (the console) must be imported here too.
import bot.accounts
import bot.audit
import bot.inbox.models  # noqa: F401
from bot.db import make_engine
from bot.tickets.models import Base

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
