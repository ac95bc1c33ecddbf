"""What agents (and the CRM) do to a ticket, with its rules; each change writes its event.

The caller opens the unit of work and loads the ticket with `lock_ticket`; every function here
changes the ticket and adds its `ticket_events` row in that same session, so a change never
lands without its trace. Rules:
- an open ticket is claimed by whoever acts on it first;
- a ticket claimed by someone else can be worked on only by a supervisor (or the CRM);
- after Settings.max_failed_attempts failed call attempts the ticket closes as unreachable
  (or as a wrong number when that was the last result); failed attempts closer together than
  Settings.min_minutes_between_failed_attempts count as one (bot.tickets.attempts);
- a failed attempt plans the next call (« rappeler à… »), no sooner than that gap;
- a transfer to a service closes the ticket for the contact centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.hours import OpeningHours
from bot.settings import Settings
from bot.tickets.attempts import (
    PlanningError,
    check_planned_call,
    counted_failures,
    earliest_next_call,
)
from bot.tickets.history import add_ticket_event, failed_attempt_times
from bot.tickets.models import (
    FAILED_ATTEMPT_RESULTS,
    RESOLUTIONS,
    AttemptResult,
    EventKind,
    Outcome,
    Ticket,
    TicketStatus,
)

MAX_TEXT = 2000
_ATTEMPT_RESULTS = tuple(AttemptResult)  # `"x" in AttemptResult` raises before Python 3.12


class WorkflowError(ValueError):
    """An action the rules refuse; the message is French (shown to the agent or the CRM)."""


@dataclass(frozen=True)
class Actor:
    name: str  # username, or "api:<token name>"
    may_override: bool  # supervisors and the CRM may act on someone else's ticket


def lock_ticket(session: Session, reference: str) -> Ticket | None:
    query = select(Ticket).where(Ticket.reference == reference).with_for_update()
    return session.execute(query).scalar_one_or_none()


def _clean_text(text: str | None, required: bool = False) -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise WorkflowError("Le texte est vide.")
    if len(text) > MAX_TEXT:
        raise WorkflowError(f"Texte trop long ({len(text)} caractères, {MAX_TEXT} au plus).")
    return text or None


def _check_open(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise WorkflowError(f"La demande {ticket.reference} est déjà close.")


def _take(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> None:
    """Claim an open ticket for the actor; refuse someone else's unless allowed."""
    _check_open(ticket)
    if ticket.status == TicketStatus.CLAIMED and ticket.assignee != actor.name:
        if not actor.may_override:
            raise WorkflowError(f"La demande est prise en charge par {ticket.assignee}.")
        return
    if ticket.status == TicketStatus.OPEN and not actor.name.startswith("api:"):
        ticket.status, ticket.assignee = TicketStatus.CLAIMED, actor.name
        ticket.updated_at = now
        add_ticket_event(session, ticket, actor.name, EventKind.CLAIM, at=now)


def _close(ticket: Ticket, outcome: Outcome, now: datetime) -> None:
    ticket.status, ticket.outcome = TicketStatus.CLOSED, outcome
    ticket.closed_at = ticket.updated_at = now
    ticket.next_call_at = None


def claim(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> None:
    _check_open(ticket)
    if ticket.status == TicketStatus.CLAIMED:
        who = "vous" if ticket.assignee == actor.name else ticket.assignee
        raise WorkflowError(f"La demande est déjà prise en charge par {who}.")
    _take(session, ticket, actor, now)


def _plan_next_call(
    planned: datetime | None, settings: Settings, now: datetime
) -> tuple[datetime, timedelta]:
    """The next call after a failure now: `planned` if the rules allow it, else the earliest."""
    gap = timedelta(minutes=settings.min_minutes_between_failed_attempts)
    earliest = earliest_next_call(now, now, gap, OpeningHours(settings))
    try:
        return (check_planned_call(planned, earliest) if planned else earliest), gap
    except PlanningError as exc:
        raise WorkflowError(str(exc)) from exc


def record_attempt(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    result: AttemptResult | str,
    comment: str | None,
    settings: Settings,
    now: datetime,
    next_call_at: datetime | None = None,
) -> bool:
    """Record a call attempt; return True when it closed the ticket (too many failures).

    A failure plans the next call (`next_call_at`, or the earliest allowed) and counts towards
    closing only when far enough from the previous counted failure.
    """
    if result not in _ATTEMPT_RESULTS:
        raise WorkflowError("Résultat d'appel inconnu.")
    result = AttemptResult(result)
    comment = _clean_text(comment)
    if result not in FAILED_ATTEMPT_RESULTS:
        _take(session, ticket, actor, now)
        add_ticket_event(
            session, ticket, actor.name, EventKind.ATTEMPT, {"result": result}, comment, now
        )
        ticket.updated_at, ticket.next_call_at = now, None
        return False
    planned, gap = _plan_next_call(next_call_at, settings, now)
    _take(session, ticket, actor, now)
    failures = counted_failures([*failed_attempt_times(session, ticket.id), now], gap)
    detail = {"result": result, "next_call_at": planned.astimezone(timezone.utc).isoformat()}
    add_ticket_event(session, ticket, actor.name, EventKind.ATTEMPT, detail, comment, now)
    ticket.updated_at, ticket.next_call_at = now, planned
    if failures < settings.max_failed_attempts:
        return False
    wrong = result == AttemptResult.WRONG_NUMBER
    outcome = Outcome.WRONG_NUMBER if wrong else Outcome.UNREACHABLE
    _close(ticket, outcome, now)
    closing = {"outcome": outcome, "failed_attempts": failures, "automatic": True}
    add_ticket_event(session, ticket, actor.name, EventKind.RESOLVE, closing, at=now)
    return True


def resolve(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    outcome: Outcome | str,
    comment: str | None,
    now: datetime,
) -> None:
    """Close the ticket with an outcome an agent or the CRM chose (one of RESOLUTIONS)."""
    if outcome not in RESOLUTIONS:
        raise WorkflowError("Issue inconnue.")
    outcome = Outcome(outcome)
    comment = _clean_text(comment)
    _take(session, ticket, actor, now)
    _close(ticket, outcome, now)
    detail = {"outcome": outcome}
    add_ticket_event(session, ticket, actor.name, EventKind.RESOLVE, detail, comment, now)


def transfer(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    service_id: str,
    comment: str | None,
    settings: Settings,
    now: datetime,
) -> None:
    service = next((s for s in settings.services if s.id == service_id), None)
    if service is None:
        raise WorkflowError("Service inconnu.")
    comment = _clean_text(comment)
    _take(session, ticket, actor, now)
    _close(ticket, Outcome.TRANSFERRED, now)
    detail = {"service": service.id}
    add_ticket_event(session, ticket, actor.name, EventKind.TRANSFER, detail, comment, now)


def add_note(session: Session, ticket: Ticket, actor: Actor, text: str, now: datetime) -> None:
    """A note is allowed on any ticket, closed ones included (a citizen calls back later)."""
    typed = _clean_text(text, True)
    add_ticket_event(session, ticket, actor.name, EventKind.NOTE, text=typed, at=now)
    ticket.updated_at = now


def reassign(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    assignee: str | None,
    known_usernames: set[str],
    now: datetime,
) -> None:
    """Give the ticket to another agent, or back to the queue (`assignee` None)."""
    _check_open(ticket)
    if not actor.may_override:
        raise WorkflowError("La réattribution est réservée aux superviseurs.")
    if assignee is not None and assignee not in known_usernames:
        raise WorkflowError("Agent inconnu ou désactivé.")
    detail = {"from": ticket.assignee, "to": assignee}
    ticket.assignee = assignee
    ticket.status = TicketStatus.CLAIMED if assignee else TicketStatus.OPEN
    ticket.updated_at = now
    add_ticket_event(session, ticket, actor.name, EventKind.REASSIGN, detail, at=now)
