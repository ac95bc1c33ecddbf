"""The process-wide objects the action server, the console and the tools share.

Built on first use, once per process: the knowledge base is validated and the database schema is
brought up to date. The background thread that retries the tickets waiting in the outbox is not
started by a first use: the action server's entry point (triage/actions_server.py) starts it.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

from sqlalchemy.exc import SQLAlchemyError

from bot.db import make_engine, upgrade
from bot.hours import OpeningHours
from bot.settings import get_settings
from bot.tickets import TicketStore

log = logging.getLogger(__name__)
OUTBOX_RETRY_SECONDS = 30.0


@lru_cache(maxsize=1)
def get_store() -> TicketStore:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except (SQLAlchemyError, OSError):
        # The database may be down at start: tickets go to the outbox until it is back.
        log.exception("database schema not checked: the database is unreachable")
    return TicketStore(engine, settings, settings.outbox_dir)


@lru_cache(maxsize=1)
def get_opening_hours() -> OpeningHours:
    return OpeningHours(get_settings())


def start_outbox_flusher(
    store: TicketStore, stop: threading.Event | None = None
) -> threading.Thread:
    """Retry the outbox every OUTBOX_RETRY_SECONDS in a daemon thread, until `stop` is set."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.wait(OUTBOX_RETRY_SECONDS):
            try:
                written = store.flush_outbox()
            except Exception:
                log.exception("outbox flush failed")
                continue
            if written:
                log.info("outbox: %d ticket(s) written to the database", written)

    thread = threading.Thread(target=loop, name="outbox-flusher", daemon=True)
    thread.start()
    return thread
