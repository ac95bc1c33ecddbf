from __future__ import annotations

import pytest

from bot.catalogue import get_catalogue
from bot.routing import GENERIC_HANDOFFS, TOPICS, specific_intent, topic_in_text, topic_of


@pytest.mark.parametrize(
    ("intent", "topic"),
    [
        ("apa_amount", "apa"),
        ("rsa_file_status", "rsa"),
        ("imagine_r_lost_card", "imagine_r"),
        ("college_canteen_price", "college"),
        ("greet", None),
        ("file_status", None),
        ("rsa", None),
        (None, None),
    ],
)
def test_topic_of(intent, topic):
    assert topic_of(intent) == topic


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("c'est pour l'APA", "apa"),
        ("l apa de ma mere", "apa"),
        ("RSA", "rsa"),
        ("mon revenu de solidarité", "rsa"),
        ("la carte imagine r", "imagine_r"),
        ("transport", "imagine_r"),
        ("la cantine du collège", "college"),
        ("2", "rsa"),
        ("4", "college"),
        ("je ne sais pas", None),
        ("apa ou rsa", None),
    ],
)
def test_topic_in_text(text, topic):
    assert topic_in_text(text) == topic


def test_every_generic_case_maps_to_a_catalogued_topic_intent():
    catalogue = {intent.name: intent.kind for intent in get_catalogue().intents}
    for generic, by_topic in GENERIC_HANDOFFS.items():
        assert catalogue[generic] == "handoff"
        assert set(by_topic) == set(TOPICS)
        for topic, intent in by_topic.items():
            assert topic_of(intent) == topic
            assert intent in catalogue, intent
            assert specific_intent(generic, topic) == intent
    assert specific_intent("file_status", None) is None
    assert specific_intent("apa_amount", "rsa") == "apa_amount"


def test_routing_tables_come_from_the_catalogue():
    catalogue = get_catalogue()
    assert TOPICS == ("apa", "rsa", "imagine_r", "college")
    assert [topic_in_text(topic.digit) for topic in catalogue.topics] == list(TOPICS)
    for topic in catalogue.topics:
        assert topic_in_text(topic.keywords[-1]) == topic.id, topic.keywords[-1]


def test_fiche_questions_file_is_fresh() -> None:
    from triage.generators.fiche_nlu import TARGET, render

    assert TARGET.read_text(encoding="utf-8") == render(), (
        f"{TARGET} is out of date: run python -m triage.generators.fiche_nlu"
    )
