"""The text assistant end to end: real Rasa model, real action server, real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import make_engine, session_factory
from bot.tickets import Interaction, Ticket
from tests.e2e.chat import Citizen
from triage.stack import Supervisor

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def tickets_of(stack, reference: str | None = None) -> list[Ticket]:
    engine = make_engine(stack.database_url)
    with session_factory(engine)() as session:
        query = select(Ticket)
        if reference:
            query = query.where(Ticket.reference == reference)
        rows = list(session.execute(query).scalars())
    engine.dispose()
    return rows


def book_callback(citizen: Citizen, *, name: str, phone: str, commune: str) -> str:
    """Answer the callback form the way a citizen types; return the reference given."""
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    assert "nom" in citizen.text.lower(), citizen.text
    citizen.say(name)
    assert "numéro" in citizen.text.lower(), citizen.text
    citizen.say(phone)
    assert "commune" in citizen.text.lower(), citizen.text
    citizen.say(commune)
    assert "Quand préférez-vous" in citizen.text, citizen.text
    citizen.say(citizen.buttons()[0]["payload"])
    assert "Je récapitule" in citizen.text, citizen.text
    citizen.click("je confirme")
    assert "référence" in citizen.text, citizen.text
    return citizen.text.split("référence ")[1].split(".")[0].strip()


def finish_after_name(citizen: Citizen, stack, name: str, phone: str, commune: str) -> Ticket:
    """The rest of a callback form once the name is given; the one ticket it created."""
    citizen.say(phone)
    assert "commune" in citizen.text.lower(), citizen.text
    citizen.say(commune)
    citizen.say(citizen.buttons()[0]["payload"])
    assert name in citizen.text and phone in citizen.text, citizen.text
    citizen.click("je confirme")
    reference = citizen.text.split("référence ")[1].split(".")[0].strip()
    [ticket] = tickets_of(stack, reference)
    return ticket


def test_simple_question_gets_the_current_rsa_amount(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("combien touche-t-on au RSA quand on est seul ?")
    assert "651,69" in citizen.text
    assert "autre question" in citizen.text


def test_typed_without_accents_and_with_typos(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("cb coute la carte imagin r pour mon fils")
    assert "392,30" in citizen.text


def test_complex_apa_case_ends_in_a_complete_ticket(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("j'ai demandé l'APA pour ma mère il y a 3 mois et toujours rien")
    reference = book_callback(
        citizen, name="Marie Dupont", phone="06 12 34 56 78", commune="creteil"
    )
    [ticket] = tickets_of(assistant_stack, reference)
    assert ticket.channel == "web"
    assert ticket.topic == "apa"
    assert ticket.intent == "apa_file_status"
    assert 0 < ticket.confidence <= 1
    assert ticket.fiche_id == "apa_file_status"
    assert ticket.citizen_name == "Marie Dupont"
    assert ticket.phone == "+33612345678"
    assert ticket.commune == "Créteil"
    assert ticket.callback_slot_start and ticket.callback_slot_label
    assert ticket.consent_at is not None
    assert "toujours rien" in ticket.reason
    assert any("toujours rien" in turn["text"] for turn in ticket.transcript)
    assert ticket.priority == "normal"
    assert ticket.due_at > ticket.created_at
    assert ticket.status == "open"
    assert ticket.entities.get("commune") in (None, ["Créteil"])


def test_distress_raises_the_priority(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("mon rsa est suspendu et je n'ai plus rien à manger pour mes enfants")
    reference = book_callback(citizen, name="Karim Benali", phone="0698765432", commune="vitry")
    [ticket] = tickets_of(assistant_stack, reference)
    assert ticket.priority == "urgent"
    assert ticket.topic == "rsa"
    assert ticket.commune == "Vitry-sur-Seine"


def test_wrong_phone_and_unknown_commune_are_asked_again(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("je veux parler à un conseiller")
    citizen.say("oui")
    citizen.say("Jeanne Martin")
    citizen.say("12 34")
    assert "ne semble pas valide" in citizen.text
    citizen.say("+33 7 11 22 33 44")
    citizen.say("Marseille")
    assert "Je ne trouve pas « Marseille » parmi les communes du Val-de-Marne" in citizen.text
    citizen.say("creteuil")
    assert "Créteil" in [b["title"] for b in citizen.buttons()] or "Quand" in citizen.text


def test_the_citizen_can_correct_a_field_and_cancel(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("je veux contester la décision de la caf pour mon rsa")
    citizen.say("oui")
    citizen.say("Paul Durand")
    citizen.say("0611223344")
    citizen.say("Ivry")
    citizen.say(citizen.buttons()[0]["payload"])
    citizen.click("Modifier la commune")
    assert "commune" in citizen.text.lower()
    citizen.say("Orly")
    assert "Commune : Orly" in citizen.text
    before = len(tickets_of(assistant_stack))
    citizen.click("Annuler")
    assert "annulé" in citizen.text
    assert len(tickets_of(assistant_stack)) == before


def test_refused_consent_stores_nothing(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    before = len(tickets_of(assistant_stack))
    citizen.say("je veux parler à quelqu'un")
    citizen.say("non")
    assert "Sans votre accord" in citizen.text
    assert len(tickets_of(assistant_stack)) == before


def test_out_of_scope_is_oriented_without_a_ticket(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    before = len(tickets_of(assistant_stack))
    citizen.say("comment je fais pour refaire mon passeport ?")
    assert "mairie" in citizen.text.lower()
    assert "Acceptez-vous" not in citizen.text
    assert len(tickets_of(assistant_stack)) == before


def test_generic_file_status_asks_the_topic_first(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("bonjour où en est mon dossier ?")
    assert {"APA", "RSA"} <= {button["title"] for button in citizen.buttons()}, citizen.text
    citizen.click("RSA")
    assert "Acceptez-vous" in citizen.text


def test_empty_and_enormous_messages_get_a_clear_answer(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("   ")
    assert "vide" in citizen.text
    citizen.say("aide " * 400)
    assert "trop long" in citizen.text
    citizen.say("combien touche-t-on au RSA quand on est seul ?")
    assert "651,69" in citizen.text


def test_a_crashed_action_server_is_announced_and_recovers(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    assistant_stack.stop_actions()
    try:
        citizen.say("combien touche-t-on au RSA quand on est seul ?")
        assert "incident technique" in citizen.text
    finally:
        revived = Supervisor(assistant_stack).check()  # what `make run` does every second
    assert len(revived) == 1 and revived[0].startswith("actions stopped"), revived
    assert revived[0].endswith("restarted"), revived
    citizen.say("combien touche-t-on au RSA quand on est seul ?")
    assert "651,69" in citizen.text


def test_a_restarted_rasa_server_takes_the_citizen_up_where_they_were(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("je conteste la décision de la CAF sur mon RSA, je veux parler à quelqu'un")
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    citizen.say("Lucie Bernard")
    assert "numéro" in citizen.text.lower(), citizen.text
    assistant_stack.stop_rasa()  # a restart mid-form: memory is gone, the database is not
    assistant_stack.start_rasa()
    ticket = finish_after_name(citizen, assistant_stack, "Lucie Bernard", "06 98 76 54 32", "Vitry")
    assert (ticket.citizen_name, ticket.phone, ticket.topic) == (
        "Lucie Bernard",
        "+33698765432",
        "rsa",
    )


def test_conversations_are_counted_without_personal_data(assistant_stack):
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("comment faire une demande d'APA pour mon père ?")
    engine = make_engine(assistant_stack.database_url)
    with session_factory(engine)() as session:
        rows = list(session.execute(select(Interaction)).scalars())
    engine.dispose()
    assert any(row.outcome == "answered" and row.topic == "apa" for row in rows)
    assert all(citizen.sender not in row.conversation_key for row in rows)
