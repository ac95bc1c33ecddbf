"""Callback tickets and conversation statistics: models and their codes, references, the store.

The ticket's rules are `bot.tickets.workflow`, its history `bot.tickets.history`.
"""

from bot.tickets.models import (
    RESOLUTIONS,
    AttemptResult,
    Base,
    EventKind,
    Interaction,
    InteractionOutcome,
    Outcome,
    Ticket,
    TicketStatus,
    UTCDateTime,
)
from bot.tickets.reference import new_reference
from bot.tickets.store import TicketDraft, TicketReceipt, TicketStore, conversation_key

__all__ = [
    "RESOLUTIONS",
    "AttemptResult",
    "Base",
    "EventKind",
    "Interaction",
    "InteractionOutcome",
    "Outcome",
    "Ticket",
    "TicketDraft",
    "TicketReceipt",
    "TicketStatus",
    "TicketStore",
    "UTCDateTime",
    "conversation_key",
    "new_reference",
]
