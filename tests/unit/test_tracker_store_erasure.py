"""A callback form abandoned ("annuler", consent refused) keeps nothing personal: its fields and
the texts typed during it leave the conversation store at once, in memory and in the database."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.settings import PROJECT_ROOT
from channels.tracker_store import DurableTrackerStore
from tests.unit.conftest import Database

NAME, PHONE = "Jeanne Martinez", "+33698765432"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "bot" / "domain"))


def form_until(domain: Domain, end: str) -> DialogueStateTracker:
    """A conversation: a question, the callback form filled, then `end` ("annuler", "je
    confirme")."""
    t = time.time()
    events = [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(t),
        UserUttered("je veux parler à quelqu'un", {"name": "ask_human"}, timestamp=t + 1),
        ActiveLoop("callback_form", timestamp=t + 2),
        UserUttered(f"je m'appelle {NAME}", {"name": "inform"}, timestamp=t + 3),
        SlotSet("citizen_name", NAME, timestamp=t + 3),
        SlotSet("misheard", {"commune": [f"chez {NAME}"]}, timestamp=t + 3),
        UserUttered("06 98 76 54 32", {"name": "inform"}, timestamp=t + 4),
        SlotSet("phone", PHONE, timestamp=t + 4),
        BotUttered(f"Je récapitule : {NAME}, 06 98 76 54 32", timestamp=t + 5),
        UserUttered(end, {"name": "cancel" if end == "annuler" else "affirm"}, timestamp=t + 6),
        ActiveLoop(None, timestamp=t + 7),
        ActionExecuted("action_submit_callback", timestamp=t + 8),
        SlotSet("citizen_name", None, timestamp=t + 8),
        SlotSet("phone", None, timestamp=t + 8),
    ]
    if end != "annuler":
        events.append(SlotSet("ticket_reference", "APA-2026-0001", timestamp=t + 8))
    return DialogueStateTracker.from_events(
        f"web-{uuid.uuid4().hex[:8]}", events, slots=domain.slots
    )


def everything_kept(store: DurableTrackerStore, sender_id: str) -> str:
    assert store._sql is not None
    table = store._sql.SQLEvent
    with store._sql.session_scope() as session:
        rows = session.execute(select(table.data).where(table.sender_id == sender_id)).scalars()
        return store.store[sender_id] + "\n".join(rows)


def test_a_cancelled_form_leaves_no_personal_data(domain: Domain, database: Database) -> None:
    store = DurableTrackerStore(domain, url=database.url)
    tracker = form_until(domain, "annuler")
    asyncio.run(store.save(tracker))
    kept = everything_kept(store, tracker.sender_id)
    assert "Martinez" not in kept and "98 76" not in kept and "698765432" not in kept
    assert "je veux parler" in kept  # before the form: an ordinary conversation
    restarted = DurableTrackerStore(domain, url=database.url)
    again = asyncio.run(restarted.retrieve(tracker.sender_id))
    assert again is not None and "Martinez" not in json.dumps(again.current_state())


def test_a_ticket_keeps_the_conversation(domain: Domain, database: Database) -> None:
    store = DurableTrackerStore(domain, url=database.url)
    tracker = form_until(domain, "je confirme")
    asyncio.run(store.save(tracker))
    assert "Martinez" in everything_kept(store, tracker.sender_id)
