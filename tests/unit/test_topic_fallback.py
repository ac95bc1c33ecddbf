"""The topic-level fallback: reject unclear topics, not hesitations inside a sure topic."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.routing import group_scores
from nlu_components.topic_fallback import TopicFallbackClassifier

CONFIG = {"threshold": 0.6, "general_threshold": 0.4}


def classify(*ranking: tuple[str, float], text: str = "…") -> str:
    message = Message(
        data={
            "text": text,
            "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        }
    )
    [result] = TopicFallbackClassifier(CONFIG).process([message])
    return result.get("intent")["name"]


def test_group_scores_sum_a_topic_and_keep_general_intents_apart():
    scores = group_scores([("apa_apply", 0.4), ("apa_documents", 0.3), ("greet", 0.2)])
    assert scores == pytest.approx({"apa": 0.7, "greet": 0.2})


def test_hesitation_between_two_questions_of_one_topic_is_not_a_fallback():
    assert classify(("apa_apply", 0.35), ("apa_documents", 0.33), ("rsa_apply", 0.1)) == "apa_apply"


def test_an_unsure_topic_falls_back():
    assert (
        classify(("apa_apply", 0.3), ("out_of_scope", 0.25), ("rsa_apply", 0.2)) == "nlu_fallback"
    )


def test_a_best_intent_whose_topic_is_outweighed_falls_back():
    # rsa_amount is the best intent, but APA as a whole is likelier: ask the topic.
    assert (
        classify(("rsa_amount", 0.4), ("apa_amount", 0.35), ("apa_apply", 0.25)) == "nlu_fallback"
    )


def test_general_intents_have_their_own_threshold():
    assert classify(("greet", 0.45), ("thank", 0.3)) == "greet"
    assert classify(("greet", 0.35), ("thank", 0.3)) == "nlu_fallback"


TWO_TOPICS = "le montant du rsa pour une personne seule ? et ma mère de 80 ans a droit à l'apa ?"
SPLIT = (("apa_eligibility", 0.3), ("rsa_amount", 0.25), ("apa_amount", 0.2), ("greet", 0.1))


def test_two_questions_naming_two_topics_add_their_confidences():
    # APA 0.5 alone, APA and RSA 0.75 together: both questions are answered (bot/context.py).
    assert classify(*SPLIT, text=TWO_TOPICS) == "apa_eligibility"


def test_the_two_topics_must_be_named_by_two_questions():
    assert classify(*SPLIT, text="le montant du rsa et de l'apa") == "nlu_fallback"
    assert classify(*SPLIT, text="c'est combien ? et c'est pour qui ?") == "nlu_fallback"
    # The best intent's topic is not among those named: its own confidence only.
    other = (("college_canteen_price", 0.3), ("rsa_amount", 0.25), ("apa_amount", 0.2))
    assert classify(*other, text=TWO_TOPICS) == "nlu_fallback"


def test_a_generic_case_naming_one_topic_becomes_that_topics_case():
    text = "le dossier d'allocation autonomie de mon père est en cours depuis longtemps"
    assert classify(("file_status", 0.45), ("apa_file_status", 0.2), text=text) == "apa_file_status"
    rsa = "je veux contester la décision de la caf pour mon rsa"
    assert classify(("contest_decision", 0.7), ("rsa_contest", 0.2), text=rsa) == "rsa_contest"


def test_a_generic_case_naming_no_single_topic_stays_generic():
    ranking = (("file_status", 0.45), ("apa_file_status", 0.2))
    assert classify(*ranking, text="où en est mon dossier") == "file_status"
    assert classify(*ranking, text="mon dossier rsa et mon dossier apa") == "file_status"
    # Rejected first: a generic case below its threshold is not guessed from the topic words.
    assert classify(("file_status", 0.3), ("greet", 0.2), text="dossier apa ?") == "nlu_fallback"
