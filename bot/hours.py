"""Opening hours of the telephone platform: open or closed, working hours, callback slots.

Weekly hours come from Settings.opening_hours (local time of Settings.timezone); French public
holidays (the `holidays` package, country "FR") are closed days. Every datetime in and out is
timezone-aware; intervals are computed in UTC so that a daylight-saving change never adds or
loses an hour. French day and month names are spelled here, not taken from the C locale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from math import ceil

import holidays

from bot.settings import Settings
from bot.urgency import Priority

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# Callback half-days, clipped to each day's opening hours.
HALF_DAYS = ((time(8, 0), time(12, 0)), (time(14, 0), time(20, 0)))
# A slot is offered only if it starts this long after now and lasts at least this long.
SLOT_LEAD_TIME = timedelta(hours=1)
SLOT_MIN_LENGTH = timedelta(hours=1)
SLOT_ROUNDING = timedelta(minutes=30)
# No opening at all within this many days means the configuration is unusable.
_SEARCH_DAYS = 400

Interval = tuple[datetime, datetime]


def _utc(at: datetime) -> datetime:
    """`at` in UTC; refuses naive datetimes (their meaning depends on the server's zone)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass a timezone-aware datetime")
    return at.astimezone(timezone.utc)


def format_time_fr(at: time | datetime) -> str:
    """ "8 h", "8 h 30", "20 h" (the way the time is said and written on a French phone line)."""
    return f"{at.hour} h" if at.minute == 0 else f"{at.hour} h {at.minute:02d}"


def format_date_fr(day: date) -> str:
    """ "lundi 23 novembre", "mardi 1er décembre"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS_FR[day.weekday()]} {number} {MONTHS_FR[day.month - 1]}"


@dataclass(frozen=True)
class CallbackSlot:
    start: datetime
    end: datetime
    label: str
    id: str

    @classmethod
    def from_id(cls, slot_id: str, hours: OpeningHours) -> CallbackSlot:
        """The slot an id designates (ids are local start times, "2026-11-23T08:00").

        Raises ValueError when the id is malformed or no slot starts there any more (for
        instance the configuration changed or the day became a holiday).
        """
        try:
            naive = datetime.fromisoformat(slot_id)
        except (TypeError, ValueError):
            raise ValueError(f"not a slot id: {slot_id!r}") from None
        if naive.tzinfo is not None or naive.second or naive.microsecond:
            raise ValueError(f"not a slot id: {slot_id!r}")
        start = naive.replace(tzinfo=hours.tz)
        for window_start, window_end in hours.half_day_windows(naive.date()):
            if window_start <= start < window_end and window_end - start >= SLOT_MIN_LENGTH:
                return hours.make_slot(start, window_end)
        raise ValueError(f"no callback slot starts at {slot_id}")


class OpeningHours:
    """The platform's opening hours for one département (see Settings.opening_hours)."""

    def __init__(self, settings: Settings) -> None:
        self.tz = settings.timezone
        self.weekly = settings.opening_hours
        self._holidays = holidays.country_holidays("FR")

    # --- days and intervals ------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays

    def day_ranges(self, day: date) -> list[Interval]:
        """The opening ranges of a local date, as aware local datetimes (none on holidays)."""
        if self.is_holiday(day):
            return []
        return [
            (datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))
            for start, end in self.weekly.get(day.weekday(), ())
        ]

    def _intervals_from(self, at: datetime) -> Iterator[Interval]:
        """Opening intervals (UTC) that end after `at`, in order; at least one per 400 days."""
        at = _utc(at)
        day = at.astimezone(self.tz).date()
        idle = 0
        while idle <= _SEARCH_DAYS:
            ranges = self.day_ranges(day)
            idle = 0 if ranges else idle + 1
            for start, end in ranges:
                start_utc, end_utc = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
                if end_utc > at:
                    yield start_utc, end_utc
            day += timedelta(days=1)
        raise RuntimeError(f"the platform is not open once in {_SEARCH_DAYS} days")

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    # --- questions the dialogue asks ---------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        local = self._local(_utc(at))
        return any(start <= local < end for start, end in self.day_ranges(local.date()))

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when open, else the start of the next opening range (local time)."""
        start, _ = next(self._intervals_from(at))
        return self._local(max(start, _utc(at)))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` opening hours after `start` (closed days and holidays skipped)."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        start, remaining = _utc(start), timedelta(hours=hours)
        for begin, end in self._intervals_from(start):
            begin = max(begin, start)
            if remaining <= end - begin:
                return self._local(begin + remaining)
            remaining -= end - begin
        raise AssertionError("unreachable: _intervals_from never ends quietly")

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Opening hours between two moments (negative when `b` is before `a`)."""
        a, b = _utc(a), _utc(b)
        if b < a:
            return -self.working_hours_between(b, a)
        total = timedelta()
        for begin, end in self._intervals_from(a):
            if begin >= b:
                break
            total += min(end, b) - max(begin, a)
        return total / timedelta(hours=1)

    # --- callback slots ----------------------------------------------------------------

    def half_day_windows(self, day: date) -> list[Interval]:
        """Morning and afternoon windows of a local date, clipped to its opening ranges."""
        windows = []
        for half_start, half_end in HALF_DAYS:
            low = datetime.combine(day, half_start, self.tz)
            high = datetime.combine(day, half_end, self.tz)
            for start, end in self.day_ranges(day):
                if max(start, low) < min(end, high):
                    windows.append((max(start, low), min(end, high)))
        return windows

    def make_slot(self, start: datetime, end: datetime) -> CallbackSlot:
        start, end = self._local(start), self._local(end)
        label = (
            f"{format_date_fr(start.date())} entre {format_time_fr(start)} et {format_time_fr(end)}"
        )
        return CallbackSlot(start, end, label, start.strftime("%Y-%m-%dT%H:%M"))

    def callback_slots(self, now: datetime, count: int = 4) -> list[CallbackSlot]:
        """The next `count` half-day slots, starting no earlier than one hour from now."""
        earliest = _round_up(self._local(_utc(now) + SLOT_LEAD_TIME), SLOT_ROUNDING)
        day = earliest.date()
        slots: list[CallbackSlot] = []
        for _ in range(_SEARCH_DAYS):
            for start, end in self.half_day_windows(day):
                start = max(start, earliest)
                if end - start >= SLOT_MIN_LENGTH and len(slots) < count:
                    slots.append(self.make_slot(start, end))
            if len(slots) >= count:
                break
            day += timedelta(days=1)
        return slots

    def describe(self) -> str:
        """ "du lundi au vendredi de 8 h à 20 h et le samedi de 8 h à 12 h"."""
        groups: list[tuple[int, int, tuple[tuple[time, time], ...]]] = []
        for weekday in range(7):
            ranges = self.weekly.get(weekday, ())
            if ranges and groups and groups[-1][1] == weekday - 1 and groups[-1][2] == ranges:
                groups[-1] = (groups[-1][0], weekday, ranges)
            elif ranges:
                groups.append((weekday, weekday, ranges))
        parts = [f"{_days_fr(first, last)} {_ranges_fr(ranges)}" for first, last, ranges in groups]
        return _join_fr(parts)


def _round_up(at: datetime, step: timedelta) -> datetime:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = ceil((at - midnight) / step)
    return midnight + steps * step


def _days_fr(first: int, last: int) -> str:
    if first == last:
        return f"le {WEEKDAYS_FR[first]}"
    if last == first + 1:
        return f"le {WEEKDAYS_FR[first]} et le {WEEKDAYS_FR[last]}"
    return f"du {WEEKDAYS_FR[first]} au {WEEKDAYS_FR[last]}"


def _ranges_fr(ranges: tuple[tuple[time, time], ...]) -> str:
    return _join_fr([f"de {format_time_fr(s)} à {format_time_fr(e)}" for s, e in ranges])


def _join_fr(parts: list[str]) -> str:
    """ "a, b et c"; "a et b, et c" when a part has its own "et" (several ranges a day)."""
    if len(parts) == 1:
        return parts[0]
    last = ", et " if any(" et " in part for part in parts) else " et "
    return ", ".join(parts[:-1]) + last + parts[-1]


def due_date(created_at: datetime, priority: Priority, settings: Settings) -> datetime:
    """The deadline promised to the citizen: N opening hours after the request."""
    hours = (
        settings.urgent_deadline_working_hours
        if Priority(priority) is Priority.URGENT
        else settings.deadline_working_hours
    )
    return OpeningHours(settings).add_working_hours(created_at, hours)
