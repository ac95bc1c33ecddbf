"""channels/rasa_patches.py: the action server's answers are checked as strictly as Rasa does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import channels  # noqa: F401  (applies the corrections)


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_submit_callback", EndpointConfig("http://127.0.0.1:9/webhook"))


def test_a_valid_answer_passes(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result.__module__ == "channels.rasa_patches"
    answer = {"events": [{"event": "slot", "name": "phone", "value": None}], "responses": []}
    assert action._validate_action_result(answer)
    assert action._validate_action_result(answer)  # the cached validator, again


def test_an_invalid_answer_is_refused_with_rasa_s_explanation(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 3}], "responses": "nope"})
