"""Where a message goes: topic of an intent, topic named in free text, generic → specific intents.

Kept out of the Rasa actions so that the chat, the phone and the tests share one set of rules.
"""

from __future__ import annotations

import re

from bot.text import fold

TOPICS = ("apa", "rsa", "imagine_r", "college")
TOPIC_LABELS = {"apa": "APA", "rsa": "RSA", "imagine_r": "Imagine R", "college": "Collège"}
# How the phone line names each topic (spoken choices and DTMF order follow TOPICS).
TOPIC_SPOKEN = {"apa": "APA", "rsa": "RSA", "imagine_r": "transport", "college": "collège"}

# Complex cases that name no topic: once the citizen names the topic, they become these intents.
GENERIC_HANDOFFS: dict[str, dict[str, str]] = {
    "file_status": {
        "apa": "apa_file_status",
        "rsa": "rsa_file_status",
        "imagine_r": "imagine_r_file_status",
        "college": "college_file_status",
    },
    "payment_issue": {
        "apa": "apa_payment_issue",
        "rsa": "rsa_payment_issue",
        "imagine_r": "imagine_r_payment_issue",
        "college": "college_canteen_debt",
    },
    "contest_decision": {
        "apa": "apa_contest",
        "rsa": "rsa_contest",
        "imagine_r": "imagine_r_payment_issue",
        "college": "college_contest",
    },
}

_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "apa": (
        "apa",
        "autonomie",
        "personne agee",
        "personnes agees",
        "dependance",
        "dependant",
        "gir",
        "aide a domicile",
        "ehpad",
        "grand-mere",
        "grand mere",
        "grand-pere",
        "grand pere",
    ),
    "rsa": ("rsa", "revenu de solidarite", "revenu minimum", "minima", "france travail", "caf"),
    "imagine_r": (
        "imagine",
        "imagin",
        "imagine r",
        "transport",
        "navigo",
        "carte de transport",
        "passe",
        "pass",
        "metro",
        "bus",
    ),
    "college": (
        "college",
        "cantine",
        "demi-pension",
        "demi pension",
        "restauration",
        "bourse",
        "6e",
        "sixieme",
        "secteur",
        "sectorisation",
        "collegien",
    ),
}
# Keywords folded as the text is ("grand-mere" and "grand mere" become one), longest first.
_PATTERNS = [
    (topic, re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"))
    for topic, words in _TOPIC_WORDS.items()
    for word in sorted({fold(w) for w in words}, key=len, reverse=True)
]
_DIGITS = {"1": "apa", "2": "rsa", "3": "imagine_r", "4": "college"}


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
