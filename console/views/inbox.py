"""The information team's inbox: what the assistant did not understand, grouped, to qualify.

Texts were masked before storage (bot/inbox/masking.py); this page never sees a name or a
number. One click qualifies a whole group: confirm the predicted question, pick another fiche
or "hors sujet" with an orientation entry, or ignore it. `triage nlu export` then writes the
qualified messages for review; the exports made are listed here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.fiche_figures import FigureCheck, FigureMapError, check_figures, load_figure_map
from bot.inbox.store import InboxStore
from bot.knowledge import Fiche
from bot.orientation import get_orientation_guide
from bot.tickets.models import utcnow
from console.security import requires, signed_in_account
from console.services import services

log = logging.getLogger(__name__)
blueprint = Blueprint("inbox", __name__, url_prefix="/boite-a-questions")
PAGE_SIZE = 50
ORDERS = {"frequent": "Les plus fréquents", "recent": "Les plus récents"}
REASON_LABELS = {
    "fallback": "Incompris deux fois",
    "clarification": "Précision demandée",
    "out_of_scope": "Hors sujet (peu sûr)",
    "feedback_no": "Réponse jugée inutile",
    "callback_after_answer": "Rappel après une réponse",
}
KIND_LABELS = {"intent": "question", "fiche": "fiche", "hors_sujet": "hors sujet", "ignorer": ""}


def store() -> InboxStore:
    return InboxStore(services().engine)


def _choices() -> dict[str, Any]:
    """Fiches (by their question) and orientation entries an officer may pick."""
    kb = services().knowledge
    fiches = [f for f in kb.fiches if f.intents] if kb else []
    guide = get_orientation_guide()
    return {
        "fiches": sorted(fiches, key=lambda f: (f.topic, f.title)),
        "orientations": [*guide.entries, guide.generic],
        "intent_titles": {i: f.title for f in fiches for i in f.intents},
    }


@blueprint.route("")
@requires("information")
def index() -> Any:
    order = request.args.get("ordre", "frequent")
    if order not in ORDERS:
        order = "frequent"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    inbox = store()
    groups, total = inbox.groups(order=order, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "inbox.html",
        section="inbox",
        groups=groups,
        total=total,
        waiting=inbox.waiting_count(),
        order=order,
        orders=ORDERS,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        exports=inbox.exports(),
        reason_labels=REASON_LABELS,
        **_choices(),
    )


def _parse(choice: str, other: str) -> tuple[str, str | None]:
    """'intent:apa_montant', 'fiche:apa_montant', 'hors_sujet:etat_civil' or 'ignorer:'."""
    kind, _, target = (other if choice == "autre" else choice).partition(":")
    choices = _choices()
    valid = {
        "intent": set(choices["intent_titles"]),
        "fiche": {f.id for f in choices["fiches"]},
        "hors_sujet": {e.id for e in choices["orientations"]},
        "ignorer": {""},
    }
    if kind not in valid or target not in valid[kind]:
        abort(400, description="Qualification inconnue : choisissez une fiche ou une orientation.")
    return kind, target or None


@dataclass(frozen=True)
class ReviewItem:
    fiche: Fiche
    unreviewed_days: int | None  # days since last_review when over the period, else None
    figure_reasons: tuple[str, ...]  # French: which figure the references have newer


def fiches_to_review(
    fiches: list[Fiche],
    period_days: int,
    today: date,
    figure_reasons: dict[str, list[str]] | None = None,
) -> list[ReviewItem]:
    """Fiches not reviewed within the period or with a figure the references have newer.

    Those with a newer figure first (a citizen may read a wrong amount), then the longest
    unreviewed first."""
    limit = today - timedelta(days=period_days)
    reasons = figure_reasons or {}
    items = [
        ReviewItem(
            fiche,
            (today - fiche.last_review).days if fiche.last_review < limit else None,
            tuple(reasons.get(fiche.id, ())),
        )
        for fiche in fiches
        if fiche.last_review < limit or reasons.get(fiche.id)
    ]
    return sorted(items, key=lambda item: (not item.figure_reasons, item.fiche.last_review))


def figure_check(fiches: list[Fiche]) -> tuple[FigureCheck | None, str]:
    """The figures compared with the references, or (None, why the mapping is unreadable)."""
    settings = services().settings
    try:
        sources = load_figure_map(settings.knowledge_dir, fiches)
    except (FigureMapError, yaml.YAMLError) as exc:
        log.error("figure map not read: %s", exc)
        return None, str(exc)
    return check_figures(sources, fiches, settings.reference_dir), ""


@blueprint.route("/fiches-a-relire")
@requires("information")
def review() -> Any:
    context = services()
    today = utcnow().astimezone(context.settings.timezone).date()
    period = context.settings.fiche_review_days
    fiches = list(context.knowledge.fiches) if context.knowledge else []
    check, map_error = figure_check(fiches)
    items = fiches_to_review(fiches, period, today, check.reasons() if check else None)
    return render_template(
        "fiches_review.html",
        section="review",
        items=items,
        unreviewed=sum(item.unreviewed_days is not None for item in items),
        outdated=sum(bool(item.figure_reasons) for item in items),
        check=check,
        map_error=map_error,
        period=period,
        total=len(fiches),
    )


@blueprint.route("/qualifier", methods=["POST"])
@requires("information")
def qualify() -> Any:
    key = request.form.get("groupe", "")
    kind, target = _parse(request.form.get("choix", ""), request.form.get("autre", ""))
    me = signed_in_account().username
    count = store().qualify(key, kind, target, by=me)
    services().audit.record(me, "inbox_qualify", kind=kind, target=target, count=count)
    if kind == "ignorer":
        flash(f"{count} message(s) ignoré(s).", "success")
    else:
        flash(f"{count} message(s) qualifié(s) : {KIND_LABELS[kind]} « {target} ».", "success")
    return redirect(url_for("inbox.index", ordre=request.form.get("ordre", "frequent")))
