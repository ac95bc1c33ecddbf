"""The fiche search: accent- and typo-tolerant, within one topic, and the NLU/search decision."""

from __future__ import annotations

import pytest

from bot.fiche_search import (
    ANSWER_ANYWAY,
    SURE,
    Decision,
    FicheIndex,
    features,
    get_fiche_index,
    resolve,
)
from bot.knowledge import KnowledgeBase, get_knowledge_base


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return get_knowledge_base()


@pytest.fixture(scope="module")
def index() -> FicheIndex:
    return get_fiche_index()


def best(index: FicheIndex, text: str, topic: str) -> str:
    hits = index.search(text, topic, limit=1)
    return hits[0].fiche.id if hits else ""


def test_features_fold_accents_and_drop_stop_words() -> None:
    assert features("Téléassistance") == features("teleassistance")
    assert not [f for f in features("est-ce que le la les de") if f.startswith("w:")]


@pytest.mark.parametrize(
    ("text", "topic", "expected"),
    [
        ("est ce que le rsa est imposable", "rsa", "rsa_tax"),
        ("prime de noel", "rsa", "rsa_christmas_bonus"),
        ("cumul aah", "rsa", "rsa_cumul_aah"),
        ("ma mere a alzeimer", "apa", "apa_alzheimer"),  # typo
        ("teleassistance", "apa", "apa_telecare"),
        ("qui s'occupe de la cantine du college", "college", "college_canteen_roles"),
        ("segpa", "college", "college_segpa"),
        ("boursiere reduction imagine r", "imagine_r", "imagine_r_bourse"),
    ],
)
def test_the_right_fiche_comes_first(index: FicheIndex, text: str, topic: str, expected: str):
    assert best(index, text, topic) == expected


def test_never_a_fiche_of_another_topic(index: FicheIndex) -> None:
    # "cantine" belongs to the collèges; searched within the RSA it must stay in the RSA.
    hits = index.search("aide pour la cantine", "rsa")
    assert hits and {hit.fiche.topic for hit in hits} == {"rsa"}


def test_handoff_fiches_are_not_proposed(index: FicheIndex) -> None:
    assert all(not hit.fiche.handoff for hit in index.search("apa dossier urgent", "apa", 10))


def test_nothing_shared_finds_nothing(index: FicheIndex) -> None:
    assert index.search("zzz qwx", "apa") == []


def test_a_sure_nlu_is_followed(kb: KnowledgeBase, index: FicheIndex) -> None:
    decision = resolve("prime de noel", "rsa_amount", [("rsa_amount", SURE)], kb, index)
    assert decision == Decision(kb.for_intent("rsa_amount"))


def test_an_unsure_nlu_gives_way_to_a_clear_winner(kb: KnowledgeBase, index: FicheIndex) -> None:
    ranking = [("rsa_eligibility", 0.4), ("rsa_amount", 0.3)]
    decision = resolve("le rsa est il imposable", "rsa_eligibility", ranking, kb, index)
    assert decision.answer is not None and decision.answer.id == "rsa_tax"


def test_a_fairly_sure_nlu_keeps_its_fiche_when_the_search_hesitates(
    kb: KnowledgeBase, index: FicheIndex
) -> None:
    text = "aide"  # shared by many fiches: no clear winner
    unsure = resolve(text, "apa_amount", [("apa_amount", ANSWER_ANYWAY - 0.1)], kb, index)
    fairly = resolve(text, "apa_amount", [("apa_amount", ANSWER_ANYWAY)], kb, index)
    assert unsure.answer is None and 2 <= len(unsure.choices) <= 3
    assert unsure.choices[0].id == "apa_amount"
    assert {f.topic for f in unsure.choices} == {"apa"}
    assert fairly == Decision(kb.for_intent("apa_amount"))


def test_an_intent_without_fiche_decides_nothing(kb: KnowledgeBase, index: FicheIndex) -> None:
    assert resolve("bonjour", "greet", [("greet", 0.3)], kb, index) == Decision(None)
