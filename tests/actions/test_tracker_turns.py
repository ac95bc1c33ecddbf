"""The transcript written into a ticket: a clicked button is shown by the title the citizen saw."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.tracker import turns


def _tracker(events: list[dict]) -> Tracker:
    return Tracker("citizen-1", {}, events[-1], events, False, None, None, "rest")


def _user(text: str, intent: str, at: float) -> dict:
    parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return {"event": "user", "text": text, "timestamp": at, "parse_data": parse}


def test_a_clicked_button_is_written_with_its_title() -> None:
    buttons = [
        {"title": "Oui, j'accepte", "payload": "/affirm"},
        {"title": "Non merci", "payload": "/deny"},
    ]
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "bot", "text": "Acceptez-vous ?", "data": {"buttons": buttons}, "timestamp": 2},
        _user("/affirm", "affirm", 3.0),
        {"event": "bot", "text": "Confirmez-vous ?", "timestamp": 4.0},
        _user("/affirm", "affirm", 5.0),  # no button offered just before: the intent's label
    ]
    said = [t.text for t in turns(_tracker(events)) if t.speaker == "citoyen"]
    assert said == ["[bouton] Oui, j'accepte", "[bouton] Oui"]
