"""JSON API for the département's CRM: read tickets, push outcomes (bearer token only).

The session cookie grants nothing here except the API description, so no request can be forged
from a browser (no CSRF token needed); a token is checked on every request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.inbox.models import STATUSES as INBOX_STATUSES
from bot.inbox.store import InboxStore
from bot.tickets import workflow
from bot.tickets.history import add_ticket_event, ticket_history
from bot.tickets.models import EventKind, Outcome, Ticket, TicketStatus, utcnow
from bot.tickets.workflow import Actor, WorkflowError, lock_ticket
from console.labels import CHANNEL_LABELS
from console.openapi import spec
from console.queue import UnknownFilterValue, known
from console.security import session_account
from console.services import services

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
DOC_ENDPOINTS = frozenset({"api.openapi", "api.documentation"})
MAX_LIMIT = 500
MAX_ID = 2**63 - 1  # ids are BIGINT-sized at most: a larger number is a bad request
_STATUSES = tuple(TicketStatus)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "due_at": _iso(ticket.due_at),
        "closed_at": _iso(ticket.closed_at),
        "channel": ticket.channel,
        "topic": ticket.topic,
        "intent": ticket.intent,
        "citizen_name": ticket.citizen_name,
        "phone": ticket.phone,
        "commune": ticket.commune,
        "assignee": ticket.assignee,
        "outcome": ticket.outcome,
        "personal_data_purged": ticket.personal_data_purged_at is not None,
    }


def _detail(session: Session, ticket: Ticket) -> dict[str, Any]:
    earlier = []
    if ticket.phone:
        earlier = session.execute(
            select(Ticket.reference)
            .where(Ticket.phone == ticket.phone, Ticket.id != ticket.id)
            .order_by(Ticket.created_at.desc())
        ).scalars()
    slot = None
    if ticket.callback_slot_start:
        slot = {
            "start": _iso(ticket.callback_slot_start),
            "end": _iso(ticket.callback_slot_end),
            "label": ticket.callback_slot_label,
        }
    return {
        **_summary(ticket),
        "confidence": ticket.confidence,
        "fiche_id": ticket.fiche_id,
        "reason": ticket.reason,
        "entities": ticket.entities or {},
        "callback_slot": slot,
        "transcript": ticket.transcript or [],
        "earlier_references": list(earlier),
        "events": [
            {
                "at": _iso(event.at),
                "account": event.account,
                "kind": event.kind,
                "detail": event.detail,
                "text": event.text,
            }
            for event in ticket_history(session, ticket.id)
        ],
    }


def _error(code: int, detail: str) -> Any:
    return jsonify({"error": code, "detail": detail}), code


@blueprint.before_request
def _authenticate() -> Any:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    row = services().accounts.verify_token(token, utcnow()) if token else None
    if row is not None:
        scope = "read" if request.method in ("GET", "HEAD") else "write"
        if request.endpoint == "api.list_inbox":
            scope = "inbox"  # masked messages for the information team, not the CRM's tickets
        if not row.allows(scope):
            response, code = _error(403, f"Ce jeton n'a pas la portée « {scope} ».")
            response.headers["WWW-Authenticate"] = (
                f'Bearer realm="triage", error="insufficient_scope", scope="{scope}"'
            )
            return response, code
        g.api_actor = Actor(f"api:{row.name}", may_override=True)
        return None
    if request.endpoint in DOC_ENDPOINTS:
        g.account = session_account()  # the documentation page shows who is logged in
        if g.account is not None:
            return None
    response, code = _error(401, "Jeton d'API absent, inconnu, expiré ou révoqué.")
    response.headers["WWW-Authenticate"] = 'Bearer realm="triage"'
    return response, code


@blueprint.route("/openapi.json")
def openapi() -> Any:
    return jsonify(spec(services().settings.name))


@blueprint.route("/documentation")
def documentation() -> Any:
    return render_template("api_doc.html", spec=spec(services().settings.name))


@blueprint.route("/tickets")
def list_tickets() -> Any:
    query = select(Ticket).order_by(Ticket.id)
    status = request.args.get("status")
    if status:
        if status not in _STATUSES:
            return _error(400, "status : open, claimed ou closed.")
        query = query.where(Ticket.status == status)
    settings = services().settings
    try:
        channel = known(request.args.get("channel", ""), CHANNEL_LABELS, "Canal")
        commune = known(request.args.get("commune", ""), settings.communes, "Commune")
    except UnknownFilterValue as exc:
        return _error(400, str(exc))
    if channel:
        query = query.where(Ticket.channel == channel)
    if commune:
        query = query.where(Ticket.commune == commune)
    try:
        limit = min(int(request.args.get("limit", 100)), MAX_LIMIT)
        after_id = int(request.args.get("after_id", 0))
        since = request.args.get("updated_since")
        if since:
            moment = datetime.fromisoformat(since)
            if moment.tzinfo is None:
                raise ValueError
            query = query.where(Ticket.updated_at >= moment)
    except ValueError:
        return _error(400, "limit, after_id (entiers) ou updated_since (ISO 8601 avec fuseau).")
    if limit < 1:
        return _error(400, "limit doit être positif.")
    if not 0 <= after_id <= MAX_ID:
        return _error(400, f"after_id doit être compris entre 0 et {MAX_ID}.")
    with services().sessions() as session:
        rows = session.execute(query.where(Ticket.id > after_id).limit(limit + 1)).scalars().all()
    items = [_summary(t) for t in rows[:limit]]
    next_after = items[-1]["id"] if len(rows) > limit else None
    return jsonify({"items": items, "next_after_id": next_after})


@blueprint.route("/tickets/<reference>")
def get_ticket(reference: str) -> Any:
    with services().unit_of_work() as session:
        ticket = session.execute(
            select(Ticket).where(Ticket.reference == reference)
        ).scalar_one_or_none()
        if ticket is None:
            return _error(404, "Demande inconnue.")
        add_ticket_event(session, ticket, g.api_actor.name, EventKind.VIEW)
        return jsonify(_detail(session, ticket))


def _apply_outcome(session: Session, ticket: Ticket, body: dict[str, Any]) -> None:
    outcome, comment, now = body.get("outcome"), body.get("comment"), utcnow()
    if comment is not None and not isinstance(comment, str):
        raise WorkflowError("comment doit être une chaîne.")
    if outcome == Outcome.TRANSFERRED:
        service = body.get("service")
        if not isinstance(service, str):
            raise WorkflowError("service est obligatoire pour un transfert.")
        settings = services().settings
        workflow.transfer(session, ticket, g.api_actor, service, comment, settings, now)
    elif isinstance(outcome, str):
        workflow.resolve(session, ticket, g.api_actor, outcome, comment, now)
    else:
        raise WorkflowError("outcome est obligatoire.")


@blueprint.route("/tickets/<reference>/outcome", methods=["POST"])
def push_outcome(reference: str) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, 'Corps JSON attendu : {"outcome": …, "comment": …}.')
    try:
        with services().unit_of_work() as session:
            ticket = lock_ticket(session, reference)
            if ticket is None:
                return _error(404, "Demande inconnue.")
            if ticket.status == TicketStatus.CLOSED:
                return _error(409, f"La demande {reference} est déjà close.")
            _apply_outcome(session, ticket, body)
            session.flush()
            return jsonify(_detail(session, ticket))
    except WorkflowError as exc:
        return _error(400, str(exc))


@blueprint.route("/inbox")
def list_inbox() -> Any:
    """Groups of similar inbox messages (masked), most frequent first, with their status."""
    status = request.args.get("status", "new")
    if status not in INBOX_STATUSES:
        return _error(400, "status : new, qualified ou ignored.")
    try:
        limit = min(int(request.args.get("limit", 100)), MAX_LIMIT)
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return _error(400, "limit et offset sont des entiers.")
    if limit < 1 or offset < 0:
        return _error(400, "limit doit être positif, offset positif ou nul.")
    groups, total = InboxStore(services().engine).groups(status, "frequent", limit, offset)
    items = [
        {
            "text": group.text,
            "count": group.count,
            "intent": group.intent,
            "confidence": group.confidence,
            "reasons": list(group.reasons),
            "status": status,
            "newest": _iso(group.newest),
        }
        for group in groups
    ]
    return jsonify({"items": items, "total": total})
