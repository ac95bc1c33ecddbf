"""The ticket's codes (bot/tickets/models.py): string enums whose values are the stored strings."""

from __future__ import annotations

import json
from enum import Enum

import pytest

from bot.tickets.models import (
    FAILED_ATTEMPT_RESULTS,
    RESOLUTIONS,
    AttemptResult,
    EventKind,
    InteractionOutcome,
    Outcome,
    TicketStatus,
)

# What the database and the CRM have held since the first migration: changing one of these
# strings needs a data migration and a new API version, not just an edit of the enum.
STORED = {
    TicketStatus: ["open", "claimed", "closed"],
    Outcome: [
        "answered",
        "file_updated",
        "appointment",
        "oriented",
        "no_need",
        "transferred",
        "unreachable",
        "wrong_number",
    ],
    AttemptResult: ["reached", "no_answer", "voicemail", "wrong_number"],
    EventKind: ["view", "claim", "attempt", "resolve", "transfer", "note", "reassign"],
    InteractionOutcome: ["in_progress", "abandoned", "answered", "oriented", "callback"],
}


@pytest.mark.parametrize("codes", list(STORED), ids=lambda codes: codes.__name__)
def test_values_are_the_stored_strings(codes: type[Enum]) -> None:
    assert [member.value for member in codes] == STORED[codes]


@pytest.mark.parametrize("member", [m for codes in STORED for m in codes], ids=str)
def test_a_code_reads_writes_and_prints_as_its_value(member: Enum) -> None:
    value = member.value
    assert member == value and hash(member) == hash(value)
    assert {value: "x"}[member] == "x"  # dictionaries keyed by strings find it
    assert str(member) == f"{member}" == value  # templates and f-strings
    assert json.dumps({"code": member}) == json.dumps({"code": value})
    assert type(member)(value) is member


def test_resolutions_are_what_an_agent_chooses() -> None:
    """Set by the workflow itself: transferred (with a service), unreachable, wrong number."""
    assert set(Outcome) - set(RESOLUTIONS) == {
        Outcome.TRANSFERRED,
        Outcome.UNREACHABLE,
        Outcome.WRONG_NUMBER,
    }
    assert set(AttemptResult) - {AttemptResult.REACHED} == FAILED_ATTEMPT_RESULTS
