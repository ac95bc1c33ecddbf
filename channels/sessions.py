"""What the chat channels decide on the server side: session ids, rate limits, allowed origins.

A conversation is keyed by an id the server drew at random; the client holds it signed
(`<id>.<signature>`, HMAC-SHA256 with var/secrets/chat-sessions). A client that sends anything
else (made up, another citizen's bare id, a tampered signature, 1 MB of text) gets a new
conversation: never someone else's. No Rasa import: unit-tested in milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.settings import Settings

SITE_ORIGINS_ENV = "TRIAGE_SITE_ORIGINS"
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{22})$")
# A phone call id from the gateway (Asterisk's UUID): bounded, plain characters.
_CALL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_SENDER_CHARS = 64


def _signature(key: bytes, session_id: str) -> str:
    digest = hmac.new(key, session_id.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def issue(key: bytes) -> tuple[str, str]:
    """A new conversation: (sender id for Rasa, signed token for the client)."""
    session_id = secrets.token_hex(16)
    return session_id, f"{session_id}.{_signature(key, session_id)}"


def verify(key: bytes, token: object) -> str | None:
    """The sender id a token stands for, or None (missing, malformed or forged)."""
    if not isinstance(token, str) or len(token) > 80:
        return None
    match = _TOKEN.match(token)
    if match is None:
        return None
    session_id, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(key, session_id)):
        return None
    return session_id


def resume_or_issue(key: bytes, token: object) -> tuple[str, str]:
    """The conversation the client holds a valid token for, else a new one."""
    session_id = verify(key, token)
    if session_id is not None:
        return session_id, token  # type: ignore[return-value]
    return issue(key)


def valid_call_id(sender: object) -> bool:
    return isinstance(sender, str) and bool(_CALL_ID.match(sender))


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def site_origins(settings: Settings) -> list[str]:
    """The origins whose pages may embed the chat: TRIAGE_SITE_ORIGINS (space separated), else
    the département's website (departement.yml)."""
    given = list(settings.site_origins) or [settings.website]
    return sorted({o for o in (origin_of(u) for u in given if u) if o})


@dataclass
class RateLimit:
    """A token bucket per key: `per_minute` messages a minute, bursts of `burst`."""

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.per_minute / 60)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > 50_000:  # forget the full (idle) buckets
                for k, (t, _) in list(self._buckets.items()):
                    if t >= self.burst - 1:
                        del self._buckets[k]
            return allowed


def rate_limits(settings: Settings) -> tuple[RateLimit, RateLimit]:
    """(per conversation, per address). A person types a few messages a minute; an address may be
    a library's or a social centre's, shared by many."""
    per_session, per_address = settings.chat_rate_session, settings.chat_rate_address
    return (
        RateLimit(per_session, burst=max(1, int(per_session // 2))),
        RateLimit(per_address, burst=max(1, int(per_address // 4))),
    )
