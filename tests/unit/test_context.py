"""Follow-ups in the conversation's topic, and two questions in one message (bot/context.py)."""

from __future__ import annotations

import pytest

from bot.context import follow_up_intent, question_intents, question_parts

HANDOFFS = {"apa_file_status", "rsa_payment_issue", "imagine_r_file_status"}


def answerable(intent: str) -> bool:
    return intent not in HANDOFFS


FOLLOW_UPS = [
    # text, NLU intent, topic, last fiche, expected
    (
        "et on peut payer en plusieurs fois ?",
        "nlu_fallback",
        "imagine_r",
        "imagine_r_price",
        "imagine_r_price",
    ),
    ("c'est combien ?", "nlu_fallback", "imagine_r", "imagine_r_subscribe", "imagine_r_price"),
    ("c'est combien ?", "rsa_amount", "apa", "apa_eligibility", "apa_amount"),
    ("quels papiers faut-il ?", "out_of_scope", "apa", "apa_apply", "apa_documents"),
    ("quels papiers faut-il ?", "rsa_documents", "rsa", "rsa_apply", None),  # NLU already right
    ("et si je déménage ?", "out_of_scope", "rsa", "rsa_amount", "rsa_declaration"),
    ("et si je déménage ?", "nlu_fallback", "college", "college_bourse", "college_enrollment"),
    ("et pour un étudiant ?", "out_of_scope", "imagine_r", "imagine_r_price", "imagine_r_price"),
    ("et pour ma fille ?", "nlu_fallback", "college", "college_bourse", "college_bourse"),
    # the citizen changes topic, or says something else: the NLU's reading stands
    ("et le rsa c'est combien ?", "rsa_amount", "imagine_r", "imagine_r_price", None),
    ("merci", "thank", "apa", "apa_amount", None),
    ("je veux parler à un conseiller", "ask_human", "apa", "apa_amount", None),
    ("c'est combien ?", "nlu_fallback", None, None, None),
    ('/inform{"topic":"apa"}', "inform", "rsa", "rsa_amount", None),
]


@pytest.mark.parametrize(("text", "intent", "topic", "last", "expected"), FOLLOW_UPS)
def test_follow_up_in_the_current_topic(
    text: str, intent: str, topic: str | None, last: str | None, expected: str | None
) -> None:
    assert follow_up_intent(text, intent, [], topic, last, answerable) == expected


def test_a_service_outside_the_topics_is_not_a_follow_up() -> None:
    args = ("et pour mon passeport ?", "out_of_scope", [], "apa", "apa_documents", answerable)
    assert follow_up_intent(*args, elsewhere=True) is None
    # the same question for someone else stays a follow-up even if a service names that person
    assert (
        follow_up_intent(
            "et pour un étudiant ?",
            "out_of_scope",
            [],
            "imagine_r",
            "imagine_r_price",
            answerable,
            elsewhere=True,
        )
        == "imagine_r_price"
    )


def test_the_ranking_of_the_current_topic_is_used_when_no_cue() -> None:
    ranking = [("college_transport", 0.3), ("apa_revision", 0.2), ("apa_caregiver", 0.15)]
    assert (
        follow_up_intent(
            "et mon aidant alors", "nlu_fallback", ranking, "apa", "apa_amount", answerable
        )
        == "apa_revision"
    )


def test_a_sure_reading_in_another_topic_stands() -> None:
    ranking = [("rsa_amount", 0.85), ("rsa_eligibility", 0.1)]
    args = ("je touche combien si je vis seul", "rsa_amount", ranking, "imagine_r")
    assert follow_up_intent(*args, "imagine_r_price", answerable) is None


def test_an_unsure_general_reading_gives_way_to_a_question_of_the_topic() -> None:
    unsure = [("bot_challenge", 0.44), ("rsa_amount", 0.27)]
    args = ("college", "college_canteen_register", answerable)
    assert follow_up_intent("c'est combien ?", "bot_challenge", unsure, *args) == (
        "college_canteen_price"
    )
    # sure of it, or no question of the topic: the general reading stands
    sure = [("bot_challenge", 0.8), ("rsa_amount", 0.1)]
    assert follow_up_intent("c'est combien ?", "bot_challenge", sure, *args) is None
    assert follow_up_intent("vous êtes un robot ?", "bot_challenge", unsure, *args) is None
    assert follow_up_intent("merci", "thank", [("thank", 0.5)], *args) is None


def test_a_hand_off_is_never_chosen_from_the_context() -> None:
    ranking = [("apa_file_status", 0.5)]
    assert follow_up_intent("bon alors", "nlu_fallback", ranking, "apa", None, answerable) is None


def test_long_stories_are_not_follow_ups() -> None:
    text = (
        "alors voila ma voisine m a dit que je pourrais avoir droit a quelque chose "
        "mais je sais pas trop"
    )
    assert follow_up_intent(text, "nlu_fallback", [], "apa", "apa_amount", answerable) is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("combien coûte la carte imagine r et comment on fait la demande ?", 2),
        ("c'est quoi le montant du RSA ? est-ce que ma mère a droit à l'APA ?", 2),
        ("ma mère a 80 ans et elle a du mal à marcher, elle a droit à l'apa ?", 1),
        ("bonjour je voudrais le prix de la cantine", 0),
    ],
)
def test_question_parts(text: str, count: int) -> None:
    assert len(question_parts(text)) == count


QUESTIONS = [
    (
        "combien coûte la carte imagine r et comment on fait la demande ?",
        "imagine_r_price",
        ["imagine_r_price", "imagine_r_subscribe"],
    ),
    (
        "c'est quoi le montant du RSA ? et est-ce que ma mère a droit à l'APA ?",
        "rsa_amount",
        ["rsa_amount", "apa_eligibility"],
    ),
    # the NLU blended the two questions: the RSA topic with the APA question's aspect
    (
        "quel est le montant du RSA pour une personne seule ? "
        "et est-ce que ma mère a droit à l'APA ?",
        "rsa_eligibility",
        ["rsa_amount", "apa_eligibility"],
    ),
    (
        "quels papiers pour l'apa ? et ça prend combien de temps ?",
        "apa_documents",
        ["apa_documents", "apa_delay"],
    ),
    (
        "ma mère a 80 ans et elle a du mal à marcher, elle a droit à l'apa ?",
        "apa_eligibility",
        ["apa_eligibility"],
    ),
    ("combien coute la cantine ?", "college_canteen_price", ["college_canteen_price"]),
]


@pytest.mark.parametrize(("text", "intent", "expected"), QUESTIONS)
def test_question_intents(text: str, intent: str, expected: list[str]) -> None:
    assert question_intents(text, intent, None, answerable) == expected
