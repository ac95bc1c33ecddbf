"""A conversation as the core sees it: turns, the reason summary and the entities of a ticket.

Actions turn Rasa's tracker into a list of Turn; everything else here is plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

CITIZEN = "citoyen"
ASSISTANT = "assistant"
MAX_REASON_CHARS = 600
# Entities worth keeping on a ticket; phone numbers go to their own column, not here.
TICKET_ENTITIES = ("commune", "age", "dossier_number", "date")


@dataclass(frozen=True)
class Turn:
    speaker: str  # CITIZEN or ASSISTANT
    text: str
    at: datetime
    intent: str | None = None
    confidence: float | None = None
    entities: tuple[tuple[str, str], ...] = ()

    def as_record(self) -> dict[str, str]:
        return {"speaker": self.speaker, "text": self.text, "at": self.at.isoformat()}


def timestamp_to_datetime(timestamp: float | None) -> datetime:
    if timestamp is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def transcript(turns: Iterable[Turn]) -> list[dict[str, str]]:
    return [turn.as_record() for turn in turns if turn.text.strip()]


def citizen_texts(turns: Iterable[Turn]) -> list[str]:
    return [turn.text for turn in turns if turn.speaker == CITIZEN and turn.text.strip()]


def collect_entities(turns: Iterable[Turn]) -> dict[str, list[str]]:
    """Entities the citizen mentioned, in order, without repeats."""
    found: dict[str, list[str]] = {}
    for turn in turns:
        for name, value in turn.entities:
            if name in TICKET_ENTITIES and value not in found.setdefault(name, []):
                found[name].append(value)
    return {name: values for name, values in found.items() if values}


def summarise_reason(title: str | None, turns: Sequence[Turn], topic_intents: set[str]) -> str:
    """The reason an agent reads first: the subject, then what the citizen said about it.

    The citizen's messages that carried a topic intent are quoted (the question, not the name
    and phone number typed into the form).
    """
    quoted = [
        turn.text.strip()
        for turn in turns
        if turn.speaker == CITIZEN and turn.intent in topic_intents and turn.text.strip()
    ]
    subject = title or "Demande de rappel"
    if not quoted:
        return subject
    summary = f"{subject} — « " + " » / « ".join(quoted) + " »"
    if len(summary) > MAX_REASON_CHARS:
        summary = summary[: MAX_REASON_CHARS - 2].rstrip() + "…»"
    return summary
