"""French labels of the codes stored in the database (what agents read)."""

from __future__ import annotations

from bot.knowledge import TOPIC_LABELS

CHANNEL_LABELS = {"phone": "Téléphone", "web": "Site web"}  # actions.tracker.channel_of
STATUS_LABELS = {"open": "Nouveau", "claimed": "Pris en charge", "closed": "Clos"}
PRIORITY_LABELS = {"urgent": "Urgent", "normal": "Normal"}
ATTEMPT_LABELS = {
    "reached": "Joint",
    "no_answer": "Pas de réponse",
    "voicemail": "Messagerie",
    "wrong_number": "Faux numéro",
}
# Ticket.outcome once closed: codes, so that statistics and the CRM can rely on them.
RESOLUTION_LABELS = {
    "answered": "Réponse apportée",
    "file_updated": "Dossier traité ou régularisé",
    "appointment": "Rendez-vous fixé",
    "oriented": "Orienté vers un autre organisme",
    "no_need": "Demande sans objet",
}
OUTCOME_LABELS = {
    **RESOLUTION_LABELS,
    "transferred": "Transféré à un service",
    "unreachable": "Injoignable",
    "wrong_number": "Numéro erroné",
}
EVENT_LABELS = {
    "view": "Consultation",
    "claim": "Prise en charge",
    "attempt": "Tentative d'appel",
    "resolve": "Clôture",
    "transfer": "Transfert",
    "note": "Note",
    "reassign": "Réattribution",
}
INTERACTION_OUTCOME_LABELS = {
    "in_progress": "En cours ou interrompue",
    "abandoned": "Abandonnée",
    "answered": "Réponse de l'assistant",
    "oriented": "Orientation par l'assistant",
    "callback": "Demande de rappel",
}
ROLE_LABELS = {"agent": "Agent", "supervisor": "Superviseur", "admin": "Administrateur"}
NO_TOPIC = "Sans thème"


def label(table: dict[str, str], code: str | None, empty: str = "—") -> str:
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
