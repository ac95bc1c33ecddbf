"""The audit trail: what each person did to each ticket, and the console's security events.

`ticket_events` is the ticket's history and its audit log at once: every view and every change
(claim, call attempt, resolution, transfer, note, reassignment), by whom and when. Free text an
agent typed (a note, a comment) is kept apart in `text`, so that the retention purge can empty it
with the ticket's personal data while the events themselves stay for the statistics.
`audit_log` holds what concerns no ticket: logins, lock-outs, accounts, tokens, purges, exports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Session

from bot.tickets.models import Base, JSONType, Ticket, UTCDateTime, utcnow

TICKET_EVENT_KINDS = ("view", "claim", "attempt", "resolve", "transfer", "note", "reassign")
ATTEMPT_RESULTS = ("reached", "no_answer", "voicemail", "wrong_number")
FAILED_ATTEMPT_RESULTS = ("no_answer", "voicemail", "wrong_number")


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    account = Column(String(80), nullable=False)  # a username, or "api:<token name>"
    kind = Column(String(16), nullable=False)
    detail = Column(JSONType, nullable=False, default=dict)  # codes only, no free text
    text = Column(Text)  # what the agent typed; emptied by the retention purge

    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id", "at"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
    )

    def __repr__(self) -> str:
        return f"<TicketEvent {self.ticket_id} {self.kind} {self.account}>"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    account = Column(String(80))  # None when the username given at login is unknown
    action = Column(String(32), nullable=False)
    detail = Column(JSONType, nullable=False, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)


def add_ticket_event(
    session: Session,
    ticket: Ticket,
    account: str,
    kind: str,
    detail: dict[str, Any] | None = None,
    text: str | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Add an event in the caller's session: the change and its trace commit together."""
    if kind not in TICKET_EVENT_KINDS:
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
        query = query.where(TicketEvent.kind != "view")
    return list(session.execute(query.order_by(TicketEvent.at, TicketEvent.id)).scalars())


def failed_attempts(session: Session, ticket_id: int) -> int:
    events = session.execute(
        select(TicketEvent.detail).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "attempt"
        )
    ).scalars()
    return sum(1 for detail in events if detail.get("result") in FAILED_ATTEMPT_RESULTS)


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


class AuditLog:
    """Security events (one unit of work each)."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def record(self, account: str | None, action: str, **detail: Any) -> None:
        with self._sessions() as session:
            session.add(AuditEntry(account=account, action=action, detail=detail))
            session.commit()

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        with self._sessions() as session:
            query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            return list(session.execute(query.limit(limit)).scalars())
