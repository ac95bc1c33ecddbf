"""Replicas sharing conversations and locks on the real Redis of this machine
(channels/tracker_store.py with REDIS_URL, channels/lock_store.py); skipped, saying why, when
Redis is not running. A Redis that goes down is a closed port, for real."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain

from bot.settings import PROJECT_ROOT, get_settings
from channels.guard import guarded
from channels.lock_store import ConversationLocks, ConversationStoreDown, SharedLockStore
from channels.tracker_store import REDIS_PREFIX, DurableTrackerStore
from tests.unit.conftest import Database
from tests.unit.test_tracker_store import new_conversation, turn

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
NO_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on port 9


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "bot" / "domain"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    yield REDIS_URL
    client.close()


def test_two_replicas_share_a_conversation_that_expires(
    domain: Domain, database: Database, redis_url: str
) -> None:
    first = DurableTrackerStore(domain, url=database.url, retention_hours=24, redis_url=redis_url)
    second = DurableTrackerStore(domain, url=database.url, retention_hours=24, redis_url=redis_url)
    assert first.shared and second.shared
    tracker = new_conversation(domain)
    turn(tracker, "je veux être rappelé", name="Jeanne Martin")
    asyncio.run(first.save(tracker))
    seen = asyncio.run(second.retrieve(tracker.sender_id))
    assert seen is not None and seen.get_slot("citizen_name") == "Jeanne Martin"
    turn(seen, "Créteil")
    asyncio.run(second.save(seen))
    back = asyncio.run(first.retrieve(tracker.sender_id))
    assert back is not None and back.latest_message.text == "Créteil"
    ttl = redis.Redis.from_url(redis_url).ttl(REDIS_PREFIX + tracker.sender_id)
    assert 23 * 3600 < ttl <= 24 * 3600


def test_redis_down_the_conversation_is_read_from_sql(
    domain: Domain, database: Database, redis_url: str
) -> None:
    tracker = new_conversation(domain)
    turn(tracker, "je veux être rappelé", name="Paul Durand")
    asyncio.run(DurableTrackerStore(domain, url=database.url, redis_url=redis_url).save(tracker))
    cut_off = DurableTrackerStore(domain, url=database.url, redis_url=NO_REDIS)
    again = asyncio.run(cut_off.retrieve(tracker.sender_id))  # logged, not raised
    assert again is not None and again.get_slot("citizen_name") == "Paul Durand"
    turn(again, "Ivry")
    asyncio.run(cut_off.save(again))
    redis.Redis.from_url(redis_url).delete(REDIS_PREFIX + tracker.sender_id)
    back = DurableTrackerStore(domain, url=database.url, redis_url=redis_url)
    later = asyncio.run(back.retrieve(tracker.sender_id))
    assert later is not None and later.latest_message.text == "Ivry"


def test_without_redis_url_locks_stay_in_memory() -> None:
    assert not get_settings().redis_url  # make run's default
    assert isinstance(ConversationLocks(), InMemoryLockStore)


def test_two_replicas_never_hand_out_the_same_ticket(redis_url: str) -> None:
    replicas = [SharedLockStore(redis_url), SharedLockStore(redis_url)]
    conversation = f"test-{uuid.uuid4().hex}"
    tickets: list[int] = []

    def take(store: SharedLockStore) -> None:
        for _ in range(20):
            tickets.append(store.issue_ticket(conversation))

    threads = [threading.Thread(target=take, args=(r,)) for r in replicas * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(80))
    replicas[0].delete_lock(conversation)


def test_messages_of_one_conversation_run_one_after_the_other(redis_url: str) -> None:
    replicas = [SharedLockStore(redis_url), SharedLockStore(redis_url)]
    conversation = f"test-{uuid.uuid4().hex}"
    steps: list[str] = []

    async def handle(store: SharedLockStore, name: str) -> None:
        async with store.lock(conversation):
            steps.append(f"{name} starts")
            await asyncio.sleep(0.2)
            steps.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(handle(replicas[0], "a"), handle(replicas[1], "b"))

    asyncio.run(both())
    assert steps in (
        ["a starts", "a ends", "b starts", "b ends"],
        ["b starts", "b ends", "a starts", "a ends"],
    )


def test_redis_down_the_citizen_is_told_to_send_again() -> None:
    locks = SharedLockStore(NO_REDIS)

    async def rasa_handler(message: UserMessage) -> None:
        async with locks.lock(message.sender_id):
            raise AssertionError("handled without a lock")

    output = CollectingOutputChannel()
    with pytest.raises(ConversationStoreDown):
        asyncio.run(rasa_handler(UserMessage("bonjour", output, "x")))
    asyncio.run(guarded(rasa_handler)(UserMessage("bonjour", output, "x")))
    [answer] = output.messages
    assert "renvoyez ce message" in answer["text"] and "conservée" in answer["text"]
