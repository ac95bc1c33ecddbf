"""Attempt scheduling: which failed calls count, and when the next call may be planned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.hours import OpeningHours
from bot.settings import Settings
from bot.tickets.attempts import (
    PlanningError,
    check_planned_call,
    counted_failures,
    earliest_next_call,
)

GAP = timedelta(hours=2)


def local(settings: Settings, *args: int) -> datetime:
    return datetime(*args, tzinfo=settings.timezone)


def test_three_failures_minutes_apart_count_as_one(settings: Settings) -> None:
    start = local(settings, 2026, 11, 23, 9, 0)
    assert (
        counted_failures([start, start + timedelta(minutes=3), start + timedelta(minutes=8)], GAP)
        == 1
    )


def test_spread_failures_all_count_and_the_gap_runs_from_the_last_counted_one(
    settings: Settings,
) -> None:
    start = local(settings, 2026, 11, 23, 9, 0)
    spread = [start, start + GAP, start + 2 * GAP]
    assert counted_failures(spread, GAP) == 3
    # 9:00 counts, 10:30 is too close to 9:00, 11:10 is 2 h 10 after 9:00: counts.
    uneven = [start + timedelta(minutes=130), start, start + timedelta(minutes=90)]
    assert counted_failures(uneven, GAP) == 2
    assert counted_failures([], GAP) == 0


def test_earliest_next_call_respects_the_gap_rounding_and_opening_hours(settings: Settings) -> None:
    hours = OpeningHours(settings)
    failed = local(settings, 2026, 11, 23, 9, 7)  # Monday
    assert earliest_next_call(failed, failed, GAP, hours) == local(settings, 2026, 11, 23, 11, 10)
    # Nothing failed yet: now, when open.
    assert earliest_next_call(None, failed, GAP, hours) == local(settings, 2026, 11, 23, 9, 10)
    # Failed at 19:00: 21:00 is closed, the next opening is Tuesday 8:00.
    late = local(settings, 2026, 11, 23, 19, 0)
    assert earliest_next_call(late, late, GAP, hours) == local(settings, 2026, 11, 24, 8, 0)
    # Saturday 11:30: Sunday is closed, Monday 8:00.
    saturday = local(settings, 2026, 11, 28, 11, 30)
    assert earliest_next_call(saturday, saturday, GAP, hours) == local(settings, 2026, 11, 30, 8, 0)


def test_a_planned_call_too_soon_or_too_far_is_refused(settings: Settings) -> None:
    earliest = local(settings, 2026, 11, 23, 11, 10)
    assert check_planned_call(earliest, earliest) == earliest
    # Read on the page a few minutes before the call was recorded: still accepted.
    almost = earliest - timedelta(minutes=5)
    assert check_planned_call(almost, earliest) == almost
    assert check_planned_call(earliest + timedelta(days=1), earliest) == earliest + timedelta(
        days=1
    )
    with pytest.raises(
        PlanningError, match="Trop tôt pour rappeler : au plus tôt le 23/11/2026 à 11:10"
    ):
        check_planned_call(earliest - timedelta(minutes=30), earliest)
    with pytest.raises(PlanningError, match="trop lointain"):
        check_planned_call(earliest + timedelta(days=40), earliest)
