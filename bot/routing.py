"""Where a message goes: topic of an intent, topic named in free text, generic → specific intents.

Kept out of the Rasa actions so that the chat, the phone and the tests share one set of rules.
"""

from __future__ import annotations

import re

from bot.catalogue import get_catalogue
from bot.text import fold

_CATALOGUE = get_catalogue()
TOPICS: tuple[str, ...] = _CATALOGUE.topic_ids
TOPIC_LABELS: dict[str, str] = {topic.id: topic.label for topic in _CATALOGUE.topics}

# Complex cases that name no topic: once the citizen names the topic, they become these intents.
GENERIC_HANDOFFS: dict[str, dict[str, str]] = _CATALOGUE.generic_cases()

# Keywords folded as the text is ("grand-mère" and "grand mere" meet), longest phrases first, so
# that "carte de transport" wins over "transport" ties.
_PATTERNS = [
    (topic.id, re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"))
    for topic in _CATALOGUE.topics
    for word in sorted({fold(w) for w in topic.keywords}, key=lambda w: (-len(w), w))
]
_DIGITS = {topic.digit: topic.id for topic in _CATALOGUE.topics}


def topic_of(intent: str | None) -> str | None:
    """The topic an intent belongs to, from its prefix; None for general intents."""
    if not intent:
        return None
    for topic in sorted(TOPICS, key=len, reverse=True):
        if intent.startswith(topic + "_"):
            return topic
    return None


def topic_in_text(text: str) -> str | None:
    """The topic a citizen names in a short free answer ("c'est pour l'apa", "2", "la cantine")."""
    folded = fold(text)
    if folded in _DIGITS:
        return _DIGITS[folded]
    if folded in TOPICS:
        return folded
    scores: dict[str, int] = {}
    for topic, pattern in _PATTERNS:
        if pattern.search(folded):
            scores[topic] = scores.get(topic, 0) + 1
    if not scores:
        return None
    best = max(scores.values())
    winners = [topic for topic, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def specific_intent(intent: str, topic: str | None) -> str | None:
    """The topic intent a generic complex case becomes once the topic is known."""
    if topic_of(intent):
        return intent
    if intent in GENERIC_HANDOFFS and topic in TOPICS:
        return GENERIC_HANDOFFS[intent][topic]
    return None


def is_generic_handoff(intent: str | None) -> bool:
    return intent in GENERIC_HANDOFFS


def group_of(intent: str) -> str:
    """The group an intent's confidence counts for: its topic, else the intent itself."""
    return topic_of(intent) or intent


def group_scores(ranking: list[tuple[str, float]]) -> dict[str, float]:
    """Summed confidence per topic (general intents stand alone).

    The NLU may hesitate between two questions of the same topic ("how to apply" or "which
    documents") while being sure of the topic: the sum says how sure it is of the topic.
    """
    scores: dict[str, float] = {}
    for intent, confidence in ranking:
        group = group_of(intent)
        scores[group] = scores.get(group, 0.0) + confidence
    return scores
