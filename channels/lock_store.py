"""One message of a conversation at a time, even across Rasa replicas.

Rasa handles a message under a lock per conversation. With one Rasa server (`make run`) its
in-memory lock store is enough. With several (RASA_REPLICAS) the lock must be shared: Redis, at
REDIS_URL. Rasa's RedisLockStore reads the lock, adds a ticket and writes it back in three
commands, so two replicas receiving two messages of one conversation at the same moment can
both take ticket 0 and run the two turns at once; here each change of the lock runs under a
short Redis mutex. A waiting message checks again every 50 ms, not every second.

Redis that does not answer is not a lost message in silence: `ConversationStoreDown` reaches the
channel guard (channels/guard.py), which tells the citizen to send the message again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlparse

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import get_settings

log = logging.getLogger(__name__)
WAIT_S = 0.05
MUTEX_TIMEOUT_S = 5
T = TypeVar("T")


class ConversationStoreDown(RuntimeError):
    """Redis (the shared locks and conversations) cannot be reached."""


def redis_options(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments from redis://[:password@]host[:port][/db]."""
    parts = urlparse(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "password": parts.password,
        "use_ssl": parts.scheme == "rediss",
        "socket_timeout": 2,
    }


class SharedLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic ticket changes."""

    def __init__(self, url: str) -> None:
        super().__init__(**redis_options(url))

    def _atomic(self, conversation_id: str, change: Callable[[], T]) -> T:
        try:
            with self.red.lock(
                f"{self.key_prefix}mutex:{conversation_id}",
                timeout=MUTEX_TIMEOUT_S,
                blocking_timeout=MUTEX_TIMEOUT_S,
            ):
                return change()
        except redis.exceptions.ConnectionError as exc:
            log.error("Redis unreachable, the message cannot be handled: %s", exc)
            raise ConversationStoreDown(str(exc)) from exc

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._atomic(
            conversation_id,
            lambda: super(SharedLockStore, self).issue_ticket(conversation_id, lock_lifetime),
        )

    def update_lock(self, conversation_id: str) -> None:
        self._atomic(
            conversation_id, lambda: super(SharedLockStore, self).update_lock(conversation_id)
        )

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._atomic(
            conversation_id,
            lambda: super(SharedLockStore, self).cleanup(conversation_id, ticket_number),
        )

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_S,
    ) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
            yield lock


class ConversationLocks(LockStore):
    """The lock store bot/endpoints.yml names: SharedLockStore when REDIS_URL is set, Rasa's
    in-memory one otherwise. (Rasa instantiates the class it is given: `__new__` chooses.)"""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:
        url = get_settings().redis_url
        if not url:
            return InMemoryLockStore()
        log.info("conversation locks kept in Redis, shared by the Rasa replicas")
        return SharedLockStore(url)
