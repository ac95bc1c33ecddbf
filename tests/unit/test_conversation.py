from __future__ import annotations

from datetime import datetime, timezone

from bot.conversation import (
    ASSISTANT,
    CITIZEN,
    MAX_REASON_CHARS,
    Turn,
    collect_entities,
    summarise_reason,
    transcript,
)

AT = datetime(2026, 11, 22, 21, 5, tzinfo=timezone.utc)


def citizen(text, intent=None, entities=()):
    return Turn(CITIZEN, text, AT, intent, 0.9, entities)


def test_reason_quotes_what_the_citizen_asked_not_the_form_answers():
    turns = [
        citizen("bonjour", "greet"),
        citizen("j'ai demandé l'APA il y a 3 mois et toujours rien", "apa_file_status"),
        Turn(ASSISTANT, "Quel est votre nom ?", AT),
        citizen("Marie Dupont", "inform"),
    ]
    reason = summarise_reason("Suivi d'un dossier APA", turns, {"apa_file_status"})
    assert reason.startswith("Suivi d'un dossier APA — « j'ai demandé")
    assert "Marie" not in reason and "bonjour" not in reason


def test_reason_without_a_quoted_message_is_the_subject():
    assert summarise_reason(None, [citizen("oui", "affirm")], {"apa_amount"}) == "Demande de rappel"


def test_reason_is_bounded():
    turns = [citizen("très long " * 200, "rsa_contest")]
    reason = summarise_reason("Contester", turns, {"rsa_contest"})
    assert len(reason) <= MAX_REASON_CHARS and reason.endswith("…»")


def test_entities_are_collected_once_and_phone_numbers_left_out():
    turns = [
        citizen("a", entities=(("commune", "Créteil"), ("phone_number", "0612345678"))),
        citizen("b", entities=(("commune", "Créteil"), ("age", "82"))),
    ]
    assert collect_entities(turns) == {"commune": ["Créteil"], "age": ["82"]}


def test_transcript_keeps_speaker_text_and_time_and_drops_blank_turns():
    records = transcript([citizen("bonjour"), Turn(ASSISTANT, "  ", AT)])
    assert records == [{"speaker": "citoyen", "text": "bonjour", "at": AT.isoformat()}]
