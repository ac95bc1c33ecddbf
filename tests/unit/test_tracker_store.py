"""channels/tracker_store.py: conversations survive a restart of the Rasa server, not forever,
and a database that fails loses no turn (SQLite and the real PostgreSQL server)."""

from __future__ import annotations

import asyncio
import os
import stat
import time
import uuid
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from channels.tracker_store import DurableTrackerStore
from tests.unit.conftest import Database


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "bot" / "domain"))


def turn(tracker: DialogueStateTracker, text: str, name: str | None = None, at: float = 0) -> None:
    stamp = at or time.time()
    tracker.update(UserUttered(text, {"name": "callback_request"}, timestamp=stamp))
    if name:
        tracker.update(SlotSet("citizen_name", name, timestamp=stamp))
    tracker.update(ActionExecuted("action_listen", timestamp=stamp))


def new_conversation(domain: Domain, at: float = 0) -> DialogueStateTracker:
    stamp = at or time.time()
    return DialogueStateTracker.from_events(
        f"web-{uuid.uuid4().hex[:8]}",
        [ActionExecuted("action_session_start", timestamp=stamp), SessionStarted(stamp)],
        slots=domain.slots,
    )


def stored_events(store: DurableTrackerStore, sender_id: str) -> int:
    assert store._sql is not None
    event = store._sql.SQLEvent
    with store._sql.session_scope() as session:
        query = select(func.count()).select_from(event).where(event.sender_id == sender_id)
        return session.execute(query).scalar_one()


def test_a_restarted_server_takes_the_conversation_up(domain: Domain, database: Database) -> None:
    tracker = new_conversation(domain)
    turn(tracker, "je veux être rappelé", name="Jeanne Martin")
    asyncio.run(DurableTrackerStore(domain, url=database.url).save(tracker))

    restarted = DurableTrackerStore(domain, url=database.url)  # a new process: memory is empty
    again = asyncio.run(restarted.retrieve(tracker.sender_id))
    assert again is not None
    assert again.get_slot("citizen_name") == "Jeanne Martin"
    assert again.latest_message.text == "je veux être rappelé"
    assert tracker.sender_id in asyncio.run(restarted.keys())


def test_a_database_that_fails_loses_no_turn(domain: Domain, database: Database) -> None:
    store = DurableTrackerStore(domain, url=database.url)
    tracker = new_conversation(domain)
    turn(tracker, "bonjour")
    asyncio.run(store.save(tracker))
    assert store._sql is not None
    database.go_down(store._sql.engine)
    try:
        turn(tracker, "je veux être rappelé", name="Jeanne Martin")
        asyncio.run(store.save(tracker))  # logged, not raised
        assert store._sql is None
        during = asyncio.run(store.retrieve(tracker.sender_id))
        assert during is not None and during.get_slot("citizen_name") == "Jeanne Martin"
    finally:
        database.come_back()
    store._next_connect = 0  # instead of waiting a minute
    turn(tracker, "Créteil")
    asyncio.run(store.save(tracker))
    assert stored_events(store, tracker.sender_id) == len(tracker.events)
    restarted = asyncio.run(
        DurableTrackerStore(domain, url=database.url).retrieve(tracker.sender_id)
    )
    assert restarted is not None and restarted.latest_message.text == "Créteil"
    assert restarted.get_slot("citizen_name") == "Jeanne Martin"


def test_an_unreachable_database_at_start_is_not_fatal(domain: Domain) -> None:
    start = time.monotonic()
    store = DurableTrackerStore(domain, url="postgresql://postgres@127.0.0.1:9/none")
    assert time.monotonic() - start < 10  # Rasa's own SQL store would wait forever
    tracker = new_conversation(domain)
    turn(tracker, "bonjour")
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve(tracker.sender_id)) is not None


def test_conversations_expire(domain: Domain, database: Database) -> None:
    store = DurableTrackerStore(domain, url=database.url, retention_hours=24)
    old = new_conversation(domain, at=time.time() - 25 * 3600)
    turn(old, "mon RSA", name="Paul Durand", at=time.time() - 25 * 3600)
    recent = new_conversation(domain)
    turn(recent, "l'APA")
    asyncio.run(store.save(old))
    asyncio.run(store.save(recent))
    # An hour without a message: conversations leave memory (the database still has the recent).
    for sender_id in (old.sender_id, recent.sender_id):
        store._touched[sender_id] -= 3601
    store._sweep(force=True)
    assert not store.store
    assert stored_events(store, old.sender_id) == 0
    assert asyncio.run(store.retrieve(old.sender_id)) is None
    assert asyncio.run(store.retrieve(recent.sender_id)) is not None


def test_the_sqlite_file_is_private(domain: Domain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    DurableTrackerStore(domain, url=url)
    mode = os.stat(make_url(url).database).st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_only_the_latest_messages_keep_their_whole_intent_ranking(
    domain: Domain, database: Database
) -> None:
    store = DurableTrackerStore(domain, url=database.url)
    tracker = new_conversation(domain)
    ranking = [{"name": name, "confidence": 0.01} for name in domain.intents]
    for n in range(8):
        parse = {"intent": {"name": "apa_amount"}, "intent_ranking": ranking, "text": f"q{n}"}
        tracker.update(UserUttered(f"q{n}", parse["intent"], parse_data=parse))
        tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    again = asyncio.run(DurableTrackerStore(domain, url=database.url).retrieve(tracker.sender_id))
    assert again is not None
    sizes = [len(e.parse_data["intent_ranking"]) for e in again.events if e.type_name == "user"]
    assert sizes == [10, 10, 10] + [len(domain.intents)] * 5


def test_the_sqlite_copy_is_written_ahead(domain: Domain, tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    store = DurableTrackerStore(domain, url=url)
    tracker = new_conversation(domain)
    turn(tracker, "bonjour")
    asyncio.run(store.save(tracker))
    with sqlite3.connect(tmp_path / "conversations.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_long_conversation_is_kept_short_in_memory_and_whole_in_sql(
    domain: Domain, database: Database
) -> None:
    store = DurableTrackerStore(domain, url=database.url)
    tracker = new_conversation(domain)
    turn(tracker, "je veux être rappelé", name="Jeanne Martin")
    tracker.update(ActiveLoop("callback_form"))
    for n in range(40):
        turn(tracker, f"message {n}")
        asyncio.run(store.save(tracker))
        tracker = asyncio.run(store.retrieve(tracker.sender_id))  # as Rasa does, turn by turn
        assert tracker is not None
    messages = [e for e in tracker.events if isinstance(e, UserUttered)]
    assert 15 <= len(messages) < 20 and messages[-1].text == "message 39"
    assert tracker.get_slot("citizen_name") == "Jeanne Martin"
    assert tracker.active_loop_name == "callback_form"
    # every event written once to SQL: 2 to start, 3 for the first turn, the form, 2 a turn
    assert stored_events(store, tracker.sender_id) == 2 + 3 + 1 + 40 * 2
    restarted = DurableTrackerStore(domain, url=database.url)
    whole = asyncio.run(restarted.retrieve(tracker.sender_id))
    assert whole is not None
    assert [e.text for e in whole.events if isinstance(e, UserUttered)][:2] == [
        "je veux être rappelé",
        "message 0",
    ]
