"""The queue page: whom to call back first, and why; a small status for the auto-refresh."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from bot.knowledge import TOPICS
from bot.tickets.models import TicketStatus, utcnow
from console.labels import CHANNEL_LABELS
from console.queue import (
    STATUS_FILTERS,
    QueueFilters,
    UnknownFilterValue,
    assignees,
    newest_urgent,
    queue_page,
)
from console.security import requires, signed_in_account
from console.services import services

blueprint = Blueprint("queue", __name__)
STATUS_CHOICES = {
    "active": "À traiter (nouveaux et pris en charge)",
    TicketStatus.OPEN: "Nouveaux",
    TicketStatus.CLAIMED: "Pris en charge",
    TicketStatus.CLOSED: "Clos",
    "all": "Tous",
}
assert set(STATUS_CHOICES) == set(STATUS_FILTERS)
# Seconds between two checks of the queue by the page (app.config overrides it in tests).
REFRESH_SECONDS = 60


def _filters() -> QueueFilters:
    settings = services().settings
    try:
        return QueueFilters.from_args(
            request.args, signed_in_account().username, CHANNEL_LABELS, settings.communes
        )
    except UnknownFilterValue as exc:
        abort(400, description=str(exc))


@blueprint.route("/")
def home() -> Any:
    if not signed_in_account().has_role("agent"):
        return redirect(url_for("inbox.index"))
    return redirect(url_for("queue.index"))


@blueprint.route("/file")
@requires("agent")
def index() -> Any:
    filters = _filters()
    context = services()
    with context.sessions() as session:
        page = queue_page(session, filters, context.hours, utcnow())
        holders = assignees(session)
        urgent_count, newest = newest_urgent(session)
    return render_template(
        "queue.html",
        page=page,
        filters=filters,
        topics=TOPICS,
        status_choices=STATUS_CHOICES,
        communes=context.settings.communes,
        channels=list(CHANNEL_LABELS),
        assignees=holders,
        me=signed_in_account().username,
        urgent_count=urgent_count,
        newest_urgent=newest or "",
        refresh_seconds=current_app.config.get("QUEUE_REFRESH_SECONDS", REFRESH_SECONDS),
    )


@blueprint.route("/file/etat")
@requires("agent")
def status() -> Any:
    """What the open queue page polls: urgent tickets waiting, the newest one's reference."""
    with services().sessions() as session:
        count, newest = newest_urgent(session)
    return jsonify({"urgent": count, "newest_urgent": newest})
