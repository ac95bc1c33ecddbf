"""Reading Rasa's tracker into the core's plain types."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Tracker

from bot.conversation import ASSISTANT, CITIZEN, Turn, timestamp_to_datetime
from bot.hours import CallbackSlot
from bot.routing import TOPIC_LABELS
from bot.services import get_opening_hours
from bot.validators import normalise_phone

_SLOT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
CHANNEL_NAMES = {"socketio": "web", "rest": "web", "phone": "phone"}
_PAYLOAD_LABELS = {
    "affirm": "Oui",
    "deny": "Non",
    "cancel": "Annuler",
    "ask_human": "Parler à un conseiller",
    "goodbye": "Au revoir",
}


def channel_of(tracker: Tracker) -> str:
    """ "web" or "phone": where the conversation takes place (the ticket's channel)."""
    metadata = tracker.latest_message.get("metadata") or {}
    if metadata.get("channel"):
        return str(metadata["channel"])
    name = tracker.get_latest_input_channel() or "rest"
    return CHANNEL_NAMES.get(name, name)


def is_phone(tracker: Tracker) -> bool:
    return channel_of(tracker) == "phone"


def caller_number(tracker: Tracker) -> str | None:
    """The caller's number in E.164 form (phone channel only), None when hidden or not French.

    The gateway passes what the operator gives: "+33699999998", "0699999998", "06 99 99 99 98".
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            number = (event.get("metadata") or {}).get("caller_number")
            if number:
                return normalise_phone(str(number))
    return None


def latest_intent(tracker: Tracker) -> tuple[str | None, float | None]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), intent.get("confidence")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") is not None:
            return str(entity["value"])
    return None


def ranking(message: dict[str, Any]) -> list[tuple[str, float]]:
    """The NLU's intent ranking of a message, without the fallback pseudo-intent."""
    return [
        (item["name"], float(item.get("confidence") or 0.0))
        for item in message.get("intent_ranking") or []
        if item.get("name") and item["name"] != "nlu_fallback"
    ]


def _session_events(tracker: Tracker) -> list[dict[str, Any]]:
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        if (
            events[index].get("event") == "action"
            and events[index].get("name") == "action_session_start"
        ):
            return events[index:]
    return list(events)


def _payload_label(intent: str | None, entities: tuple[tuple[str, str], ...]) -> str:
    values = dict(entities)
    if "topic" in values:
        return TOPIC_LABELS.get(values["topic"], values["topic"])
    return _PAYLOAD_LABELS.get(intent or "", intent or "")


def _slot_label(slot_id: str) -> str:
    try:
        return CallbackSlot.from_id(slot_id, get_opening_hours()).label
    except ValueError:
        return slot_id


def _button_titles(event: dict[str, Any]) -> dict[str, str]:
    """Payload → title of the buttons a bot message offered ("/affirm" → "Oui, j'accepte")."""
    buttons = (event.get("data") or {}).get("buttons") or []
    return {
        str(b["payload"]): str(b["title"]) for b in buttons if b.get("payload") and b.get("title")
    }


def turns(tracker: Tracker) -> list[Turn]:
    """The current session's messages, citizen and assistant, in order.

    A clicked button is written "[bouton] <its title>", the words the citizen saw and chose.
    """
    result = []
    offered: dict[str, str] = {}
    for event in _session_events(tracker):
        kind = event.get("event")
        at = timestamp_to_datetime(event.get("timestamp"))
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            confidence = (parse.get("intent") or {}).get("confidence")
            entities = tuple(
                (str(e.get("entity")), str(e.get("value")))
                for e in parse.get("entities") or []
                if e.get("value") is not None
            )
            text = event.get("text") or ""
            if text in offered:
                text = f"[bouton] {offered[text]}"
            elif text.startswith("/"):  # a payload typed or from an older button: its meaning
                text = f"[bouton] {_payload_label(intent, entities)}"
            elif _SLOT_ID.match(text):  # a callback slot button carries the slot's start time
                text = f"[bouton] {_slot_label(text)}"
            result.append(Turn(CITIZEN, text, at, intent, confidence, entities))
            offered = {}
        elif kind == "bot":
            offered = _button_titles(event) or offered
            if event.get("text"):
                result.append(Turn(ASSISTANT, event["text"], at))
    return result


def responses_before_latest_message(tracker: Tracker) -> list[str]:
    """The response names (utter_…) the assistant sent between the citizen's last two messages."""
    names: list[str] = []
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            name = (event.get("metadata") or {}).get("utter_action")
            if name:
                names.append(name)
    return names


def last_user_parse(tracker: Tracker, intent_name: str) -> dict[str, Any] | None:
    """The parse data of the latest citizen message NLU labelled with `intent_name`."""
    for event in reversed(_session_events(tracker)):
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            if (parse.get("intent") or {}).get("name") == intent_name:
                return parse
    return None


def idempotency_key(tracker: Tracker) -> str:
    """The same for every retry of the same submission, different for the next request.

    The timestamp of the citizen's latest message does not change when Rasa retries an action.
    """
    stamp = ""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            stamp = repr(event.get("timestamp"))
            break
    return hashlib.sha256(f"{tracker.sender_id}|{stamp}".encode()).hexdigest()
