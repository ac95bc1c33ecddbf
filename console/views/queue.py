"""The queue page: whom to call back first, and why."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from bot.knowledge import TOPICS
from bot.tickets.models import TicketStatus, utcnow
from console.queue import STATUS_FILTERS, QueueFilters, filter_choices, queue_page
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


@blueprint.route("/")
def home() -> Any:
    return redirect(url_for("queue.index"))


@blueprint.route("/file")
@requires("agent")
def index() -> Any:
    me = signed_in_account().username
    filters = QueueFilters.from_args(request.args, me)
    context = services()
    with context.sessions() as session:
        page = queue_page(session, filters, context.hours, utcnow())
        choices = filter_choices(session)
    return render_template(
        "queue.html",
        page=page,
        filters=filters,
        topics=TOPICS,
        status_choices=STATUS_CHOICES,
        communes=context.settings.communes,
        channels=choices["channels"],
        assignees=choices["assignees"],
        me=me,
    )
