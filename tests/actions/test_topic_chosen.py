"""The citizen names the topic after an unclear message (action_topic_chosen): the unclear
message's best reading in that topic is answered, or, when it is a case for an agent ("contester
la décision" then "l'APA"), handed off as if it had been asked at once. Real actions and fiches,
a real SQLite database."""

from __future__ import annotations

import time

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionTopicChosen
from bot.knowledge import get_knowledge_base
from tests.actions.test_inbox_actions import database  # noqa: F401  (fixture)


def user_event(text: str, parse: dict, at: float, channel: str) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": parse,
        "input_channel": channel,
    }


def after_unclear(ranking: list[tuple[str, float]], channel: str = "phone") -> Tracker:
    """An unclear message ranked `ranking`, the clarifying question, then "l'APA" (topic apa)."""
    now = time.time()
    unclear = {
        "text": "contester la décision pour la pâde",
        "intent": {"name": "nlu_fallback", "confidence": 0.6},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}]
        + [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    named = {
        "text": "l'apa",
        "intent": {"name": "inform", "confidence": 0.95},
        "intent_ranking": [{"name": "inform", "confidence": 0.95}],
        "entities": [{"entity": "topic", "value": "apa"}],
    }
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": now - 5},
        user_event(unclear["text"], unclear, now - 3, channel),
        {"event": "action", "name": "action_handle_fallback", "timestamp": now - 2},
        user_event(named["text"], named, now, channel),
    ]
    slots = {"pending_question": unclear["text"], "fallback_count": 1}
    latest = {**named, "metadata": {}}
    return Tracker("citizen-9", slots, latest, events, False, None, None, channel)


def run(tracker: Tracker) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    return dispatcher, ActionTopicChosen().run(dispatcher, tracker, {})


def test_a_case_for_an_agent_opens_the_callback_form(database) -> None:  # noqa: F811
    dispatcher, events = run(after_unclear([("apa_contest", 0.4), ("apa_amount", 0.15)]))
    assert events[-1] == FollowupAction("callback_form")
    assert SlotSet("handoff_intent", "apa_contest") in events
    assert SlotSet("topic", "apa") in events
    assert SlotSet("handoff_confidence", 0.4) in events  # the ticket's confidence
    fiche = get_knowledge_base().for_intent("apa_contest")
    assert fiche is not None and fiche.handoff
    texts = [m.get("text") for m in dispatcher.messages]
    assert fiche.spoken in texts  # its explanation, said on the phone
    assert any(m.get("response") == "utter_handoff_intro" for m in dispatcher.messages)


def test_a_question_with_a_fiche_is_answered(database) -> None:  # noqa: F811
    fiche = get_knowledge_base().for_intent("apa_amount")
    assert fiche is not None and not fiche.handoff
    dispatcher, events = run(after_unclear([("apa_amount", 0.4), ("apa_contest", 0.15)]))
    assert not any(isinstance(e, dict) and e.get("event") == "followup" for e in events)
    assert SlotSet("last_fiche", fiche.id) in events
    assert fiche.spoken in [m.get("text") for m in dispatcher.messages]
