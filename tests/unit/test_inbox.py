"""The information team's inbox core: masking, grouping, ratings, qualification, retention.

The store tests run on SQLite and on a real PostgreSQL (skipped with the reason when absent).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import upgrade
from bot.inbox.masking import EMAIL, NAME, NUMBER, PHONE, group_key, mask
from bot.inbox.models import AnswerRecord, InboxItem
from bot.inbox.store import InboxStore
from bot.tickets.models import utcnow

# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033612345678",
        "+33612345678",
    ],
)
def test_phone_numbers_in_any_written_format_are_masked(number: str) -> None:
    masked = mask(f"rappelez-moi au {number} merci")
    assert masked == f"rappelez-moi au {PHONE} merci"


def test_spoken_phone_number_is_masked() -> None:
    masked = mask("mon numéro c'est zéro six douze trente-quatre cinquante-six soixante-dix-huit")
    assert "douze" not in masked and "zéro" not in masked
    assert NUMBER in masked


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Bonjour je m'appelle Marie Dupont et je touche le RSA", ["Marie", "Dupont"]),
        ("je m'appelle jean-pierre martin, ma mère a l'APA", ["jean", "martin"]),
        ("C'est Mme Durand pour ma mère", ["Durand"]),
        ("mon nom est Nguyen, dossier RSA-2024-12345", ["Nguyen", "2024", "12345"]),
    ],
)
def test_names_and_dossier_numbers_are_masked(text: str, gone: list[str]) -> None:
    masked = mask(text)
    for word in gone:
        assert word.lower() not in masked.lower(), masked
    assert NAME in masked


# Names given with no lead-in: a capitalised word the assistant does not know, not alone at
# the start of a sentence (bot/inbox/masking.py, _mask_bare_names).
BARE_NAMES = [
    ("Dupont Marie 0612345678", f"{NAME} {PHONE}"),
    ("c'est pour madame Lefèvre", f"c'est pour madame {NAME}"),
    ("Jean Martin", NAME),
    ("Martin", NAME),
    ("DUPONT Marie", NAME),
    ("DUPONT MARIE, Créteil", f"{NAME}, Créteil"),
    ("Bonjour Jean Martin", f"Bonjour {NAME}"),
    ("Bonjour, Jean-Pierre Martin, pour le RSA", f"Bonjour, {NAME}, pour le RSA"),
    ("Ma fille Léa entre en sixième", f"Ma fille {NAME} entre en sixième"),
    ("Jean Petit de Créteil", f"{NAME} de Créteil"),
    ("Merci Marie", f"Merci {NAME}"),
    ("C'est Lefèvre", f"C'est {NAME}"),
    ("l'APA de Youssef El Amrani à Vitry", f"l'APA de {NAME} à Vitry"),
    ("M. Dupont a besoin de l'APA", f"M. {NAME} a besoin de l'APA"),
    ("Le dossier de Mme. N'Diaye", f"Le dossier de Mme. {NAME}"),
    ("Je voudrais parler à Madame Martin", f"Je voudrais parler à Madame {NAME}"),
]
# What must stay: acronyms and words of the catalogue, communes, greetings, a known word with a
# capital, and a lone capitalised word opening a sentence.
NOT_NAMES = [
    "APA",
    "RSA",
    "Bonjour",
    "Bonjour Madame",
    "Imagine R pour mon fils",
    "la carte Imagine R ou Navigo",
    "APA pour ma mère à Créteil",
    "Je vis à Saint-Maur-des-Fossés, près de Créteil",
    "Vitry-sur-Seine",
    "la commune c'est Vincennes",
    "bonjour monsieur dame",
    "France Travail m'a radié du RSA",
    "je touche l'AAH et la PCH",
    "Mon dossier au Département",
    "Quel est le montant du RSA ?",
    "Combien coûte la cantine au Collège ?",
    "Bonjour. Merci. Au revoir",
    "Madame, je voudrais l'APA",
    "monsieur le maire",
    "Ma mère est en EHPAD à Choisy",
    "La MDPH m'a dit",
    "SEGPA",
]


@pytest.mark.parametrize(("text", "masked"), BARE_NAMES)
def test_names_given_with_no_lead_in_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", NOT_NAMES)
def test_catalogue_words_communes_and_greetings_are_not_names(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "numéro allocataire 1234567",
        "mon dossier AB123456 est bloqué",
        "je suis né le 12/03/1950",
        "sécurité sociale 1 50 03 94 028 123 45",
    ],
)
def test_identifying_numbers_are_masked(text: str) -> None:
    masked = mask(text)
    assert not any(run in masked for run in ("1234567", "AB123456", "1950", "028")), masked
    assert NUMBER in masked


def test_email_is_masked_and_the_question_stays() -> None:
    masked = mask("écrivez à jean.dupont@example.fr pour la carte Imagine R")
    assert masked == f"écrivez à {EMAIL} pour la carte Imagine R"


def test_what_the_question_is_about_is_kept() -> None:
    text = "Quel est le montant de l'APA pour ma mère de 85 ans à Créteil en 2025 ?"
    assert mask(text) == text


def test_group_key_folds_case_accents_and_politeness() -> None:
    same = [
        "Bonjour, c'est quand la rentrée au collège ?",
        "c'est quand la RENTREE au college svp",
        "C'est quand la rentrée au collège s'il vous plaît ? Merci",
    ]
    assert len({group_key(mask(text)) for text in same}) == 1
    assert group_key("la cantine du collège") != group_key("la rentrée au collège")


# --- the store ---------------------------------------------------------------------------


@pytest.fixture
def inbox(engine: Engine) -> InboxStore:
    upgrade(engine)
    return InboxStore(engine)


def test_items_are_stored_masked_with_their_context(inbox: InboxStore, engine: Engine) -> None:
    item = inbox.add_item(
        "fallback",
        "socketio",
        "je suis Paul Martin, 06 11 22 33 44, ma carte ne marche pas",
        intent="nlu_fallback",
        confidence=0.21,
        context=[("citoyen", "Bonjour je m'appelle Paul Martin"), ("assistant", "Bonjour !")],
    )
    assert item is not None
    with inbox.Session() as session:
        row = session.get(InboxItem, item)
        stored = [row.text, *(turn["text"] for turn in row.context)]
    assert all("Martin" not in text and "06 11" not in text for text in stored), stored
    assert row.context[-1] == {"speaker": "assistant", "text": "Bonjour !"}
    assert row.status == "new" and row.confidence == pytest.approx(0.21)


def test_button_payloads_are_not_inbox_items(inbox: InboxStore) -> None:
    assert inbox.add_item("clarification", "socketio", "/deny") is None
    assert inbox.waiting_count() == 0


def test_groups_count_similar_messages_most_frequent_or_newest_first(inbox: InboxStore) -> None:
    now = utcnow()
    for minutes in (30, 20, 10):
        inbox.add_item(
            "fallback", "socketio", "C'est quand la rentrée ?", "nlu_fallback", 0.3,
            at=now - timedelta(minutes=minutes),
        )  # fmt: skip
    inbox.add_item(
        "clarification", "rest", "c'est quand la RENTREE svp", "college_rentree", 0.5,
        at=now - timedelta(minutes=5),
    )  # fmt: skip
    inbox.add_item("out_of_scope", "socketio", "ma poubelle n'est pas ramassée", at=now)
    frequent, total = inbox.groups(order="frequent")
    assert total == 2
    assert [g.count for g in frequent] == [4, 1]
    assert frequent[0].reasons == ("clarification", "fallback")
    assert frequent[0].intent == "nlu_fallback"  # the prediction most of the group had
    recent, _ = inbox.groups(order="recent")
    assert recent[0].text == "ma poubelle n'est pas ramassée"


def test_one_click_qualifies_the_whole_group(inbox: InboxStore) -> None:
    for text in ("la cantine coûte combien ?", "La cantine coûte combien"):
        inbox.add_item("fallback", "socketio", text)
    inbox.add_item("fallback", "socketio", "autre chose")
    key = group_key(mask("la cantine coûte combien ?"))
    assert inbox.qualify(key, "intent", "college_cantine", by="info1") == 2
    assert [g.count for g in inbox.groups()[0]] == [1]
    assert len(inbox.to_export()) == 2
    with pytest.raises(ValueError):
        inbox.qualify(key, "intent", "", by="info1")
    assert inbox.qualify(group_key("autre chose"), "ignorer", None, by="info1") == 1
    assert inbox.waiting_count() == 0


def test_a_no_rating_goes_to_the_inbox_once_with_its_comment(inbox: InboxStore) -> None:
    token = inbox.record_answer(
        "socketio", "apa_montant", "Combien touche ma mère Mme Durand ?", "apa",
        "apa_montant", 0.81, context=[("citoyen", "Combien touche ma mère Mme Durand ?")],
    )  # fmt: skip
    assert token and len(token) >= 32
    assert inbox.rate(token, helpful=False)
    assert inbox.rate(token, helpful=False, comment="pas clair, appelez le 0612345678")
    assert not inbox.rate("unknown-token", helpful=True)
    groups, total = inbox.groups()
    assert total == 1 and groups[0].count == 1 and groups[0].reasons == ("feedback_no",)
    assert groups[0].intent == "apa_montant" and "Durand" not in groups[0].text
    assert groups[0].context[-1] == {"speaker": "avis", "text": f"pas clair, appelez le {PHONE}"}
    with inbox.Session() as session:
        answer = session.execute(select(AnswerRecord)).scalar_one()
    assert answer.helpful is False and answer.comment == f"pas clair, appelez le {PHONE}"


def test_a_yes_rating_is_stored_without_inbox_item(inbox: InboxStore) -> None:
    token = inbox.record_answer("socketio", "rsa_droits", "ai-je droit au RSA ?")
    assert token is not None and inbox.rate(token, helpful=True)
    assert inbox.waiting_count() == 0


def test_purge_keeps_recent_items_and_qualified_ones_not_exported(inbox: InboxStore) -> None:
    old = utcnow() - timedelta(days=40)
    inbox.add_item("fallback", "socketio", "vieux message", at=old)
    inbox.add_item("fallback", "socketio", "vieux message qualifié", at=old)
    inbox.add_item("fallback", "socketio", "message récent")
    inbox.qualify(group_key("vieux message qualifié"), "intent", "rsa_droits", by="info1")
    token = inbox.record_answer("socketio", "rsa_droits", "question ancienne")
    with inbox.Session.begin() as session:
        session.execute(AnswerRecord.__table__.update().values(created_at=old, helpful=True))
    assert inbox.purge(retention_days=30) == (1, 1)
    assert inbox.waiting_count() == 1 and len(inbox.to_export()) == 1
    with inbox.Session() as session:
        answer = session.execute(select(AnswerRecord)).scalar_one()
    assert answer.token == token and answer.question is None and answer.helpful is True
