"""The emergency goes first, even inside a form (policies/emergency_first.py)."""

from __future__ import annotations

import pytest

from policies.emergency_first import next_action

CASES = [
    # latest action, the one before, intent, active loop -> next action
    ("action_listen", "action_answer", "emergency", None, "action_emergency"),
    ("action_listen", "callback_form", "emergency", "callback_form", "action_emergency"),
    ("action_emergency", "action_listen", "emergency", "callback_form", "action_deactivate_loop"),
    ("action_emergency", "action_listen", "emergency", None, "action_listen"),
    ("action_deactivate_loop", "action_emergency", "emergency", None, "action_listen"),
    # everything else is left to the other policies
    ("action_listen", "action_answer", "apa_apply", None, None),
    ("action_listen", "callback_form", "inform", "callback_form", None),
    ("action_deactivate_loop", "action_listen", "cancel", None, None),
]


@pytest.mark.parametrize(("latest", "previous", "intent", "loop", "expected"), CASES)
def test_next_action(
    latest: str, previous: str, intent: str, loop: str | None, expected: str | None
) -> None:
    assert next_action(latest, previous, intent, loop) == expected
