"""Login throttling: growing delays per address and per (account, address), never a hard lock.

A lock on the account alone let anyone keep an agent out with five wrong passwords. Here the
delay grows with the failures of one address (password spraying) and of one account from one
address (guessing); the agent at their own desk is not slowed by someone else's tries. Many
failures on one account from anywhere alert the admins (audit event `login_alert`, a warning in
the log). The counters live in the console process: a restart forgets them, and the proxy's
per-address limit on /console/connexion still applies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_TRIES_ACCOUNT = 3
FREE_TRIES_ADDRESS = 10
MAX_DELAY_S = 900.0
ALERT_EVERY = 10


def delay_after(failures: int, free: int) -> float:
    """Seconds to wait before the next try: none for the first `free`, then 1, 2, 4… s."""
    if failures < free:
        return 0.0
    return min(2.0 ** (failures - free), MAX_DELAY_S)


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    _counts: dict[tuple[str, ...], _Count] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, username: str, address: str) -> list[tuple[tuple[str, ...], int]]:
        name = username.strip().lower()
        return [
            (("ip", address), FREE_TRIES_ADDRESS),
            (("pair", name, address), FREE_TRIES_ACCOUNT),
        ]

    def wait_s(self, username: str, address: str) -> float:
        """Seconds before this login may be tried (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                count.last + delay_after(count.failures, free) - now
                for key, free in self._keys(username, address)
                if (count := self._counts.get(key))
            ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str) -> bool:
        """Count a failure; True when the admins should be alerted about this account."""
        now = self.clock()
        with self._lock:
            for key, _ in self._keys(username, address):
                count = self._counts.setdefault(key, _Count())
                count.failures, count.last = count.failures + 1, now
            total = self._counts.setdefault(("account", username.strip().lower()), _Count())
            total.failures, total.last = total.failures + 1, now
            if len(self._counts) > 100_000:
                self._counts.clear()
            return total.failures % ALERT_EVERY == 0

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            for key, _ in self._keys(username, address):
                self._counts.pop(key, None)
            self._counts.pop(("account", username.strip().lower()), None)

    def forget_account(self, username: str) -> None:
        """An admin's "unlock": every delay on this account ends."""
        name = username.strip().lower()
        with self._lock:
            for key in [k for k in self._counts if len(k) > 1 and k[1] == name and k[0] != "ip"]:
                del self._counts[key]
