"""The agents' queue: filters, search, order, pages, and the time left before each deadline."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.hours import OpeningHours
from bot.search_fold import folded, search_fold
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
PAGE_SIZE = 25
# A ticket due within this many working hours is "bientôt dû" (coloured in the queue).
SOON_HOURS = 4.0
_REFERENCE_LIKE = set("0123456789-")


class UnknownFilterValue(ValueError):
    """A channel or commune that the département does not know; the message is French."""


@dataclass(frozen=True)
class QueueFilters:
    topic: str = ""
    channel: str = ""
    commune: str = ""
    status: str = "active"
    assignee: str = ""  # "" anyone, "none" nobody, else a username
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(
        cls,
        args: Mapping[str, str],
        me: str,
        channels: Collection[str],
        communes: Collection[str],
    ) -> QueueFilters:
        """The filters of a query string; an unknown channel or commune is refused."""
        status = args.get("status", "active")
        assignee = args.get("assignee", "").strip()
        page = args.get("page", "1")
        return cls(
            topic=args.get("topic", "").strip(),
            channel=known(args.get("channel", ""), channels, "Canal"),
            commune=known(args.get("commune", ""), communes, "Commune"),
            status=status if status in STATUS_FILTERS else "active",
            assignee=me if assignee == "me" else assignee,
            q=args.get("q", "").strip()[:100],
            page=max(1, min(int(page), 10_000)) if page.isdigit() else 1,
        )

    @property
    def active_count(self) -> int:
        """How many filters behind the « Filtres » control are set (search and status aside)."""
        return sum(bool(v) for v in (self.topic, self.channel, self.commune, self.assignee))

    def args(self, **changes: object) -> dict[str, object]:
        """Query-string arguments of these filters with `changes` (links to pages, views)."""
        values: dict[str, object] = {
            "q": self.q,
            "status": self.status if self.status != "active" else "",
            "assignee": self.assignee,
            "topic": self.topic,
            "channel": self.channel,
            "commune": self.commune,
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value}


def known(value: str, allowed: Collection[str], what: str) -> str:
    """`value` if empty or one of `allowed`; anything else is refused, not silently ignored."""
    value = value.strip()
    if value and value not in allowed:
        raise UnknownFilterValue(f"{what} inconnu(e) : « {value[:40]} ».")
    return value


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

    @property
    def due_soon(self) -> bool:
        return self.ticket.status != TicketStatus.CLOSED and 0 <= self.hours_left < SOON_HOURS


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    urgent: int
    overdue: int
    number: int = 1  # this page's number, from 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _search(query: Select, text: str) -> Select:
    """A reference (or its beginning), a phone number in any written form, a name or a commune.

    Names and communes ignore case and accents ("lefevre" finds "Lefèvre"): bot.search_fold.
    """
    wanted = search_fold(text) or ""
    conditions = [
        folded(Ticket.citizen_name).contains(wanted, autoescape=True),
        folded(Ticket.commune).contains(wanted, autoescape=True),
    ]
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
    total, urgent, overdue = session.execute(_counts(filters, now)).one()
    number = min(filters.page, max(1, -(-total // PAGE_SIZE)))
    query = query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    tickets = session.execute(query).scalars().all()
    rows = [QueueRow(t, hours.working_hours_between(now, t.due_at), urgency_of(t)) for t in tickets]
    return QueuePage(rows, total=total, urgent=int(urgent), overdue=int(overdue), number=number)


def newest_urgent(session: Session) -> tuple[int, str | None]:
    """How many urgent tickets are waiting, and the newest one's reference (for the signal)."""
    waiting = (Ticket.priority == "urgent", Ticket.status != TicketStatus.CLOSED)
    count = session.execute(select(func.count()).where(*waiting)).scalar_one()
    newest = select(Ticket.reference).where(*waiting).order_by(Ticket.id.desc()).limit(1)
    return count, session.execute(newest).scalar_one_or_none()


def assignees(session: Session) -> list[str]:
    """Usernames holding tickets, for the « Attribuée à » filter."""
    query = select(Ticket.assignee).where(Ticket.assignee.is_not(None)).distinct()
    return sorted(a for (a,) in session.execute(query))
