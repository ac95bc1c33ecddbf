"""Callback tickets and conversation statistics: models, references, the idempotent store."""

from bot.tickets.models import Base, Interaction, Ticket, UTCDateTime
from bot.tickets.reference import new_reference
from bot.tickets.store import TicketDraft, TicketReceipt, TicketStore, conversation_key

__all__ = [
    "Base",
    "Interaction",
    "Ticket",
    "TicketDraft",
    "TicketReceipt",
    "TicketStore",
    "UTCDateTime",
    "conversation_key",
    "new_reference",
]
