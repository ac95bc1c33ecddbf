"""The core decisions of the callback form: requests, prefill, corrections, questions, moments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.callback import (
    OUTSIDE_DEPARTEMENT,
    Moment,
    case_for_answer,
    case_messages,
    case_reason,
    concerned_person,
    conversation_details,
    match_moment,
    own_case,
    read_details,
    read_form_turn,
    wants_callback,
    wants_to_cancel,
)
from bot.conversation import ASSISTANT, CITIZEN, Turn

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "text",
    [
        "je veux parler à un conseiller pour l'apa de mon père",
        "je veux qu'un conseiller me rappelle pour la bourse de collège de ma fille",
        "je veux être rappelé pour l'APA de ma mère",
        "une vraie personne svp",
        "Bonjour je suis Marie Dupont, pouvez-vous me rappeler au 06 22 33 44 55",
        "rappelez moi svp",
        "je souhaiterais être recontactée au sujet de la cantine",
        "passez moi un conseiller",
        "est ce qu'un conseiller peut me rappeler",
        "je voudrais qu'on me rappelle pour l'imagine r de ma fille",
        "slt jveux ke qqn me rapel pr le rsa svp",
    ],
)
def test_explicit_requests_are_recognised(text: str) -> None:
    assert wants_callback(text)


@pytest.mark.parametrize(
    "text",
    [
        "combien coûte la carte imagine r",
        "je ne veux pas être rappelé",
        "pouvez-vous me rappeler le montant du rsa",
        "j'ai été rappelé hier par la caf",
        "annuler ma demande de rappel",
        "mon fils a été rappelé à l'ordre au collège",
        "je ne me rappelle plus le montant de l'apa",
        "vous êtes une vraie personne ?",
        "je parle à une ia ou à un humain",
        "on m'a dit qu'on me rappellerait et personne ne l'a fait",
    ],
)
def test_other_messages_are_no_request(text: str) -> None:
    assert not wants_callback(text)


@pytest.mark.parametrize(
    ("text", "cancel"),
    [
        ("non en fait laissez tomber", True),
        ("annulez ma demande", True),
        ("j'abandonne", True),
        ("stop", True),
        ("Marie Tombe", False),
        ("c'est pour ma mère", False),
    ],
)
def test_cancel_in_the_citizens_words(text: str, cancel: bool) -> None:
    assert wants_to_cancel(text) is cancel


def test_first_message_fills_name_phone_commune_and_dates() -> None:
    details = read_details(
        "Bonjour je suis Marie Dupont j'habite à Vitry, mon RSA est suspendu depuis deux mois, "
        "pouvez-vous me rappeler au 06 22 33 44 55"
    )
    assert details.fields() == {
        "citizen_name": "Marie Dupont",
        "phone": "+33622334455",
        "commune": "Vitry-sur-Seine",
    }
    assert details.dates == ["depuis deux mois"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("je m'appelle jean-pierre martin et j'habite a creteil", "Jean-Pierre Martin"),
        ("bonjour c'est madame Lefèvre", "Mme Lefèvre"),
        ("oui allo c est madame ben ali de choisy", "Mme Ben Ali"),
        ("je suis inquiet pour ma mère", None),  # "je suis" + lower case: not a name
        ("c'est Vitry", None),  # a commune, not a name
    ],
)
def test_names_inside_sentences(text: str, name: str | None) -> None:
    assert read_details(text).citizen_name == name


def test_age_dossier_and_relative() -> None:
    details = read_details("ma mère a 87 ans et son dossier APA-2025-004512 n'avance pas")
    assert details.age == "87"
    assert details.dossier_number == "APA 2025 004512"
    assert details.concerned_person == "votre mère"
    assert concerned_person("l'apa de mon papa") == "votre père"
    assert own_case("c'est pour moi, mon dossier apa")
    assert not own_case("le dossier de ma mère, pas pour moi")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("c'est pour ma grand-mère", "votre grand-mère"),
        ("mon dossier", "moi"),
        ("un proche", "un proche"),
        ("Denise Caron", None),
    ],
)
def test_whose_case(text: str, answer: str | None) -> None:
    assert case_for_answer(text) == answer


FILLED = {
    "consent": True,
    "citizen_name": "Marie Dupont",
    "phone": "+33622334455",
    "commune": "Créteil",
    "callback_slot": "2026-11-30T08:00",
}


@pytest.mark.parametrize(
    ("text", "expected", "updates"),
    [
        ("non le numéro c'est le 07 11 22 33 44", "ticket_confirmed", {"phone": "+33711223344"}),
        ("je me suis trompé, c'est Vitry", "callback_slot", {"commune": "Vitry-sur-Seine"}),
        (
            "non, mon nom c'est Martine Durand",
            "ticket_confirmed",
            {"citizen_name": "Martine Durand"},
        ),
        ("Choisy", "commune", {"commune": "Choisy-le-Roi"}),
        ("c'est pas Créteil c'est Choisy", "ticket_confirmed", {"commune": "Choisy-le-Roi"}),
        (
            "le 06 11 22 33 44, non pardon le 07 11 22 33 45",
            "phone",
            {"phone": "+33711223345"},
        ),
        ("j'habite à Bobigny 93000", "commune", {"commune": OUTSIDE_DEPARTEMENT}),
        (
            "euh c'est zéro six vingt-deux trente-trois quarante-quatre cinquante-six",
            "phone",
            {"phone": "+33622334456"},
        ),
    ],
)
def test_answers_and_corrections(text: str, expected: str, updates: dict[str, str]) -> None:
    turn = read_form_turn(text, expected, FILLED, topic_question=False)
    assert {k: v for k, v in turn.updates.items() if k != "callback_slot"} == updates
    assert not turn.question


def test_name_with_phone_fills_both_when_phone_is_missing() -> None:
    filled = {**FILLED, "citizen_name": None, "phone": None}
    turn = read_form_turn(
        "Paul Henry, mon portable c'est le 06 45 67 89 02", "citizen_name", filled, False
    )
    assert turn.updates == {"citizen_name": "Paul Henry", "phone": "+33645678902"}


@pytest.mark.parametrize(
    ("text", "expected", "topic_question"),
    [
        ("au fait c'est quoi le montant du RSA ?", "commune", True),
        ("attendez, quels papiers il faut fournir pour l'apa ?", "citizen_name", True),
        ("et elle coûte combien la carte ?", "ticket_confirmed", False),
    ],
)
def test_questions_are_never_stored_as_fields(
    text: str, expected: str, topic_question: bool
) -> None:
    turn = read_form_turn(text, expected, {**FILLED, expected: None}, topic_question)
    assert turn.question and not turn.updates


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Cretai.", "commune"), ("Sainte Glinglin", "commune"), ("Dupond Dupont", "phone")],
)
def test_a_word_or_two_in_answer_to_a_field_is_an_attempt_at_it(text: str, expected: str) -> None:
    # read as a topic question by the NLU (on the phone "Cretai." was the RSA abroad)
    turn = read_form_turn(text, expected, {**FILLED, expected: None}, topic_question=True)
    assert not turn.question and not turn.remark and not turn.updates
    # more words, or a question mark, stay a question
    asked = read_form_turn("et le RSA à l'étranger ?", expected, {**FILLED, expected: None}, True)
    assert asked.question


def _moments() -> list[Moment]:
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    starts = [monday, monday.replace(hour=14), monday + timedelta(days=1)]
    starts.append(starts[2].replace(hour=14))
    return [
        Moment(s.strftime("%Y-%m-%dT%H:%M"), s, s.replace(hour=12 if s.hour < 12 else 20), "x")
        for s in starts
    ]


@pytest.mark.parametrize(
    ("words", "index"),
    [
        ("plutôt mardi après-midi", 3),
        ("demain matin", 0),
        ("peu importe", 0),
        ("vers 15h", 1),
        ("le 2", 1),
        ("en fin de journée", 1),
        ("mercredi", None),
        ("dimanche soir", None),
        ("2026-12-01T14:00", 3),  # the button's payload
    ],
)
def test_moments_in_the_citizens_words(words: str, index: int | None) -> None:
    moments = _moments()
    sunday = datetime(2026, 11, 29, 10, tzinfo=PARIS)
    found = match_moment(words, moments, sunday)
    assert found == (moments[index] if index is not None else None)


def _turn(speaker: str, text: str, intent: str | None = None) -> Turn:
    return Turn(speaker, text, datetime(2026, 11, 29, tzinfo=timezone.utc), intent, 0.9)


def test_reason_keeps_this_request_only() -> None:
    turns = [
        _turn(CITIZEN, "combien coûte imagine r", "imagine_r_price"),
        _turn(ASSISTANT, "392,30 €"),
        _turn(CITIZEN, "merci", "thank"),
        _turn(CITIZEN, "je veux être rappelé pour l'APA de ma mère", "ask_human"),
    ]
    assert case_messages(turns, "apa") == ["je veux être rappelé pour l'APA de ma mère"]
    reason = case_reason(
        "Demande de rappel — APA", ["rappelez-moi au 06 12 34 56 78"], "votre mère", 0.42
    )
    assert reason.startswith("[À vérifier : compréhension incertaine, 42 %]")
    assert "pour sa mère" in reason and "[numéro]" in reason and "06 12" not in reason


def test_reason_puts_the_fields_left_to_the_agent_first() -> None:
    reason = case_reason(
        "Demande de rappel — RSA",
        ["mon rsa est suspendu"],
        None,
        0.42,
        to_check={"Nom": ["oui oui"], "Commune": ["cré tain", "le 06 12 34 56 78"]},
    )
    assert reason == (
        "[Nom à vérifier — entendu : « oui oui »]"
        " [Commune à vérifier — entendu : « cré tain » / « le [numéro] »]"
        " [À vérifier : compréhension incertaine, 42 %] Demande de rappel — RSA"
        " — « mon rsa est suspendu »"
    )
    assert case_reason("RSA", [], None, None, to_check={"Commune": []}) == (
        "[Commune à vérifier] RSA"
    )


def test_details_anywhere_in_the_conversation() -> None:
    found = conversation_details(
        ["je suis Paul Martin", "j'habite à Cachan", "et mon fils a 12 ans"]
    )
    assert (found.citizen_name, found.commune, found.age) == ("Paul Martin", "Cachan", "12")
