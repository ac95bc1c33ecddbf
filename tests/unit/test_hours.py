import dataclasses
from datetime import datetime, time, timedelta, timezone

import pytest

from bot.hours import CallbackSlot, OpeningHours, due_date
from bot.settings import Settings
from bot.urgency import Priority


@pytest.fixture(scope="module")
def hours(settings: Settings) -> OpeningHours:
    return OpeningHours(settings)


def local(settings: Settings, *args: int) -> datetime:
    return datetime(*args, tzinfo=settings.timezone)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ((2026, 11, 23, 7, 59), False),  # Monday before opening
        ((2026, 11, 23, 8, 0), True),  # Monday opening
        ((2026, 11, 23, 13, 0), True),  # no lunch break
        ((2026, 11, 23, 19, 59), True),
        ((2026, 11, 23, 20, 0), False),  # closing time is closed
        ((2026, 11, 28, 11, 59), True),  # Saturday morning
        ((2026, 11, 28, 12, 0), False),  # Saturday noon
        ((2026, 11, 29, 10, 0), False),  # Sunday
        ((2026, 12, 25, 10, 0), False),  # Christmas, a Friday
        ((2027, 5, 6, 10, 0), False),  # Ascension 2027 (Easter is on 28 March 2027)
        ((2027, 5, 13, 10, 0), True),  # an ordinary Thursday a week later
        ((2026, 5, 14, 10, 0), False),  # Ascension 2026
        ((2027, 7, 14, 10, 0), False),  # Bastille Day, a Wednesday
    ],
)
def test_is_open(hours: OpeningHours, settings: Settings, moment: tuple, is_open: bool) -> None:
    assert hours.is_open(local(settings, *moment)) is is_open


def test_is_open_accepts_any_timezone(hours: OpeningHours) -> None:
    # 07:30 UTC on a Monday in November is 08:30 in Paris.
    assert hours.is_open(datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc))
    assert not hours.is_open(datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc))


def test_naive_datetimes_are_refused(hours: OpeningHours) -> None:
    with pytest.raises(ValueError, match="naive"):
        hours.is_open(datetime(2026, 11, 23, 10, 0))


def test_next_opening(hours: OpeningHours, settings: Settings) -> None:
    assert hours.next_opening(local(settings, 2026, 11, 23, 10, 0)) == local(
        settings, 2026, 11, 23, 10, 0
    )
    # Saturday after noon -> Monday 08:00
    assert hours.next_opening(local(settings, 2026, 11, 28, 12, 0)) == local(
        settings, 2026, 11, 30, 8, 0
    )
    # Christmas Eve evening (Thursday) -> Saturday 26th, Christmas Day being closed
    assert hours.next_opening(local(settings, 2026, 12, 24, 20, 30)) == local(
        settings, 2026, 12, 26, 8, 0
    )


def test_add_working_hours_skips_the_weekend(hours: OpeningHours, settings: Settings) -> None:
    # Friday 18:00 + 8 h: 2 h on Friday, 4 h on Saturday, 2 h on Monday.
    start = local(settings, 2026, 11, 20, 18, 0)
    assert hours.add_working_hours(start, 8) == local(settings, 2026, 11, 23, 10, 0)
    assert hours.working_hours_between(start, local(settings, 2026, 11, 23, 10, 0)) == 8.0


def test_add_working_hours_skips_a_holiday(hours: OpeningHours, settings: Settings) -> None:
    # Thursday 24 Dec 19:00 + 3 h: 1 h on Thursday, Friday is Christmas, 2 h on Saturday.
    start = local(settings, 2026, 12, 24, 19, 0)
    assert hours.add_working_hours(start, 3) == local(settings, 2026, 12, 26, 10, 0)
    # Wednesday 5 May 2027 19:00 + 2 h: Ascension on Thursday -> Friday 09:00.
    start = local(settings, 2027, 5, 5, 19, 0)
    assert hours.add_working_hours(start, 2) == local(settings, 2027, 5, 7, 9, 0)


def test_add_zero_hours_outside_opening_waits_for_the_opening(
    hours: OpeningHours, settings: Settings
) -> None:
    assert hours.add_working_hours(local(settings, 2026, 11, 29, 15, 0), 0) == local(
        settings, 2026, 11, 30, 8, 0
    )
    with pytest.raises(ValueError):
        hours.add_working_hours(local(settings, 2026, 11, 29, 15, 0), -1)


@pytest.mark.parametrize(
    ("friday", "monday", "offset_before", "offset_after"),
    [
        # Summer time starts on Sunday 29 March 2026, ends on Sunday 25 October 2026.
        ((2026, 3, 27), (2026, 3, 30), timedelta(hours=1), timedelta(hours=2)),
        ((2026, 10, 23), (2026, 10, 26), timedelta(hours=2), timedelta(hours=1)),
    ],
)
def test_daylight_saving_changes_neither_add_nor_lose_an_hour(
    hours: OpeningHours,
    settings: Settings,
    friday: tuple,
    monday: tuple,
    offset_before: timedelta,
    offset_after: timedelta,
) -> None:
    start = local(settings, *friday, 19, 0)
    end = hours.add_working_hours(start, 7)  # 1 h Friday + 4 h Saturday + 2 h Monday
    assert end == local(settings, *monday, 10, 0)
    assert (end.hour, end.minute) == (10, 0)
    assert start.utcoffset() == offset_before and end.utcoffset() == offset_after
    assert hours.working_hours_between(start, end) == 7.0
    # Elapsed real time (in UTC: Python subtracts same-zone datetimes by wall clock) differs
    # from the wall-clock difference by the shift.
    wall = datetime(*monday, 10, 0) - datetime(*friday, 19, 0)
    elapsed = end.astimezone(timezone.utc) - start.astimezone(timezone.utc)
    assert elapsed == wall - (offset_after - offset_before)


def test_working_hours_between(hours: OpeningHours, settings: Settings) -> None:
    monday_9 = local(settings, 2026, 11, 23, 9, 0)
    assert hours.working_hours_between(monday_9, local(settings, 2026, 11, 23, 9, 30)) == 0.5
    assert hours.working_hours_between(monday_9, local(settings, 2026, 11, 24, 9, 0)) == 12.0
    assert hours.working_hours_between(local(settings, 2026, 11, 24, 9, 0), monday_9) == -12.0
    sunday = local(settings, 2026, 11, 29, 9, 0)
    assert hours.working_hours_between(sunday, sunday + timedelta(hours=5)) == 0.0


def test_callback_slots_from_a_friday_evening(hours: OpeningHours, settings: Settings) -> None:
    slots = hours.callback_slots(local(settings, 2026, 11, 20, 19, 30))
    assert [s.label for s in slots] == [
        "samedi 21 novembre entre 8 h et 12 h",
        "lundi 23 novembre entre 8 h et 12 h",
        "lundi 23 novembre entre 14 h et 20 h",
        "mardi 24 novembre entre 8 h et 12 h",
    ]
    assert [s.id for s in slots][:2] == ["2026-11-21T08:00", "2026-11-23T08:00"]
    assert slots[0].start == local(settings, 2026, 11, 21, 8, 0)
    assert slots[0].end == local(settings, 2026, 11, 21, 12, 0)


def test_callback_slots_start_one_hour_from_now(hours: OpeningHours, settings: Settings) -> None:
    slots = hours.callback_slots(local(settings, 2026, 11, 23, 9, 10), count=2)
    assert [s.label for s in slots] == [
        "lundi 23 novembre entre 10 h 30 et 12 h",
        "lundi 23 novembre entre 14 h et 20 h",
    ]
    # Less than an hour left in the morning: the afternoon comes first.
    slots = hours.callback_slots(local(settings, 2026, 11, 23, 10, 20), count=1)
    assert slots[0].id == "2026-11-23T14:00"


def test_callback_slots_skip_holidays(hours: OpeningHours, settings: Settings) -> None:
    slots = hours.callback_slots(local(settings, 2026, 12, 24, 19, 0), count=3)
    assert [s.label for s in slots] == [
        "samedi 26 décembre entre 8 h et 12 h",
        "lundi 28 décembre entre 8 h et 12 h",
        "lundi 28 décembre entre 14 h et 20 h",
    ]
    slots = hours.callback_slots(local(settings, 2026, 12, 31, 19, 0), count=1)
    assert slots[0].label == "samedi 2 janvier entre 8 h et 12 h"


def test_first_of_the_month_is_said_premier(hours: OpeningHours, settings: Settings) -> None:
    slot = hours.callback_slots(local(settings, 2026, 11, 30, 19, 0), count=1)[0]
    assert slot.label == "mardi 1er décembre entre 8 h et 12 h"


def test_slot_ids_round_trip(hours: OpeningHours) -> None:
    now = datetime(2026, 11, 20, 19, 30, tzinfo=timezone.utc)
    for slot in hours.callback_slots(now, count=6):
        assert CallbackSlot.from_id(slot.id, hours) == slot
    for bad in ("2026-11-22T08:00", "2026-11-23T21:00", "demain", "2026-11-23T08:00+01:00"):
        with pytest.raises(ValueError):
            CallbackSlot.from_id(bad, hours)


def test_describe(hours: OpeningHours, settings: Settings) -> None:
    assert hours.describe() == "du lundi au vendredi de 8 h à 20 h et le samedi de 8 h à 12 h"
    split = dataclasses.replace(
        settings,
        opening_hours={
            0: ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0))),
            1: ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0))),
            3: ((time(9, 0), time(12, 0)),),
        },
    )
    assert OpeningHours(split).describe() == (
        "le lundi et le mardi de 9 h à 12 h 30 et de 13 h 30 à 17 h, et le jeudi de 9 h à 12 h"
    )


def test_slots_are_clipped_to_other_opening_hours(settings: Settings) -> None:
    split = dataclasses.replace(
        settings, opening_hours={0: ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0)))}
    )
    slots = OpeningHours(split).callback_slots(local(settings, 2026, 11, 22, 10, 0), count=2)
    assert [s.label for s in slots] == [
        "lundi 23 novembre entre 9 h et 12 h",
        "lundi 23 novembre entre 14 h et 17 h",
    ]


def test_due_dates(settings: Settings) -> None:
    created = local(settings, 2026, 11, 20, 19, 30)  # Friday evening
    # 48 h: 0.5 Fri + 4 Sat + 12 Mon + 12 Tue + 12 Wed + 7.5 Thu -> Thursday 15:30
    assert due_date(created, Priority.NORMAL, settings) == local(settings, 2026, 11, 26, 15, 30)
    # 8 h: 0.5 Fri + 4 Sat + 3.5 Mon -> Monday 11:30
    assert due_date(created, Priority.URGENT, settings) == local(settings, 2026, 11, 23, 11, 30)
    assert due_date(created, "urgent", settings) == local(settings, 2026, 11, 23, 11, 30)
