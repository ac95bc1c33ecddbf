"""The action server feeds the information team: a rating offered under each fiche answer in the
chat (not on the phone), unclear messages and callbacks after an answer collected in the inbox,
masked. Real trackers, real actions, a real SQLite database."""

from __future__ import annotations

import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.answers import ActionHandleFallback, answer_intent
from actions.callback_form import ActionSubmitCallback
from actions.inbox import FEEDBACK_KEY, inbox_store
from bot import services, settings
from bot.inbox.models import AnswerRecord, InboxItem
from bot.knowledge import get_knowledge_base
from tests.actions.test_callback_submission import tracker_after_form


@pytest.fixture
def database(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'triage.db'}")
    monkeypatch.setenv("TRIAGE_VAR_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    services.get_store.cache_clear()
    yield inbox_store()
    settings.get_settings.cache_clear()
    services.get_store.cache_clear()


def user_tracker(text: str, intent: str, confidence: float, channel: str, **slots) -> Tracker:
    now = time.time()
    message = {
        "event": "user",
        "text": text,
        "timestamp": now,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": [],
        },
        "input_channel": channel,
    }
    events = [{"event": "action", "name": "action_session_start", "timestamp": now - 5}, message]
    latest = {**message["parse_data"], "metadata": {}}
    return Tracker("citizen-7", slots, latest, events, False, None, None, channel)


def answerable_fiche():
    return next(f for f in get_knowledge_base().fiches if not f.handoff)


def feedback_messages(dispatcher: CollectingDispatcher) -> list[dict]:
    return [m["custom"][FEEDBACK_KEY] for m in dispatcher.messages if m.get("custom")]


def test_a_fiche_answer_in_the_chat_offers_a_rating(database) -> None:
    fiche = answerable_fiche()
    dispatcher = CollectingDispatcher()
    question = "Bonjour je m'appelle Marie Dupont, " + fiche.title
    answer_intent(
        dispatcher, user_tracker(question, fiche.intents[0], 0.87, "socketio"), fiche.intents[0]
    )
    [offer] = feedback_messages(dispatcher)
    with database.Session() as session:
        row = session.execute(select(AnswerRecord)).scalar_one()
    assert offer == {"answer": row.token}
    assert (row.fiche_id, row.intent, row.channel) == (fiche.id, fiche.intents[0], "web")
    assert row.confidence == pytest.approx(0.87)
    assert "Dupont" not in row.question and "[nom]" in row.question


def test_nothing_is_asked_on_the_phone(database) -> None:
    fiche = answerable_fiche()
    dispatcher = CollectingDispatcher()
    answer_intent(
        dispatcher, user_tracker(fiche.title, fiche.intents[0], 0.9, "phone"), fiche.intents[0]
    )
    assert feedback_messages(dispatcher) == []
    with database.Session() as session:
        assert session.execute(select(AnswerRecord)).first() is None


def test_an_unclear_message_is_collected_masked(database) -> None:
    text = "euh mon truc de la caf marche pas, rappelez le 06 12 34 56 78"
    tracker = user_tracker(text, "nlu_fallback", 0.31, "socketio")
    ActionHandleFallback().run(CollectingDispatcher(), tracker, {})
    groups, total = database.groups()
    assert total == 1
    assert groups[0].reasons == ("clarification",)
    assert groups[0].text == "euh mon truc de la caf marche pas, rappelez le [téléphone]"
    assert groups[0].intent == "nlu_fallback"


def test_a_callback_after_an_answer_is_collected(database) -> None:
    tracker = tracker_after_form()
    tracker.slots["last_fiche"] = get_knowledge_base().for_intent("rsa_payment_issue").id
    ActionSubmitCallback().run(CollectingDispatcher(), tracker, {})
    with database.Session() as session:
        item = session.execute(select(InboxItem)).scalar_one()
    assert item.reason == "callback_after_answer" and item.intent == "rsa_payment_issue"
    assert item.text.startswith("mon rsa est suspendu")
    assert all("Awa" not in turn["text"] for turn in item.context)


def test_after_a_button_the_rating_keeps_the_typed_question(database) -> None:
    fiche = answerable_fiche()
    tracker = user_tracker(f"/{fiche.intents[0]}", fiche.intents[0], 1.0, "socketio")
    typed = {
        "event": "user",
        "text": "ma question tapée sur l'aide",
        "timestamp": time.time() - 3,
        "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []},
    }
    tracker.events.insert(1, typed)
    answer_intent(CollectingDispatcher(), tracker, fiche.intents[0])
    with database.Session() as session:
        row = session.execute(select(AnswerRecord)).scalar_one()
    assert row.question == "ma question tapée sur l'aide"
