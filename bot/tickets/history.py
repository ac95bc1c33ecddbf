"""The ticket's history: what each person did to each ticket, and when.

`ticket_events` is the ticket's history and its audit trail at once: every view and every change
(claim, call attempt, resolution, transfer, note, reassignment), by whom and when. Free text an
agent typed (a note, a comment) is kept apart in `text`, so that the retention purge can empty it
with the ticket's personal data while the events themselves stay for the statistics.
The console's security log (logins, accounts, tokens, exports) is `console.audit`, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Session

from bot.tickets.models import (
    FAILED_ATTEMPT_RESULTS,
    Base,
    EventKind,
    JSONType,
    Ticket,
    UTCDateTime,
    utcnow,
)

_KINDS = tuple(EventKind)  # `"x" in EventKind` raises TypeError before Python 3.12


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    account = Column(String(80), nullable=False)  # a username, or "api:<token name>"
    kind = Column(String(16), nullable=False)  # an EventKind
    detail = Column(JSONType, nullable=False, default=dict)  # codes only, no free text
    text = Column(Text)  # what the agent typed; emptied by the retention purge

    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id", "at"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
    )

    def __repr__(self) -> str:
        return f"<TicketEvent {self.ticket_id} {self.kind} {self.account}>"


def add_ticket_event(
    session: Session,
    ticket: Ticket,
    account: str,
    kind: EventKind,
    detail: dict[str, Any] | None = None,
    text: str | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Add an event in the caller's session: the change and its trace commit together."""
    if kind not in _KINDS:
        raise ValueError(f"unknown ticket event kind {kind!r}")
    event = TicketEvent(
        ticket_id=ticket.id,
        at=at or utcnow(),
        account=account,
        kind=kind,
        detail=detail or {},
        text=text or None,
    )
    session.add(event)
    return event


def ticket_history(session: Session, ticket_id: int, with_views: bool = False) -> list[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if not with_views:
        query = query.where(TicketEvent.kind != EventKind.VIEW)
    return list(session.execute(query.order_by(TicketEvent.at, TicketEvent.id)).scalars())


def failed_attempt_times(session: Session, ticket_id: int) -> list[datetime]:
    """When the ticket's failed call attempts were made (bot.tickets.attempts counts them)."""
    rows = session.execute(
        select(TicketEvent.at, TicketEvent.detail).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.ATTEMPT
        )
    )
    return [at for at, detail in rows if detail.get("result") in FAILED_ATTEMPT_RESULTS]


def purge_event_texts(session: Session) -> int:
    """Empty the typed texts of tickets whose personal data were purged; return how many."""
    purged = select(Ticket.id).where(Ticket.personal_data_purged_at.is_not(None))
    result = session.execute(
        update(TicketEvent)
        .where(TicketEvent.text.is_not(None), TicketEvent.ticket_id.in_(purged))
        .values(text=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
