"""The agents' queue: filters, search, order, and the time left before each deadline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.hours import OpeningHours
from bot.tickets.models import Ticket, TicketStatus
from bot.urgency import urgency_reasons
from bot.validators import normalise_phone

STATUS_FILTERS = {
    "active": (TicketStatus.OPEN, TicketStatus.CLAIMED),
    TicketStatus.OPEN: (TicketStatus.OPEN,),
    TicketStatus.CLAIMED: (TicketStatus.CLAIMED,),
    TicketStatus.CLOSED: (TicketStatus.CLOSED,),
    "all": tuple(TicketStatus),
}
NO_TOPIC = "none"
NO_ASSIGNEE = "none"
MAX_ROWS = 300
_REFERENCE_LIKE = set("0123456789-")


@dataclass(frozen=True)
class QueueFilters:
    topic: str = ""
    channel: str = ""
    commune: str = ""
    status: str = "active"
    assignee: str = ""  # "" anyone, "none" nobody, else a username
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], me: str) -> QueueFilters:
        status = args.get("status", "active")
        assignee = args.get("assignee", "").strip()
        return cls(
            topic=args.get("topic", "").strip(),
            channel=args.get("channel", "").strip(),
            commune=args.get("commune", "").strip(),
            status=status if status in STATUS_FILTERS else "active",
            assignee=me if assignee == "me" else assignee,
            q=args.get("q", "").strip()[:100],
        )


def urgency_of(ticket: Ticket) -> list[str]:
    """Why an urgent ticket is urgent, in French (the core's rules, rerun on the transcript)."""
    if ticket.priority != "urgent":
        return []
    said = [t.get("text", "") for t in ticket.transcript or [] if t.get("speaker") == "citoyen"]
    return urgency_reasons(said) or ["situation urgente signalée"]


@dataclass
class QueueRow:
    ticket: Ticket
    hours_left: float  # working hours until the deadline; negative once overdue
    urgency: list[str]

    @property
    def overdue(self) -> bool:
        return self.ticket.status != TicketStatus.CLOSED and self.hours_left < 0


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    urgent: int
    overdue: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _search(query: Select, text: str) -> Select:
    """A reference (or its beginning), a phone number in any written form, or a name."""
    conditions = [func.lower(Ticket.citizen_name).contains(text.lower(), autoescape=True)]
    if set(text) <= _REFERENCE_LIKE:
        conditions.append(Ticket.reference.startswith(text, autoescape=True))
    phone = normalise_phone(text)
    if phone:
        conditions.append(Ticket.phone == phone)
    return query.where(or_(*conditions))


def _filtered(filters: QueueFilters) -> Select:
    query = select(Ticket).where(Ticket.status.in_(STATUS_FILTERS[filters.status]))
    if filters.topic == NO_TOPIC:
        query = query.where(Ticket.topic.is_(None))
    elif filters.topic:
        query = query.where(Ticket.topic == filters.topic)
    if filters.channel:
        query = query.where(Ticket.channel == filters.channel)
    if filters.commune:
        query = query.where(Ticket.commune == filters.commune)
    if filters.assignee == NO_ASSIGNEE:
        query = query.where(Ticket.assignee.is_(None))
    elif filters.assignee:
        query = query.where(Ticket.assignee == filters.assignee)
    if filters.q:
        query = _search(query, filters.q)
    return query


def priority_order() -> object:
    return case((Ticket.priority == "urgent", 0), else_=1)


def _counts(filters: QueueFilters, now: datetime) -> Select:
    """Total, urgent and overdue among the filtered tickets (all of them, not just a page)."""
    sub = _filtered(filters).subquery()
    active = sub.c.status != TicketStatus.CLOSED
    return select(
        func.count(),
        func.coalesce(func.sum(case(((sub.c.priority == "urgent") & active, 1), else_=0)), 0),
        func.coalesce(func.sum(case(((sub.c.due_at < now) & active, 1), else_=0)), 0),
    ).select_from(sub)


def queue_page(
    session: Session, filters: QueueFilters, hours: OpeningHours, now: datetime
) -> QueuePage:
    """Urgent first, then the earliest deadline; closed tickets: the latest closed first."""
    query = _filtered(filters)
    if filters.status == TicketStatus.CLOSED:
        query = query.order_by(Ticket.closed_at.desc(), Ticket.id.desc())
    else:
        query = query.order_by(priority_order(), Ticket.due_at, Ticket.id)
    tickets = session.execute(query.limit(MAX_ROWS)).scalars().all()
    total, urgent, overdue = session.execute(_counts(filters, now)).one()
    rows = [QueueRow(t, hours.working_hours_between(now, t.due_at), urgency_of(t)) for t in tickets]
    return QueuePage(rows=rows, total=total, urgent=int(urgent), overdue=int(overdue))


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Values present in the database, for the filter lists (channels, assignees)."""
    channels = session.execute(select(Ticket.channel).distinct().order_by(Ticket.channel))
    assignees = session.execute(
        select(Ticket.assignee).where(Ticket.assignee.is_not(None)).distinct()
    )
    return {
        "channels": [c for (c,) in channels],
        "assignees": sorted(a for (a,) in assignees),
    }
