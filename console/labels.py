"""French labels of the codes stored in the database (what agents read), keyed by the enums."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.knowledge import TOPIC_LABELS
from bot.tickets.models import (
    RESOLUTIONS,
    AttemptResult,
    EventKind,
    InteractionOutcome,
    Outcome,
    TicketStatus,
)

CHANNEL_LABELS = {"phone": "Téléphone", "web": "Site web"}  # actions.tracker.channel_of
STATUS_LABELS = {
    TicketStatus.OPEN: "Nouveau",
    TicketStatus.CLAIMED: "Pris en charge",
    TicketStatus.CLOSED: "Clos",
}
PRIORITY_LABELS = {"urgent": "Urgent", "normal": "Normal"}
ATTEMPT_LABELS = {
    AttemptResult.REACHED: "Joint",
    AttemptResult.NO_ANSWER: "Pas de réponse",
    AttemptResult.VOICEMAIL: "Messagerie",
    AttemptResult.WRONG_NUMBER: "Faux numéro",
}
OUTCOME_LABELS = {
    Outcome.ANSWERED: "Réponse apportée",
    Outcome.FILE_UPDATED: "Dossier traité ou régularisé",
    Outcome.APPOINTMENT: "Rendez-vous fixé",
    Outcome.ORIENTED: "Orienté vers un autre organisme",
    Outcome.NO_NEED: "Demande sans objet",
    Outcome.TRANSFERRED: "Transféré à un service",
    Outcome.UNREACHABLE: "Injoignable",
    Outcome.WRONG_NUMBER: "Numéro erroné",
}
# What an agent chooses from when closing a ticket, in this order.
RESOLUTION_LABELS = {outcome: OUTCOME_LABELS[outcome] for outcome in RESOLUTIONS}
EVENT_LABELS = {
    EventKind.VIEW: "Consultation",
    EventKind.CLAIM: "Prise en charge",
    EventKind.ATTEMPT: "Tentative d'appel",
    EventKind.RESOLVE: "Clôture",
    EventKind.TRANSFER: "Transfert",
    EventKind.NOTE: "Note",
    EventKind.REASSIGN: "Réattribution",
}
INTERACTION_OUTCOME_LABELS = {
    InteractionOutcome.IN_PROGRESS: "En cours ou interrompue",
    InteractionOutcome.ABANDONED: "Abandonnée",
    InteractionOutcome.ANSWERED: "Réponse de l'assistant",
    InteractionOutcome.ORIENTED: "Orientation par l'assistant",
    InteractionOutcome.CALLBACK: "Demande de rappel",
}
ROLE_LABELS = {
    "agent": "Agent",
    "supervisor": "Superviseur",
    "admin": "Administrateur",
    "information": "Chargé d'information",
}
NO_TOPIC = "Sans thème"


def label(table: Mapping[Any, str], code: str | None, empty: str = "—") -> str:
    """The French label of a code; an unknown code is shown as it is rather than hidden."""
    if not code:
        return empty
    return table.get(code, code)


def topic_label(code: str | None) -> str:
    return label(TOPIC_LABELS, code, NO_TOPIC)


def channel_label(code: str | None) -> str:
    return label(CHANNEL_LABELS, code)


def hours_fr(hours: float) -> str:
    """ "3 h 20", "45 min", "52 h": working hours are counted in hours, never in days."""
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h == 0:
        return f"{m} min"
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def minutes_fr(minutes: int) -> str:
    """A gap in minutes as agents say it: "2 h", "1 h 30", "45 min"."""
    return hours_fr(minutes / 60)
