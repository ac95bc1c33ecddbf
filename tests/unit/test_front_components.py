"""The NLU components of issue 9: spelling normalised first, emergency set last, text restored."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.emergency import EmergencyClassifier
from nlu_components.normalizer import SpellingNormalizer


def _message(text: str, intent: str = "apa_apply", **data: object) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.7},
            "intent_ranking": [{"name": intent, "confidence": 0.7}],
            **data,
        }
    )


def test_the_classifiers_see_the_normalised_text_and_the_tracker_the_citizens_own() -> None:
    original = "slt jveu savoir cb coute imagin r"
    [message] = SpellingNormalizer().process([_message(original)])
    assert message.get("text") == "je veux savoir combien coute imagine r"
    [message] = EmergencyClassifier().process([message])
    assert message.get("text") == original
    assert message.get("intent")["name"] == "apa_apply"


def test_danger_overrides_the_intent_and_names_the_situation() -> None:
    [message] = EmergencyClassifier().process([_message("elle ne respire plus", "nlu_fallback")])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "emergency"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("emergency_situation", "medical")
    ]


def test_a_reported_past_event_keeps_the_nlu_reading() -> None:
    text = "il est tombé la semaine dernière, maintenant il va bien"
    [message] = EmergencyClassifier().process([_message(text)])
    assert message.get("intent")["name"] == "apa_apply"
    assert not message.get("entities")


def test_the_training_data_stays_as_written() -> None:
    plain = Message(data={"text": "cb coute l'apa", "intent": "apa_amount"})
    SpellingNormalizer().process_training_data(TrainingData([plain]))
    assert plain.get("text") == "cb coute l'apa"
