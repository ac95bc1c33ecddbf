"""Database tables of the callback tickets and the anonymous conversation statistics.

`Base.metadata` is shared: the agents' console declares its tables on the same Base so that
Alembic sees one schema. Columns holding personal data are nullable: they are emptied by
`TicketStore.purge_personal_data` once a ticket has been closed long enough.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Float, Index, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Typed Any: SQLAlchemy 1.4 ships no types, and mypy refuses a class built at run time as a base.
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

# JSON on every backend, binary JSON where PostgreSQL offers it.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Code(str, Enum):
    """A code stored in the database and sent in JSON: it compares, hashes and prints as its value.

    The values are the strings already in the database, so no migration is needed; `str()` is
    the value on every Python version (3.12 would otherwise print "TicketStatus.OPEN").
    """

    def __str__(self) -> str:
        return str(self.value)


class TicketStatus(Code):
    OPEN = "open"  # in the queue, nobody on it
    CLAIMED = "claimed"  # an agent is on it
    CLOSED = "closed"


class Outcome(Code):
    """`Ticket.outcome` once closed; the CRM and the statistics rely on these codes."""

    ANSWERED = "answered"
    FILE_UPDATED = "file_updated"
    APPOINTMENT = "appointment"
    ORIENTED = "oriented"
    NO_NEED = "no_need"
    TRANSFERRED = "transferred"  # to a service, with `workflow.transfer`
    UNREACHABLE = "unreachable"  # closed by the workflow after too many failed attempts
    WRONG_NUMBER = "wrong_number"  # likewise, when the last attempt found a wrong number


# The outcomes an agent (or the CRM) chooses when closing a ticket; the others are set by the
# workflow itself (a transfer, too many failed attempts).
RESOLUTIONS = (
    Outcome.ANSWERED,
    Outcome.FILE_UPDATED,
    Outcome.APPOINTMENT,
    Outcome.ORIENTED,
    Outcome.NO_NEED,
)


class AttemptResult(Code):
    """How one call attempt to the citizen went."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"


FAILED_ATTEMPT_RESULTS = frozenset(
    {AttemptResult.NO_ANSWER, AttemptResult.VOICEMAIL, AttemptResult.WRONG_NUMBER}
)


class EventKind(Code):
    """The kinds of `ticket_events` rows: the ticket's history and who saw it."""

    VIEW = "view"
    CLAIM = "claim"
    ATTEMPT = "attempt"
    RESOLVE = "resolve"
    TRANSFER = "transfer"
    NOTE = "note"
    REASSIGN = "reassign"


class InteractionOutcome(Code):
    """How an anonymous conversation ended (`Interaction.outcome`), in increasing rank."""

    IN_PROGRESS = "in_progress"
    ABANDONED = "abandoned"
    ANSWERED = "answered"
    ORIENTED = "oriented"
    CALLBACK = "callback"


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; read back as aware UTC datetimes on every backend.

    SQLite keeps no offset, so values are stored as naive UTC there; naive values are refused
    on the way in because their zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Ticket(Base):
    """A callback request: who to call, when, about what, and how it ended."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    reference = Column(String(32), nullable=False, unique=True)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    channel = Column(String(16), nullable=False)
    topic = Column(String(32))
    intent = Column(String(64))
    confidence = Column(Float)
    fiche_id = Column(String(64))
    entities = Column(JSONType, nullable=False, default=dict)
    citizen_name = Column(String(80))
    phone = Column(String(16))  # E.164
    commune = Column(String(64))
    callback_slot_start = Column(UTCDateTime)
    callback_slot_end = Column(UTCDateTime)
    callback_slot_label = Column(String(80))
    consent_at = Column(UTCDateTime)
    reason = Column(Text)
    # [{"speaker": "citoyen" | "assistant", "text": ..., "at": ISO 8601}, ...]
    transcript = Column(JSONType, nullable=False, default=list)
    priority = Column(String(8), nullable=False, default="normal")
    due_at = Column(UTCDateTime, nullable=False)
    status = Column(String(16), nullable=False, default=TicketStatus.OPEN.value)
    assignee = Column(String(64))
    outcome = Column(Text)
    closed_at = Column(UTCDateTime)
    # « Rappeler à… »: when the agent plans the next call after a failed attempt.
    next_call_at = Column(UTCDateTime)
    personal_data_purged_at = Column(UTCDateTime)

    __table_args__ = (
        # The agents' queue: open tickets, urgent first, earliest deadline first.
        Index("ix_tickets_queue", "status", "priority", "due_at"),
        Index("ix_tickets_phone", "phone"),
        Index("ix_tickets_closed_at", "closed_at"),
    )

    def __repr__(self) -> str:  # no personal data in logs
        return f"<Ticket {self.reference} {self.status} {self.priority}>"


class Interaction(Base):
    """One conversation, anonymous: what it was about and how it ended (for statistics)."""

    __tablename__ = "interactions"

    id = Column(Integer, primary_key=True)
    conversation_key = Column(String(64), nullable=False, unique=True)  # sha256 of sender id
    channel = Column(String(16), nullable=False)
    topic = Column(String(32))
    intent = Column(String(64))
    fiche_id = Column(String(64))
    outcome = Column(String(16), nullable=False, default=InteractionOutcome.IN_PROGRESS.value)
    commune = Column(String(64))
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    turns = Column(Integer, nullable=False, default=0)
    ticket_reference = Column(String(32))

    __table_args__ = (Index("ix_interactions_started_at", "started_at"),)

    def __repr__(self) -> str:
        return f"<Interaction {self.conversation_key[:8]} {self.outcome} {self.turns}>"
