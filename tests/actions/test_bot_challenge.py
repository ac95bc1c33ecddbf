""" "Vous êtes un robot ?" is answered as such; the same reading, unsure, of a question of the
conversation's topic is answered in the topic. Real trackers, the real knowledge base."""

from __future__ import annotations

import time

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionBotChallenge
from tests.actions.test_inbox_actions import database  # noqa: F401  (a fresh SQLite store)


def tracker(text: str, ranking: list[tuple[str, float]], **slots) -> Tracker:
    now = time.time()
    parse = {
        "text": text,
        "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": now - 5},
        {"event": "user", "text": text, "timestamp": now, "parse_data": parse},
    ]
    return Tracker("citizen-9", slots, {**parse, "metadata": {}}, events, False, None, None, "rest")


def run(text: str, ranking: list[tuple[str, float]], **slots) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = ActionBotChallenge().run(dispatcher, tracker(text, ranking, **slots), {})
    return dispatcher.messages, events


def test_the_assistant_says_what_it_is() -> None:
    messages, _ = run("vous êtes un robot ?", [("bot_challenge", 0.93)], topic="college")
    assert [m["response"] for m in messages] == ["utter_iamabot"]


def test_an_unsure_reading_of_a_price_question_after_the_canteen_gets_the_price(
    database,  # noqa: F811
) -> None:
    slots = {"topic": "college", "last_fiche": "college_canteen_register"}
    messages, events = run(
        "c'est combien ?", [("bot_challenge", 0.44), ("rsa_amount", 0.27)], **slots
    )
    assert "utter_iamabot" not in [m.get("response") for m in messages]
    assert {"event": "slot", "name": "last_fiche", "value": "college_canteen_price"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


def test_without_a_topic_the_question_stays_a_bot_challenge() -> None:
    messages, _ = run("c'est combien ?", [("bot_challenge", 0.44)])
    assert [m["response"] for m in messages] == ["utter_iamabot"]
