"""The assistant's own facts: callback delays and steps, the département, personal data."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send_anything_else
from actions.tracker import is_phone, latest_intent
from bot.assistant_facts import fact_values, response_for
from bot.settings import get_settings


class ActionAssistantFact(Action):
    def name(self) -> str:
        return "action_assistant_fact"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        intent, _ = latest_intent(tracker)
        response = response_for(intent)
        if response is None:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response=response, **fact_values(get_settings()))
        send_anything_else(dispatcher, is_phone(tracker))
        return []
