"""Where the Rasa server keeps conversations in progress: in memory, written through to SQL.

Rasa's default store is memory only: restarting the Rasa server forgot every conversation in
progress, a half-filled callback form with it. This store answers from memory and writes each
turn to a database as well (SQLite `var/conversations.db`, created 0600, or the URL in
TRIAGE_CONVERSATIONS_URL), so that a restarted server takes the citizen up where they were.

The copy is not the record (tickets hold what the callback needs) and it holds what citizens
wrote: it is deleted after `conversation_retention_hours` (departement.yml), and idle
conversations leave memory after an hour. A database that is down is logged, never fatal:
conversations go on in memory and are written again once it is back. Rasa's own SQL store
would wait for the database forever at start-up, and its fail-safe wrapper forgets the
conversation when a read fails.

A callback form that ends without a ticket (the citizen said "annuler" or refused consent) is
told "nothing was kept": its personal fields and the texts typed during the form are erased from
memory and from the database at once, not 24 h later.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, delete, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.db import PG_CONNECT_TIMEOUT_S, SQLITE_BUSY_TIMEOUT_MS, prepare_sqlite_file
from bot.settings import get_settings

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 600
RECONNECT_EVERY_S = 60
CALLBACK_FORM = "callback_form"
SUBMIT_ACTION = "action_submit_callback"
PERSONAL_SLOTS = frozenset({"citizen_name", "phone", "commune", "callback_slot"})


def conversations_url() -> URL:
    """TRIAGE_CONVERSATIONS_URL, else SQLite in the var folder (next to the tickets)."""
    return make_url(get_settings().conversations_url)


def _with_timeouts(url: URL) -> URL:
    if url.get_backend_name() == "sqlite":
        return url.update_query_dict({"timeout": str(SQLITE_BUSY_TIMEOUT_MS / 1000)})
    if url.get_backend_name() == "postgresql":
        return url.update_query_dict({"connect_timeout": str(PG_CONNECT_TIMEOUT_S)})
    return url


class DurableTrackerStore(InMemoryTrackerStore):
    """Memory first; each turn also written to SQL; expired conversations deleted."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        url: str | None = None,
        retention_hours: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` as `host`
        super().__init__(domain or Domain.empty(), event_broker, **kwargs)
        self.url = _with_timeouts(make_url(url) if url else conversations_url())
        hours = retention_hours or get_settings().conversation_retention_hours
        self.retention = timedelta(hours=hours)
        self._sql: SQLTrackerStore | None = None
        self._next_connect = 0.0
        self._next_sweep = 0.0
        self._touched: dict[str, float] = {}
        self._erased: dict[str, float] = {}
        self._connect()

    # --- Rasa's interface ---------------------------------------------------------------------

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._domain = domain or Domain.empty()
        if self._sql is not None:
            self._sql.domain = self._domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self._touched[tracker.sender_id] = time.monotonic()
        sql = self._connect()
        if sql is not None:
            try:
                await sql.save(tracker)
            except SQLAlchemyError as exc:
                self._lost(exc)
        self._erase_abandoned_form(tracker)
        self._sweep()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve(sender_id)
        if tracker is None:
            tracker = await self._from_sql(sender_id, full=False)
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve_full_tracker(sender_id)
        if tracker is None:
            tracker = await self._from_sql(sender_id, full=True)
        return tracker

    async def keys(self) -> Iterable[str]:
        keys = set(await super().keys())
        sql = self._connect()
        if sql is not None:
            try:
                keys.update(await sql.keys())
            except SQLAlchemyError as exc:
                self._lost(exc)
        return keys

    # --- a form abandoned: what it collected goes at once ------------------------------------

    def _erase_abandoned_form(self, tracker: DialogueStateTracker) -> None:
        since = abandoned_form_start(tracker.events)
        if since is None or self._erased.get(tracker.sender_id) == since:
            return
        self._erased[tracker.sender_id] = since
        state = json.loads(self.store[tracker.sender_id])
        state["events"] = [
            scrub(e) if e.get("timestamp", 0) >= since else e for e in state["events"]
        ]
        self.store[tracker.sender_id] = json.dumps(state)
        sql = self._connect()
        if sql is None:
            return
        table = SQLTrackerStore.SQLEvent
        try:
            with sql.session_scope() as session:
                rows = session.execute(
                    select(table).where(
                        table.sender_id == tracker.sender_id, table.timestamp >= since
                    )
                ).scalars()
                for row in rows:
                    row.data = json.dumps(scrub(json.loads(row.data)))
                session.commit()
        except SQLAlchemyError as exc:
            self._lost(exc)
        log.info("personal data of an abandoned callback form erased")

    # --- the database side --------------------------------------------------------------------

    def _connect(self) -> SQLTrackerStore | None:
        """The SQL store, (re)opened at most once a minute while the database is down."""
        if self._sql is not None or time.monotonic() < self._next_connect:
            return self._sql
        self._next_connect = time.monotonic() + RECONNECT_EVERY_S
        if self.url.get_backend_name() == "sqlite":
            prepare_sqlite_file(self.url)
        probe = create_engine(self.url)
        try:
            with probe.connect():
                pass
        except SQLAlchemyError as exc:
            log.error("conversations database unreachable, keeping them in memory: %s", exc)
            return None
        finally:
            probe.dispose()
        url = self.url.render_as_string(hide_password=False)
        self._sql = SQLTrackerStore(self._domain, host=url)
        log.info("conversations kept in %s", self.url.render_as_string(hide_password=True))
        return self._sql

    def _lost(self, exc: Exception) -> None:
        log.error("conversations database failed, keeping them in memory: %s", exc)
        if self._sql is not None:
            self._sql.engine.dispose()
        self._sql = None
        self._next_connect = time.monotonic() + RECONNECT_EVERY_S

    async def _from_sql(self, sender_id: str, full: bool) -> DialogueStateTracker | None:
        sql = self._connect()
        if sql is None:
            return None
        try:
            if full:
                return await sql.retrieve_full_tracker(sender_id)
            tracker = await sql.retrieve(sender_id)
        except SQLAlchemyError as exc:
            self._lost(exc)
            return None
        if tracker is not None:
            log.info("conversation %s taken up from the database", sender_id)
            await InMemoryTrackerStore.save(self, tracker)
            self._touched[sender_id] = time.monotonic()
        return tracker

    def _sweep(self, force: bool = False) -> None:
        """Forget idle conversations in memory; delete expired ones in the database."""
        now = time.monotonic()
        if not force and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        # After the domain's session expiration a new session starts: the old one is not needed.
        idle_s = self._domain.session_config.session_expiration_time * 60
        for sender_id, touched in list(self._touched.items()):
            if now - touched > idle_s:
                self.store.pop(sender_id, None)
                del self._touched[sender_id]
        sql = self._connect()
        if sql is None:
            return
        cutoff = time.time() - self.retention.total_seconds()
        try:
            with sql.session_scope() as session:
                gone = session.execute(
                    delete(SQLTrackerStore.SQLEvent).where(
                        SQLTrackerStore.SQLEvent.timestamp < cutoff
                    )
                ).rowcount
                session.commit()
        except SQLAlchemyError as exc:
            self._lost(exc)
            return
        if gone:
            log.info("deleted %d conversation events older than %s", gone, self.retention)


def abandoned_form_start(events: Iterable[Any]) -> float | None:
    """When the last callback form began, if it just ended without a ticket; else None.

    The form always ends with action_submit_callback; a ticket sets ticket_reference after it.
    """
    events = list(events)
    submitted = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if isinstance(events[i], ActionExecuted) and events[i].action_name == SUBMIT_ACTION
        ),
        None,
    )
    if submitted is None:
        return None
    if any(
        isinstance(e, SlotSet) and e.key == "ticket_reference" and e.value
        for e in events[submitted:]
    ):
        return None
    for event in reversed(events[:submitted]):
        if isinstance(event, ActiveLoop) and event.name == CALLBACK_FORM:
            return event.timestamp
    return None


def scrub(event: dict[str, Any]) -> dict[str, Any]:
    """The event without what the citizen wrote or who they are (intents stay: the dialogue
    needs them, they hold no personal data)."""
    kind = event.get("event")
    if kind == "user":
        parse = dict(event.get("parse_data") or {})
        parse.update(text="", entities=[])
        return {**event, "text": "", "parse_data": parse, "metadata": {}}
    if kind == "slot" and event.get("name") in PERSONAL_SLOTS:
        return {**event, "value": None}
    if kind == "bot":  # the recap repeats the name and the number
        return {**event, "text": "", "data": {}}
    return event
