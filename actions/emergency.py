"""Immediate danger: the emergency number, in one short message, before anything else."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import record
from actions.tracker import latest_entity
from bot.emergency import detect, load_situations
from bot.tickets.models import InteractionOutcome

# Without a recognised situation (a button, a test), the medical numbers are the safe default.
DEFAULT_SITUATION = "medical"


def situation_response(tracker: Tracker) -> str:
    known = {situation.id: situation for situation in load_situations()}
    situation = latest_entity(tracker, "emergency_situation")
    if situation not in known:
        found = detect(tracker.latest_message.get("text") or "")
        situation = found.id if found else DEFAULT_SITUATION
    return known[situation].response


class ActionEmergency(Action):
    def name(self) -> str:
        return "action_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(response=situation_response(tracker))
        record(tracker, outcome=InteractionOutcome.ORIENTED)
        return [SlotSet("fallback_count", 0)]
