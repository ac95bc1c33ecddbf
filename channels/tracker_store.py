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

Several Rasa replicas (RASA_REPLICAS) cannot each trust their own memory: with REDIS_URL set,
the copy in memory is replaced by Redis, shared by the replicas, each conversation expiring
`conversation_retention_hours` after its last turn; SQL (PostgreSQL for replicas) stays behind it
as the durable copy. Redis rather than PostgreSQL alone: measured on this machine, reading an
80-turn conversation takes about 29 ms from Redis and 62 ms from PostgreSQL's event rows (10
turns: 4 ms and 10 ms), and the lock store needs Redis anyway. Redis that fails is logged; the
conversation is then read from SQL.

A turn must not cost more as the conversation grows: the copy in memory (or Redis) keeps the last
15 messages of the citizen and a summary of the state before them (`compacted`), older messages
keep only the top of their intent ranking (`slim_rankings`), and SQL gets only the events after
the last one it has (`append_new_events`). SQL keeps the whole conversation.

A callback form that ends without a ticket (the citizen said "annuler" or refused consent) is
told "nothing was kept": its personal fields and the texts typed during the form are erased from
memory and from the database at once, not 24 h later.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, MutableMapping
from datetime import timedelta
from typing import Any

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, delete, select
from sqlalchemy import event as sql_event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.db import PG_CONNECT_TIMEOUT_S, SQLITE_BUSY_TIMEOUT_MS, prepare_sqlite_file
from bot.settings import get_settings

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 600
RECONNECT_EVERY_S = 60
CALLBACK_FORM = "callback_form"
SUBMIT_ACTION = "action_submit_callback"
# "misheard": the answers to the name or commune questions the form did not understand.
PERSONAL_SLOTS = frozenset({"citizen_name", "phone", "commune", "callback_slot", "misheard"})
REDIS_PREFIX = "triage:conversation:"
# Every intent is ranked on each message (a topic sums its intents): about 115 entries, most of a
# turn's stored weight. Actions read the ranking of the latest messages only (actions/tracker.py).
FULL_RANKINGS = 5
SLIM_RANKING = 10
# The copy in memory keeps the last KEEP_TURNS messages of the citizen (and what followed), the
# state before them summed up in a few events; compacted again every COMPACT_EVERY messages.
KEEP_TURNS = 15
COMPACT_EVERY = 5


def conversations_url() -> URL:
    """TRIAGE_CONVERSATIONS_URL, else SQLite in the var folder (next to the tickets)."""
    return make_url(get_settings().conversations_url)


def _with_timeouts(url: URL) -> URL:
    if url.get_backend_name() == "sqlite":
        return url.update_query_dict({"timeout": str(SQLITE_BUSY_TIMEOUT_MS / 1000)})
    if url.get_backend_name() == "postgresql":
        return url.update_query_dict({"connect_timeout": str(PG_CONNECT_TIMEOUT_S)})
    return url


class RedisConversations(MutableMapping[str, str]):
    """Serialised trackers in Redis (instead of a dict), each expiring `ttl_s` after its last
    save. Errors are Redis's own (redis.exceptions.RedisError): the store handles them."""

    def __init__(self, url: str, ttl_s: int) -> None:
        self.red = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl_s = ttl_s

    def __getitem__(self, sender_id: str) -> str:
        value = self.red.get(REDIS_PREFIX + sender_id)
        if value is None:
            raise KeyError(sender_id)
        return value.decode()

    def __contains__(self, sender_id: object) -> bool:
        return isinstance(sender_id, str) and bool(self.red.exists(REDIS_PREFIX + sender_id))

    def __setitem__(self, sender_id: str, serialised: str) -> None:
        self.red.set(REDIS_PREFIX + sender_id, serialised, ex=self.ttl_s)

    def __delitem__(self, sender_id: str) -> None:
        if not self.red.delete(REDIS_PREFIX + sender_id):
            raise KeyError(sender_id)

    def __iter__(self) -> Iterator[str]:
        for key in self.red.scan_iter(match=REDIS_PREFIX + "*", count=500):
            yield key.decode()[len(REDIS_PREFIX) :]

    def __len__(self) -> int:
        return sum(1 for _ in self)


class DurableTrackerStore(InMemoryTrackerStore):
    """Memory first; each turn also written to SQL; expired conversations deleted."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        url: str | None = None,
        retention_hours: int | None = None,
        redis_url: str | None = None,
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
        redis_url = get_settings().redis_url if redis_url is None else redis_url
        if redis_url:  # replicas: the copy in memory is shared, in Redis
            self.store = RedisConversations(redis_url, int(self.retention.total_seconds()))
        self._connect()

    @property
    def shared(self) -> bool:
        return isinstance(self.store, RedisConversations)

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
        await self._keep(tracker)
        self._touched[tracker.sender_id] = time.monotonic()
        sql = self._connect()
        if sql is not None:
            try:
                append_new_events(sql, tracker)
            except SQLAlchemyError as exc:
                self._lost(exc)
        self._erase_abandoned_form(tracker)
        self._sweep()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            tracker = await super().retrieve(sender_id)
        except redis.exceptions.RedisError as exc:
            log.error("Redis failed, the conversation is read from SQL: %s", exc)
            tracker = None
        if tracker is None:
            tracker = await self._from_sql(sender_id, full=False)
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            tracker = await super().retrieve_full_tracker(sender_id)
        except redis.exceptions.RedisError as exc:
            log.error("Redis failed, the conversation is read from SQL: %s", exc)
            tracker = None
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

    async def _keep(self, tracker: DialogueStateTracker) -> None:
        """The copy in memory (or Redis), compacted."""
        slim_rankings(tracker.events)
        try:
            await super().save(compacted(tracker, self._domain) or tracker)
        except redis.exceptions.RedisError as exc:
            log.error("Redis failed, the conversation goes to SQL only: %s", exc)

    # --- a form abandoned: what it collected goes at once ------------------------------------

    def _erase_abandoned_form(self, tracker: DialogueStateTracker) -> None:
        since = abandoned_form_start(tracker.events)
        if since is None or self._erased.get(tracker.sender_id) == since:
            return
        self._erased[tracker.sender_id] = since
        try:
            state = json.loads(self.store[tracker.sender_id])
            state["events"] = [
                scrub(e) if e.get("timestamp", 0) >= since else e for e in state["events"]
            ]
            self.store[tracker.sender_id] = json.dumps(state)
        except (KeyError, redis.exceptions.RedisError) as exc:
            log.error("abandoned form: the copy in memory could not be erased: %s", exc)
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
        if self.url.get_backend_name() == "sqlite":
            sql_event.listen(self._sql.engine, "connect", _write_ahead)
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
            await self._keep(tracker)
            self._touched[sender_id] = time.monotonic()
        return tracker

    def _sweep(self, force: bool = False) -> None:
        """Forget idle conversations in memory; delete expired ones in the database."""
        now = time.monotonic()
        if not force and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        # After the domain's session expiration a new session starts: the old one is not needed.
        # In Redis, conversations expire by themselves (and another replica may be using them).
        idle_s = self._domain.session_config.session_expiration_time * 60
        for sender_id, touched in list(self._touched.items()):
            if now - touched > idle_s:
                if not self.shared:
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


def append_new_events(sql: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Write the events after the last one the database has. (Rasa's SQL store counts the rows
    and skips as many events: wrong once the tracker is compacted.)"""
    table = SQLTrackerStore.SQLEvent
    with sql.session_scope() as session:
        last = session.execute(
            select(table.type_name, table.timestamp)
            .where(table.sender_id == tracker.sender_id)
            .order_by(table.id.desc())
            .limit(1)
        ).first()
        for event in events_after(list(tracker.events), last):
            data = event.as_dict()
            session.add(
                table(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
            )
        session.commit()


def events_after(events: list[Event], last: Any) -> list[Event]:
    """The events after the stored one `last` (type, timestamp); all of them when none is."""
    if last is None:
        return events
    type_name, stamp = last
    for index in range(len(events) - 1, -1, -1):
        if events[index].type_name == type_name and events[index].timestamp == stamp:
            return events[index + 1 :]
    return [event for event in events if event.timestamp > stamp]


def compacted(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker | None:
    """The tracker from its last KEEP_TURNS citizen messages on, what came before summed up as a
    session start, the slots and the active form at that point; None while it is short enough.

    Without this every turn reads, writes and sends the action server the whole conversation,
    and replays it in the policies: the longer the conversation, the dearer the turn. The policies
    look 4 turns back; a ticket's transcript keeps the last 15 messages. SQL keeps everything."""
    events = list(tracker.events)
    messages = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(messages) < KEEP_TURNS + COMPACT_EVERY:
        return None
    cut = messages[-KEEP_TURNS]
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], slots=domain.slots)
    started = next((e for e in reversed(events[:cut]) if isinstance(e, SessionStarted)), None)
    began = started.timestamp if started else events[0].timestamp
    at = events[cut].timestamp  # slots at the cut: erased with an abandoned form begun before
    initial = {slot.name: slot.initial_value for slot in domain.slots}
    summary: list[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=began),
        SessionStarted(timestamp=began),
        *(
            SlotSet(name, value, timestamp=at)
            for name, value in before.current_slot_values().items()
            if value != initial.get(name)
        ),
    ]
    if before.active_loop_name:
        summary += [
            next(
                e
                for e in reversed(events[:cut])
                if isinstance(e, ActiveLoop) and e.name == before.active_loop_name
            )
        ]
    summary.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=at))
    return DialogueStateTracker.from_events(
        tracker.sender_id, summary + events[cut:], slots=domain.slots
    )


def _write_ahead(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in WAL mode, synced at checkpoints: a turn's commit no longer waits for two disk
    syncs (6 % of a turn in the profile). The copy is not the record: a crash of the process loses
    nothing, a power cut at most the last turns."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def slim_rankings(events: Iterable[Any]) -> None:
    """Cut the intent ranking of all but the latest FULL_RANKINGS citizen messages to its top
    SLIM_RANKING, in place. Otherwise each turn reads, writes and sends the action server every
    ranking of the conversation again, and a turn costs more the longer the conversation is."""
    seen = 0
    for event in reversed(list(events)):
        if not isinstance(event, UserUttered):
            continue
        seen += 1
        ranking = event.parse_data.get("intent_ranking") or []
        if seen > FULL_RANKINGS and len(ranking) > SLIM_RANKING:
            event.parse_data["intent_ranking"] = ranking[:SLIM_RANKING]


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
