"""Tables of the information team: answers given (and their rating), inbox items, NLU exports.

Declared on the tickets' Base so that Alembic sees one schema (migration 0005_inbox).
Nothing here identifies a citizen: no sender id, texts masked before storage (masking.py).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Text

from bot.tickets.models import Base, JSONType, UTCDateTime, utcnow

REASONS = ("fallback", "clarification", "out_of_scope", "feedback_no", "callback_after_answer")
STATUSES = ("new", "qualified", "ignored")
# What a qualification says the message was.
KINDS = ("intent", "fiche", "hors_sujet", "ignorer")


class AnswerRecord(Base):
    """One fiche answer shown in the chat, and the citizen's rating of it when they gave one.

    The widget knows the answer only by `token` (random, unguessable): nothing links the
    rating to a conversation."""

    __tablename__ = "answers"

    id = Column(Integer, primary_key=True)
    token = Column(String(43), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    channel = Column(String(16), nullable=False)
    fiche_id = Column(String(64), nullable=False)
    topic = Column(String(32))
    intent = Column(String(64))
    confidence = Column(Float)
    question = Column(Text)  # masked; emptied after the retention period
    context = Column(JSONType, nullable=False, default=list)
    helpful = Column(Boolean)
    comment = Column(Text)  # masked
    rated_at = Column(UTCDateTime)

    __table_args__ = (Index("ix_answers_created_at", "created_at"),)


class NluExport(Base):
    """One `triage nlu export`: the reviewed file written in nlu_data/."""

    __tablename__ = "nlu_exports"

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    path = Column(String(255), nullable=False)
    examples = Column(Integer, nullable=False)
    exported_by = Column(String(64))


class InboxItem(Base):
    """A message the assistant did not handle well, masked, waiting for an officer."""

    __tablename__ = "inbox_items"

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    reason = Column(String(32), nullable=False)
    channel = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)  # masked
    group_key = Column(String(200), nullable=False)
    intent = Column(String(64))
    confidence = Column(Float)
    fiche_id = Column(String(64))
    # [{"speaker": "citoyen" | "assistant", "text": masked}, ...] around the message
    context = Column(JSONType, nullable=False, default=list)
    status = Column(String(16), nullable=False, default="new")
    kind = Column(String(16))
    target = Column(String(120))  # the intent, fiche id or orientation entry chosen
    qualified_by = Column(String(64))
    qualified_at = Column(UTCDateTime)
    export_id = Column(Integer, ForeignKey("nlu_exports.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_inbox_items_status_group", "status", "group_key"),
        Index("ix_inbox_items_created_at", "created_at"),
    )

    def __repr__(self) -> str:  # no text in logs
        return f"<InboxItem {self.id} {self.reason} {self.status}>"
