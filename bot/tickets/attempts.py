"""When the next call to a citizen may be, and which failed attempts count towards closing.

Pure rules (no database): the console's workflow feeds them the ticket's attempt events.
- A failed attempt counts towards `max_failed_attempts` only when it comes at least
  `min_gap` after the previous counted one: three attempts minutes apart are one try.
- « Rappeler à… »: the next call is planned no sooner than `min_gap` after the latest failed
  attempt, inside opening hours; by default at that earliest moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.hours import OpeningHours

# Planned calls fall on a round five minutes (easier to read and to honour).
PLAN_STEP = timedelta(minutes=5)
# The agent reads the earliest time on the page a few minutes before recording the call.
PLAN_TOLERANCE = timedelta(minutes=10)


class PlanningError(ValueError):
    """A « rappeler à… » time the rules refuse; the message is French (shown to the agent)."""


def counted_failures(failed_at: Iterable[datetime], min_gap: timedelta) -> int:
    """How many failed attempts count: each at least `min_gap` after the previous counted one."""
    count, last = 0, None
    for at in sorted(failed_at):
        if last is None or at - last >= min_gap:
            count, last = count + 1, at
    return count


def _round_up(at: datetime) -> datetime:
    remainder = (at - at.replace(minute=0, second=0, microsecond=0)) % PLAN_STEP
    return at if not remainder else at + (PLAN_STEP - remainder)


def earliest_next_call(
    last_failed_at: datetime | None, now: datetime, min_gap: timedelta, hours: OpeningHours
) -> datetime:
    """The soonest moment for the next call: gap respected, rounded, within opening hours."""
    start = max(now, last_failed_at + min_gap) if last_failed_at else now
    return hours.next_opening(_round_up(hours.next_opening(start)))


def check_planned_call(planned: datetime, earliest: datetime, deadline_days: int = 30) -> datetime:
    """`planned` if acceptable, else PlanningError saying why (too soon, too late)."""
    if planned < earliest - PLAN_TOLERANCE:
        raise PlanningError(
            "Trop tôt pour rappeler : au plus tôt le "
            f"{earliest.strftime('%d/%m/%Y à %H:%M')} (écart minimal entre deux tentatives)."
        )
    if planned > earliest + timedelta(days=deadline_days):
        raise PlanningError(f"Rappel trop lointain : {deadline_days} jours au plus.")
    return planned
