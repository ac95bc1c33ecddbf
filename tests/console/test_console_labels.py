"""The console labels exactly the core's ticket codes, and its API describes exactly them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import pytest

from bot.tickets.models import (
    RESOLUTIONS,
    AttemptResult,
    EventKind,
    InteractionOutcome,
    Outcome,
    TicketStatus,
)
from console import labels
from console.openapi import spec

TABLES = [
    (labels.STATUS_LABELS, TicketStatus),
    (labels.OUTCOME_LABELS, Outcome),
    (labels.ATTEMPT_LABELS, AttemptResult),
    (labels.EVENT_LABELS, EventKind),
    (labels.INTERACTION_OUTCOME_LABELS, InteractionOutcome),
]


@pytest.mark.parametrize(("table", "codes"), TABLES, ids=lambda x: getattr(x, "__name__", ""))
def test_every_code_has_one_french_label_and_nothing_else(
    table: Mapping[Any, str], codes: type[Enum]
) -> None:
    assert list(table) == list(codes)  # every member, no other key, in the enum's order
    assert all(type(key) is codes for key in table)  # keyed by the enum, not by loose strings
    texts = list(table.values())
    assert all(text.strip() for text in texts) and len(set(texts)) == len(texts)


def test_an_agent_chooses_among_the_resolutions_only() -> None:
    assert list(labels.RESOLUTION_LABELS) == list(RESOLUTIONS)
    assert all(labels.RESOLUTION_LABELS[o] == labels.OUTCOME_LABELS[o] for o in RESOLUTIONS)


def test_labels_are_found_for_the_strings_read_from_the_database() -> None:
    assert labels.label(labels.STATUS_LABELS, "claimed") == "Pris en charge"
    assert labels.label(labels.OUTCOME_LABELS, "wrong_number") == "Numéro erroné"
    assert labels.label(labels.OUTCOME_LABELS, "legacy_code") == "legacy_code"


def test_the_api_description_lists_the_enums_values() -> None:
    schemas = spec("Test")["components"]["schemas"]
    summary = schemas["TicketSummary"]["properties"]
    assert summary["status"]["enum"] == ["open", "claimed", "closed"]
    assert summary["outcome"]["description"].endswith(", ".join(o.value for o in Outcome))
    pushed = schemas["OutcomeRequest"]["properties"]["outcome"]["enum"]
    assert pushed == [*(o.value for o in RESOLUTIONS), "transferred"]
    assert all(type(value) is str for value in pushed)  # plain JSON strings
    events = schemas["TicketDetail"]["allOf"][1]["properties"]["events"]["items"]
    assert events["properties"]["kind"]["enum"] == [k.value for k in EventKind][1:]  # no views
