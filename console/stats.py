"""The figures the département reports, for a period of local dates (both days included).

Contacts are the conversations counted by the assistant (`interactions`, one row each), plus
tickets that have no interaction row (stored from the outbox, created by another channel): so
every callback request is a contact. A callback is "handled" at the first call attempt or, when
no call was recorded (transfer, outcome pushed by the CRM), when the ticket was closed; it is
within the deadline when handled before the due date promised to the citizen. Only anonymous
columns are read, so the figures survive the retention purge.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.hours import OpeningHours
from bot.tickets.history import TicketEvent
from bot.tickets.models import EventKind, Interaction, InteractionOutcome, Ticket

ANSWERED_ALONE = (InteractionOutcome.ANSWERED, InteractionOutcome.ORIENTED)
ORPHAN_MARGIN = timedelta(days=1)
NO_VALUE = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @classmethod
    def last_days(cls, today: date, days: int = 30) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnights."""
        start = datetime.combine(self.start, time(0), tz)
        return start, datetime.combine(self.end + timedelta(days=1), time(0), tz)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Contact:
    at: datetime  # local time
    channel: str
    topic: str
    outcome: str
    commune: str


@dataclass
class CallbackFigures:
    total: int = 0
    within: int = 0
    late: int = 0
    pending: int = 0  # not handled yet, deadline not passed
    hours_to_callback: list[float] = field(default_factory=list)

    def add(
        self, due_at: datetime, handled_at: datetime | None, hours: float | None, now: datetime
    ) -> None:
        self.total += 1
        if handled_at is None or hours is None:
            if now > due_at:
                self.late += 1
            else:
                self.pending += 1
            return
        if handled_at <= due_at:
            self.within += 1
        else:
            self.late += 1
        self.hours_to_callback.append(hours)

    @property
    def rate(self) -> float | None:
        handled = self.within + self.late
        return self.within / handled if handled else None

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours_to_callback) if self.hours_to_callback else None


@dataclass
class Report:
    period: Period
    contacts: list[Contact]
    callbacks: dict[str, CallbackFigures]  # by priority, plus "all"

    @property
    def total(self) -> int:
        return len(self.contacts)

    @property
    def answered_alone(self) -> int:
        return sum(1 for c in self.contacts if c.outcome in ANSWERED_ALONE)

    @property
    def answered_share(self) -> float | None:
        return self.answered_alone / self.total if self.total else None

    def per_day(self, attribute: str) -> tuple[list[str], dict[str, list[int]]]:
        """Day labels and, for each value of `attribute` (channel, topic), a count per day."""
        days = self.period.days()
        index = {day: i for i, day in enumerate(days)}
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
        for contact in self.contacts:
            counts[getattr(contact, attribute)][index[contact.at.date()]] += 1
        ordered = dict(sorted(counts.items(), key=lambda item: -sum(item[1])))
        return [f"{d:%d/%m}" for d in days], ordered

    def count_by(self, attribute: str) -> list[tuple[str, int]]:
        counter = Counter(getattr(c, attribute) for c in self.contacts)
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    def by_hour(self) -> list[int]:
        counter = Counter(c.at.hour for c in self.contacts)
        return [counter.get(hour, 0) for hour in range(24)]

    def by_weekday(self) -> list[int]:
        counter = Counter(c.at.weekday() for c in self.contacts)
        return [counter.get(day, 0) for day in range(7)]

    def topics_table(self) -> list[tuple[str, int, int, int]]:
        """(topic, contacts, answered by the assistant alone, callback requests)."""
        rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for contact in self.contacts:
            row = rows[contact.topic]
            row[0] += 1
            row[1] += contact.outcome in ANSWERED_ALONE
            row[2] += contact.outcome == InteractionOutcome.CALLBACK
        table = [(topic, n, alone, callbacks) for topic, (n, alone, callbacks) in rows.items()]
        return sorted(table, key=lambda r: (-r[1], r[0]))


class WorkingClock:
    """`OpeningHours.working_hours_between` for thousands of pairs, at the cost of a few.

    Opening hours add up: W(a, b) = W(origin, b) - W(origin, a). W(origin, midnight) is kept
    per local day (one one-day call to the core per day), and only the part of a day is asked
    of the core for each moment; the core stays the only place that knows the rules.
    """

    def __init__(self, hours: OpeningHours, tz: ZoneInfo, origin: date) -> None:
        self.hours, self.tz = hours, tz
        self._totals = {origin: 0.0}  # local date -> working hours from origin to its midnight
        self._first = self._last = origin

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.tz)

    def _total(self, day: date) -> float:
        while day > self._last:
            following = self._last + timedelta(days=1)
            step = self.hours.working_hours_between(
                self._midnight(self._last), self._midnight(following)
            )
            self._totals[following] = self._totals[self._last] + step
            self._last = following
        while day < self._first:
            previous = self._first - timedelta(days=1)
            step = self.hours.working_hours_between(
                self._midnight(previous), self._midnight(self._first)
            )
            self._totals[previous] = self._totals[self._first] - step
            self._first = previous
        return self._totals[day]

    def _since_origin(self, at: datetime) -> float:
        day = at.astimezone(self.tz).date()
        return self._total(day) + self.hours.working_hours_between(self._midnight(day), at)

    def between(self, a: datetime, b: datetime) -> float:
        return self._since_origin(b) - self._since_origin(a)


def _contacts(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> list[Contact]:
    # A conversation that ended in a ticket: the ticket knows more (topic, commune). The day
    # before the period is read too, for conversations whose ticket came after midnight.
    interactions = session.execute(
        select(
            Interaction.started_at,
            Interaction.channel,
            func.coalesce(Interaction.topic, Ticket.topic),
            Interaction.outcome,
            func.coalesce(Interaction.commune, Ticket.commune),
            Interaction.ticket_reference,
        )
        .outerjoin(Ticket, Ticket.reference == Interaction.ticket_reference)
        .where(Interaction.started_at >= start - ORPHAN_MARGIN, Interaction.started_at < end)
    ).all()
    counted = {row[5] for row in interactions if row[5]}
    tickets = session.execute(
        select(
            Ticket.created_at, Ticket.channel, Ticket.topic, Ticket.commune, Ticket.reference
        ).where(Ticket.created_at >= start, Ticket.created_at < end)
    )
    contacts = [
        Contact(at.astimezone(tz), ch, tp or NO_VALUE, oc, cm or NO_VALUE)
        for at, ch, tp, oc, cm, _ in interactions
        if at >= start
    ]
    contacts += [
        Contact(at.astimezone(tz), ch, tp or NO_VALUE, InteractionOutcome.CALLBACK, cm or NO_VALUE)
        for at, ch, tp, cm, reference in tickets
        if reference not in counted
    ]
    contacts.sort(key=lambda c: c.at)
    return contacts


def _callbacks(
    session: Session, start: datetime, end: datetime, clock: WorkingClock, now: datetime
) -> dict[str, CallbackFigures]:
    first_attempt = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.at).label("at"))
        .where(TicketEvent.kind == EventKind.ATTEMPT)
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Ticket.priority, Ticket.created_at, Ticket.due_at, Ticket.closed_at, first_attempt.c.at
        )
        .outerjoin(first_attempt, first_attempt.c.ticket_id == Ticket.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
    )
    figures = {"all": CallbackFigures(), "urgent": CallbackFigures(), "normal": CallbackFigures()}
    for priority, created_at, due_at, closed_at, attempted_at in rows:
        handled_at = attempted_at or closed_at
        hours = clock.between(created_at, handled_at) if handled_at else None
        for key in ("all", "urgent" if priority == "urgent" else "normal"):
            figures[key].add(due_at, handled_at, hours, now)
    return figures


def build_report(
    session: Session, period: Period, hours: OpeningHours, tz: ZoneInfo, now: datetime
) -> Report:
    start, end = period.bounds(tz)
    return Report(
        period=period,
        contacts=_contacts(session, start, end, tz),
        callbacks=_callbacks(session, start, end, WorkingClock(hours, tz, period.start), now),
    )
