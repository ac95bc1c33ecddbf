"""One ticket: everything the assistant learned, the citizen's earlier requests, the actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets import workflow
from bot.tickets.attempts import counted_failures, earliest_next_call
from bot.tickets.history import add_ticket_event, ticket_history
from bot.tickets.models import FAILED_ATTEMPT_RESULTS, AttemptResult, EventKind, Ticket, utcnow
from bot.tickets.workflow import Actor, WorkflowError, lock_ticket
from console.labels import ATTEMPT_LABELS, OUTCOME_LABELS, RESOLUTION_LABELS, label
from console.queue import urgency_of
from console.security import requires, signed_in_account
from console.services import services

blueprint = Blueprint("tickets", __name__, url_prefix="/demandes")
# bot.conversation.TICKET_ENTITIES, as agents read them.
ENTITY_LABELS = {
    "age": "Âge cité",
    "dossier_number": "Numéro de dossier",
    "date": "Date citée",
    "commune": "Commune citée",
}
Action = Callable[[Session, Ticket, Actor, datetime], str]
# Earlier requests listed in full at the top of the page; the rest are counted.
EARLIER_SHOWN = 3
# What <input type="datetime-local"> reads and writes.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _actor() -> Actor:
    account = signed_in_account()
    return Actor(account.username, account.has_role("supervisor"))


def _fiche(ticket: Ticket) -> Any:
    knowledge = services().knowledge
    if knowledge is None:
        return None
    if ticket.fiche_id:
        return knowledge.get(ticket.fiche_id)
    return knowledge.for_intent(ticket.intent) if ticket.intent else None


@blueprint.route("/<reference>")
@requires("agent")
def show(reference: str) -> Any:
    context, actor, now = services(), _actor(), utcnow()
    with context.unit_of_work() as session:
        query = select(Ticket).where(Ticket.reference == reference)
        ticket = session.execute(query).scalar_one_or_none()
        if ticket is None:
            abort(404)
        add_ticket_event(session, ticket, actor.name, EventKind.VIEW, at=now)
        history = ticket_history(session, ticket.id)
    same_phone = context.tickets.find_by_phone(ticket.phone) if ticket.phone else []
    earlier = [t for t in same_phone if t.id != ticket.id]
    gap = timedelta(minutes=context.settings.min_minutes_between_failed_attempts)
    failed_at = [
        e.at
        for e in history
        if e.kind == EventKind.ATTEMPT and e.detail.get("result") in FAILED_ATTEMPT_RESULTS
    ]
    # « Rappeler à… » is for after this call, if it fails now.
    earliest = earliest_next_call(now, now, gap, context.hours).astimezone(
        context.settings.timezone
    )
    notes = [e for e in history if e.text]
    return render_template(
        "ticket.html",
        ticket=ticket,
        hours_left=context.hours.working_hours_between(now, ticket.due_at),
        fiche=_fiche(ticket),
        urgency=urgency_of(ticket),
        earlier=earlier[:EARLIER_SHOWN],
        earlier_count=len(earlier),
        history=history,
        last_note=notes[-1] if notes else None,
        attempts=sum(1 for e in history if e.kind == EventKind.ATTEMPT),
        failures=counted_failures(failed_at, gap),
        raw_failures=len(failed_at),
        gap_minutes=context.settings.min_minutes_between_failed_attempts,
        earliest_call=earliest.strftime(LOCAL_INPUT),
        earliest_call_text=earliest.strftime("%d/%m/%Y à %H:%M"),
        max_failures=context.settings.max_failed_attempts,
        entity_labels=ENTITY_LABELS,
        attempt_results=tuple(AttemptResult),
        attempt_labels=ATTEMPT_LABELS,
        resolutions=RESOLUTION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        services_list=context.settings.services,
        service_names={s.id: s.name for s in context.settings.services},
        assignable=[a for a in context.accounts.accounts() if a.active],
        actor=actor,
    )


def _act(reference: str, action: Action) -> Any:
    """Run one workflow action in a unit of work, then show the ticket with the outcome."""
    try:
        with services().unit_of_work() as session:
            ticket = lock_ticket(session, reference)
            if ticket is None:
                abort(404)
            message = action(session, ticket, _actor(), utcnow())
    except WorkflowError as exc:
        flash(str(exc), "error")
    else:
        flash(message, "success")
    return redirect(url_for("tickets.show", reference=reference))


@blueprint.route("/<reference>/prise-en-charge", methods=["POST"])
@requires("agent")
def claim(reference: str) -> Any:
    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        workflow.claim(session, ticket, actor, now)
        return "Vous avez pris en charge la demande."

    return _act(reference, action)


def _planned(text: str | None, tz: tzinfo) -> datetime | None:
    """The « rappeler à… » field (local date and time) as an aware moment; empty: None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_INPUT).replace(tzinfo=tz)
    except ValueError:
        raise WorkflowError("Date de rappel illisible (jj/mm/aaaa hh:mm attendu).") from None


@blueprint.route("/<reference>/appel", methods=["POST"])
@requires("agent")
def attempt(reference: str) -> Any:
    result, comment = request.form.get("result", ""), request.form.get("comment")
    settings = services().settings

    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        planned = _planned(request.form.get("next_call_at"), settings.timezone)
        closed = workflow.record_attempt(
            session, ticket, actor, result, comment, settings, now, planned
        )
        text = f"Tentative d'appel enregistrée : {label(ATTEMPT_LABELS, result).lower()}."
        if closed:
            text += (
                f" {settings.max_failed_attempts} tentatives sans succès : la demande est close "
                f"({label(OUTCOME_LABELS, ticket.outcome).lower()})."
            )
        elif ticket.next_call_at:
            when = ticket.next_call_at.astimezone(settings.timezone)
            text += f" Rappel prévu le {when.strftime('%d/%m/%Y à %H:%M')}."
        return text

    return _act(reference, action)


@blueprint.route("/<reference>/cloture", methods=["POST"])
@requires("agent")
def resolve(reference: str) -> Any:
    outcome, comment = request.form.get("outcome", ""), request.form.get("comment")

    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        workflow.resolve(session, ticket, actor, outcome, comment, now)
        return f"Demande close : {label(RESOLUTION_LABELS, outcome).lower()}."

    return _act(reference, action)


@blueprint.route("/<reference>/transfert", methods=["POST"])
@requires("agent")
def transfer(reference: str) -> Any:
    service_id, comment = request.form.get("service", ""), request.form.get("comment")
    settings = services().settings

    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        workflow.transfer(session, ticket, actor, service_id, comment, settings, now)
        name = next(s.name for s in settings.services if s.id == service_id)
        return f"Demande transférée : {name}."

    return _act(reference, action)


@blueprint.route("/<reference>/note", methods=["POST"])
@requires("agent")
def note(reference: str) -> Any:
    text = request.form.get("text", "")

    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        workflow.add_note(session, ticket, actor, text, now)
        return "Note ajoutée."

    return _act(reference, action)


@blueprint.route("/<reference>/reattribution", methods=["POST"])
@requires("supervisor")
def reassign(reference: str) -> Any:
    assignee = request.form.get("assignee", "").strip() or None
    known = {a.username for a in services().accounts.accounts() if a.active}

    def action(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> str:
        workflow.reassign(session, ticket, actor, assignee, known, now)
        return f"Demande réattribuée à {assignee}." if assignee else "Demande remise en file."

    return _act(reference, action)
