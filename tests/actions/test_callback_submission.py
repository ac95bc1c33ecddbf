"""The callback submission action on its own: real tracker, real store, a database that is down."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.callback_form import ActionSubmitCallback
from bot import services
from bot.db import make_engine, session_factory
from bot.tickets import Ticket


def tracker_after_form(sender: str = "citizen-42") -> Tracker:
    now = time.time()
    hours = services.get_opening_hours()
    slot = hours.callback_slots(datetime.now(timezone.utc), count=1)[0]
    question = "mon rsa est suspendu depuis deux mois, je suis à la rue"
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": now - 60},
        {
            "event": "user",
            "text": question,
            "timestamp": now - 50,
            "parse_data": {
                "intent": {"name": "rsa_payment_issue", "confidence": 0.91},
                "entities": [],
            },
        },
        {"event": "bot", "text": "Un conseiller va vous rappeler.", "timestamp": now - 49},
        {
            "event": "user",
            "text": "/affirm",
            "timestamp": now - 10,
            "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}, "entities": []},
        },
    ]
    slots = {
        "consent": True,
        "citizen_name": "Awa Diallo",
        "phone": "+33611223344",
        "commune": "Choisy-le-Roi",
        "callback_slot": slot.id,
        "ticket_confirmed": True,
        "handoff_intent": "rsa_payment_issue",
        "handoff_confidence": 0.91,
        "topic": "rsa",
    }
    return Tracker(sender, slots, events[-1], events, False, None, None, "rest")


def submit(tracker: Tracker) -> dict:
    """The confirmation sent: the response's name and the variables it is filled with."""
    dispatcher = CollectingDispatcher()
    events = ActionSubmitCallback().run(dispatcher, tracker, {})
    assert any(e.get("name") == "ticket_reference" and e.get("value") for e in events)
    [message] = dispatcher.messages
    assert message["response"] == "utter_callback_booked"
    return message


def test_database_down_the_citizen_is_told_and_the_ticket_waits(configured, tmp_path):
    configured("postgresql://postgres@127.0.0.1:1/triage")  # nothing listens on port 1
    tracker = tracker_after_form()
    message = submit(tracker)
    assert "momentanément indisponible" in message["delayed"]
    reference = message["reference"]
    [pending] = list((tmp_path / "outbox").glob("*.json"))
    assert json.loads(pending.read_text())["reference"] == reference
    assert "momentanément indisponible" in submit(tracker)["delayed"]  # retried: one ticket
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1

    configured(f"sqlite:///{tmp_path / 'triage.db'}")  # the database is back
    assert services.get_store().flush_outbox() == 1
    engine = make_engine(f"sqlite:///{tmp_path / 'triage.db'}")
    with session_factory(engine)() as session:
        [ticket] = session.execute(select(Ticket)).scalars().all()
    engine.dispose()
    assert ticket.reference == reference
    assert ticket.priority == "urgent"  # "à la rue"
    assert ticket.citizen_name == "Awa Diallo" and ticket.commune == "Choisy-le-Roi"


def test_retried_submission_gives_the_same_reference(configured, tmp_path):
    configured(f"sqlite:///{tmp_path / 'triage.db'}")
    tracker = tracker_after_form()
    first, second = submit(tracker), submit(tracker)
    assert first["reference"] == second["reference"]
    assert first["delayed"] == ""
