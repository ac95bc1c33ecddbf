"""Ratings of fiche answers, sent by the chat widget on its socket ("answer_feedback").

The widget sends the answer's random token, Oui / Non and, after Non, an optional comment.
Nothing else is read from the client and nothing identifies the citizen in what is stored:
the conversation id stays in the channel, the comment is masked (bot/inbox/store.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.db import make_engine, upgrade
from bot.inbox.store import MAX_COMMENT_CHARS, InboxStore
from bot.settings import get_settings

log = logging.getLogger(__name__)
EVENT = "answer_feedback"
MAX_TOKEN_CHARS = 64


@dataclass(frozen=True)
class Rating:
    answer: str
    helpful: bool
    comment: str | None


def read_rating(data: Any) -> Rating | None:
    """The rating the widget sent, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    answer, helpful, comment = data.get("answer"), data.get("helpful"), data.get("comment")
    if not isinstance(answer, str) or not 0 < len(answer) <= MAX_TOKEN_CHARS:
        return None
    if not isinstance(helpful, bool):
        return None
    if comment is not None and not isinstance(comment, str):
        return None
    return Rating(answer, helpful, (comment or "")[:MAX_COMMENT_CHARS].strip() or None)


@lru_cache(maxsize=1)
def feedback_store() -> InboxStore:
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    return InboxStore(engine)


async def save_rating(rating: Rating) -> bool:
    """Stored off the event loop; False (logged) when the answer is unknown or the DB down."""
    try:
        return await asyncio.to_thread(
            feedback_store().rate, rating.answer, rating.helpful, rating.comment
        )
    except Exception:
        log.exception("answer rating not stored")
        return False
