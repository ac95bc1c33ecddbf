"""The callback form does not ask a misheard commune or name for ever: after two answers not
understood (an unknown commune, or words read as a question no fiche answers), it leaves the
field to the agent, keeps what it heard for the ticket's reason, and goes on. Real validation
action, real core, real fiches and département; the submission writes to a real SQLite base."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.callback_form import (
    UNSAID,
    ActionAskTicketConfirmed,
    ActionSubmitCallback,
    ValidateCallbackForm,
)
from bot import services
from bot.db import make_engine, session_factory
from bot.knowledge import get_knowledge_base
from bot.tickets import Ticket

FILLED = {"consent": True, "citizen_name": "Odette Lambert", "phone": "+33699999998"}


def asked(
    requested: str,
    text: str,
    slots: dict[str, Any] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    channel: str = "phone",
) -> Tracker:
    """The form waits for `requested`; the citizen answers `text`, which the NLU ranks so."""
    ranked = [{"name": n, "confidence": c} for n, c in ranking or [("inform", 0.3)]]
    latest = {
        "text": text,
        "intent": ranked[0],
        "intent_ranking": ranked,
        "entities": [],
        "metadata": {"channel": "phone" if channel == "phone" else "web"},
    }
    now = time.time()
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": now - 5},
        {"event": "user", "text": text, "timestamp": now, "parse_data": latest},
    ]
    values = {"topic": "rsa", **FILLED, "requested_slot": requested, **(slots or {})}
    values.setdefault(requested, None)
    loop = {"name": "callback_form"}
    return Tracker("citizen-7", values, latest, events, False, None, loop, "action_listen")


def validate(tracker: Tracker) -> tuple[list[str | None], dict[str, Any]]:
    """The responses sent and the slots set by the form's validation of the latest message."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCallbackForm().get_validation_events(dispatcher, tracker, {}))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return [m.get("response") for m in dispatcher.messages], slots


def test_an_unknown_commune_is_asked_again_once_then_left_to_the_agent() -> None:
    responses, slots = validate(asked("commune", "saint glinglin"))
    assert responses == ["utter_commune_unknown"]
    assert slots["commune"] is None  # the form asks again
    assert slots["misheard"] == {"commune": ["saint glinglin"]}

    heard = {"misheard": slots["misheard"]}
    responses, slots = validate(asked("commune", "à cré-tain", heard))
    assert responses == ["utter_commune_left_to_agent"]
    assert slots["commune"] == UNSAID  # filled: the form goes on to the next question
    assert slots["misheard"] == {"commune": ["saint glinglin", "à cré-tain"]}


def test_a_commune_read_twice_as_a_question_without_fiche_is_left_to_the_agent() -> None:
    fiche = get_knowledge_base().for_intent("rsa_payment_issue")
    assert fiche is not None and fiche.handoff  # no answer to give: noted for the agent
    misread = [("rsa_payment_issue", 0.8)]
    responses, slots = validate(asked("commune", "ben la lettre quoi", ranking=misread))
    assert responses == ["utter_case_noted", "utter_back_to_form"]
    assert slots["commune"] is None

    heard = {"misheard": slots["misheard"], "case_messages": slots["case_messages"]}
    responses, slots = validate(asked("commune", "la lettre de la caf", heard, misread))
    assert responses == ["utter_case_noted", "utter_commune_left_to_agent"]
    assert slots["commune"] == UNSAID
    assert slots["misheard"] == {"commune": ["ben la lettre quoi", "la lettre de la caf"]}


def test_a_question_a_fiche_answers_is_not_a_misheard_commune() -> None:
    fiche = get_knowledge_base().for_intent("apa_amount")
    assert fiche is not None and not fiche.handoff
    tracker = asked(
        "commune",
        "c'est combien l'apa ?",
        {"misheard": {"commune": ["saint glinglin"]}},
        [("apa_amount", 0.9)],
    )
    responses, slots = validate(tracker)
    assert responses[-1] == "utter_back_to_form"
    assert "utter_commune_left_to_agent" not in responses
    assert slots == {"commune": None}  # asked again, still one miss counted


def test_a_commune_understood_after_a_miss_clears_what_was_misheard() -> None:
    tracker = asked("commune", "créteil", {"misheard": {"commune": ["crétin"]}})
    responses, slots = validate(tracker)
    assert responses == []
    assert slots == {"commune": "Créteil", "misheard": None}


def test_a_commune_given_later_replaces_the_one_left_to_the_agent() -> None:
    heard = {"commune": ["crétin", "cré-tain"]}
    tracker = asked("callback_slot", "j'habite à Créteil", {"commune": UNSAID, "misheard": heard})
    _, slots = validate(tracker)
    assert slots["commune"] == "Créteil"
    assert slots["misheard"] is None


def test_the_first_miss_on_the_phone_uses_the_phone_wording() -> None:
    """The phone variant of utter_commune_unknown exists (no buttons to read)."""
    domain = yaml.safe_load(Path("bot/domain/callback.yml").read_text(encoding="utf-8"))
    variants = domain["responses"]["utter_commune_unknown"]
    phone = [v for v in variants if v.get("channel") == "phone"]
    assert len(phone) == 1 and "hors département" in phone[0]["text"]
    for name in ("utter_commune_left_to_agent", "utter_citizen_name_left_to_agent"):
        assert "conseiller" in domain["responses"][name][0]["text"]


def test_a_name_not_understood_twice_is_left_to_the_agent() -> None:
    slots_before = {"citizen_name": None}
    responses, slots = validate(asked("citizen_name", "oui oui", slots_before))
    assert responses == ["utter_name_not_understood"]
    assert slots["citizen_name"] is None
    heard = {"citizen_name": None, "misheard": slots["misheard"]}
    responses, slots = validate(asked("citizen_name", "je sais pas", heard))
    assert responses == ["utter_citizen_name_left_to_agent"]
    assert slots["citizen_name"] == UNSAID


def test_a_phone_number_not_understood_is_still_asked_again() -> None:
    """Only the name and the commune are left to the agent: the number is needed to call."""
    heard = {"phone": None, "misheard": {"commune": ["a", "b"]}}
    for _ in range(3):
        responses, slots = validate(asked("phone", "zéro six douze", heard))
        assert responses == ["utter_phone_invalid"]
        assert slots["phone"] is None and "misheard" not in slots


def left_to_agent(configured: Any, tmp_path: Any) -> Tracker:
    configured(f"sqlite:///{tmp_path / 'triage.db'}")
    slot = services.get_opening_hours().callback_slots(datetime.now(timezone.utc), count=1)[0]
    slots = {
        "citizen_name": UNSAID,
        "commune": UNSAID,
        "callback_slot": slot.id,
        "ticket_confirmed": True,
        "handoff_intent": "rsa_payment_issue",
        "case_messages": ["mon rsa est suspendu", "la lettre de la caf"],
        "misheard": {
            "commune": ["ben la lettre quoi", "la lettre de la caf"],
            "citizen_name": ["oui oui", "je sais pas"],
        },
    }
    return asked("ticket_confirmed", "oui", slots, [("affirm", 0.99)])


def test_the_summary_says_the_agent_will_check(configured, tmp_path) -> None:
    dispatcher = CollectingDispatcher()
    ActionAskTicketConfirmed().run(dispatcher, left_to_agent(configured, tmp_path), {})
    [message] = dispatcher.messages
    assert message["commune"] == message["citizen_name"] == "à vérifier par le conseiller"
    assert message["reason"].startswith(
        "[Nom à vérifier — entendu : « oui oui » / « je sais pas »] "
        "[Commune à vérifier — entendu : « ben la lettre quoi » / « la lettre de la caf »] "
    )


def test_the_ticket_is_created_without_commune_and_with_what_was_heard(
    configured, tmp_path
) -> None:
    tracker = left_to_agent(configured, tmp_path)
    dispatcher = CollectingDispatcher()
    events = ActionSubmitCallback().run(dispatcher, tracker, {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_callback_booked"]
    assert SlotSet("misheard", None) in events
    engine = make_engine(f"sqlite:///{tmp_path / 'triage.db'}")
    with session_factory(engine)() as session:
        [ticket] = session.execute(select(Ticket)).scalars().all()
    engine.dispose()
    # No "non précisé" counted as a commune or shown as a name: the agent reads the reason.
    assert ticket.commune is None and ticket.citizen_name is None
    assert "Commune à vérifier — entendu : « ben la lettre quoi » / « la lettre de la caf »" in (
        ticket.reason
    )
    assert ticket.reason.count("la lettre de la caf") == 1  # quoted once, as heard
    assert "mon rsa est suspendu" in ticket.reason
    assert UNSAID not in ticket.reason


def test_a_postcode_answers_the_commune_question() -> None:
    responses, slots = validate(asked("commune", "quatre-vingt-quatorze mille"))
    assert (responses, slots) == ([], {"commune": "Créteil"})
    dispatcher = CollectingDispatcher()
    tracker = asked("commune", "94440")  # three communes share it: the form offers them
    asyncio.run(ValidateCallbackForm().get_validation_events(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["response"] == "utter_commune_suggestions"
    titles = [b["title"] for b in message["buttons"]]
    assert titles[:3] == ["Marolles-en-Brie", "Santeny", "Villecresnes"]
