"""Handing a case to the agents: complex cases, requests for a person, naming the topic."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import record, start_handoff
from actions.replies import topic_buttons
from actions.tracker import is_phone, latest_entity, latest_intent, turns
from bot.catalogue import get_catalogue
from bot.routing import TOPIC_LABELS, is_generic_handoff, topic_in_text, topic_of
from bot.services import get_opening_hours
from bot.text import join_words
from bot.tickets.models import InteractionOutcome

UNKNOWN_TOPIC = "inconnu"
# The topic intent behind an explicit request counts for the ticket only above this.
REQUEST_INTENT_CONFIDENCE = 0.6


class ActionStartHandoff(Action):
    """A complex case (where is my file, contest, payment stopped, urgent…).

    With no topic named ("où en est mon dossier ?") the rules ask the topic first.
    """

    def name(self) -> str:
        return "action_start_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        intent, confidence = latest_intent(tracker)
        intent = intent or ""
        events: list[Any] = [
            SlotSet("handoff_confidence", confidence),
            SlotSet("fallback_count", 0),
        ]
        if is_generic_handoff(intent):
            record(tracker, intent=intent, outcome=InteractionOutcome.IN_PROGRESS)
            return [*events, SlotSet("handoff_intent", intent), SlotSet("topic", None)]
        return events + start_handoff(dispatcher, tracker, intent, topic_of(intent))


class ActionHandoffTopicChosen(Action):
    """The topic of a complex case is known: explain, then the rules open the callback form."""

    def name(self) -> str:
        return "action_handoff_topic_chosen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        topic = tracker.get_slot("topic")
        intent = tracker.get_slot("handoff_intent") or ""
        return start_handoff(dispatcher, tracker, intent, topic if topic in TOPIC_LABELS else None)


class ActionHandoffHuman(Action):
    """A person: on the phone during opening hours the gateway is asked to transfer the call;
    otherwise (and if the transfer fails) the callback form follows."""

    def name(self) -> str:
        return "action_handoff_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        if is_phone(tracker) and get_opening_hours().is_open(datetime.now(timezone.utc)):
            dispatcher.utter_message(
                text="Je vous mets en relation avec un conseiller. Ne quittez pas.",
                json_message={"action": "transfer"},
            )
        request = tracker.latest_message.get("callback_request") or {}
        named_topic = request.get("topic") or latest_entity(tracker, "topic")
        confident = (request.get("confidence") or 0.0) >= REQUEST_INTENT_CONFIDENCE
        if request.get("intent") and confident:
            intent, confidence = request["intent"], request["confidence"]
        elif named_topic in TOPIC_LABELS:  # the topic is named, the question is not clear
            intent, confidence = None, None
        else:
            last_topic_intent = next(
                (turn.intent for turn in reversed(turns(tracker)) if topic_of(turn.intent)), None
            )
            intent = tracker.get_slot("handoff_intent") or last_topic_intent or "ask_human"
            _, confidence = latest_intent(tracker)
        topic = topic_of(intent) or named_topic or tracker.get_slot("topic")
        if not tracker.get_slot("ticket_reference"):
            dispatcher.utter_message(response="utter_handoff_intro")
        record(tracker, topic=topic, intent=intent, outcome=InteractionOutcome.IN_PROGRESS)
        return [
            SlotSet("handoff_intent", intent),
            SlotSet("handoff_confidence", confidence),
            SlotSet("topic", topic if topic in TOPIC_LABELS else None),
        ]


class ActionAskTopic(Action):
    def name(self) -> str:
        return "action_ask_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        if is_phone(tracker):
            spoken = [topic.spoken for topic in get_catalogue().topics]
            text = f"Votre demande concerne-t-elle {join_words(spoken)} ?"
        else:
            text = "Pour transmettre votre demande au bon service : de quoi s'agit-il ?"
        dispatcher.utter_message(text=text, buttons=topic_buttons())
        return []


class ValidateTopicForm(FormValidationAction):
    def name(self) -> str:
        return "validate_topic_form"

    def validate_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        intent, _ = latest_intent(tracker)
        topic = (
            latest_entity(tracker, "topic") or topic_in_text(str(value or "")) or topic_of(intent)
        )
        if topic in TOPIC_LABELS:
            return {"topic": topic}
        if intent in ("deny", "cancel"):  # "none of these": the agent will sort it out
            return {"topic": UNKNOWN_TOPIC}
        dispatcher.utter_message(text="Je n'ai pas compris. Choisissez l'un des sujets :")
        return {"topic": None}
