"""The information team edits the fiches: list, edit form, preview, publish, history.

A fiche is its file knowledge/fiches/<id>.yml. The form is checked by the loader's own
validation (errors in French naming the field, console/fiche_form.py); the preview shows the
chat answer and the spoken answer built by the same functions as the assistant
(bot/fiche_text.py); publishing writes the file atomically, which the action server reloads
within a second, and records who, when and the diff (bot/fiche_versions.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.fiche_text import spoken_answer, written_answer
from bot.fiche_versions import FicheVersions, check, dump, fiche_path, read_raw
from bot.knowledge import WHO_LABELS, KnowledgeBase, KnowledgeBaseError
from bot.routing import TOPIC_LABELS, TOPICS
from console.fiche_form import FIELD_LABELS, field_of, form_from_raw, french_error, raw_from_form
from console.security import requires, signed_in_account
from console.services import services

blueprint = Blueprint("fiches", __name__, url_prefix="/fiches")


def _base() -> KnowledgeBase:
    """The fiches as published now (the console's copy is refreshed after each publish)."""
    context = services()
    if context.knowledge is None:
        abort(503, description="La base des fiches ne se charge pas : voyez le journal.")
    return context.knowledge


def _raw(fiche_id: str) -> dict[str, Any]:
    if _base().get(fiche_id) is None:
        abort(404)
    return read_raw(fiche_path(services().settings.knowledge_dir, fiche_id))


@blueprint.route("")
@requires("information")
def index() -> Any:
    base = _base()
    return render_template(
        "fiches.html",
        section="fiches",
        topics=[(TOPIC_LABELS[t], base.by_topic(t)) for t in base.topics()],
        total=len(base.fiches),
    )


def _editor(fiche_id: str, form: dict[str, str], **extra: Any) -> Any:
    return render_template(
        "fiche_edit.html",
        section="fiches",
        fiche_id=fiche_id,
        form=form,
        labels_fr=FIELD_LABELS,
        topics=[(t, TOPIC_LABELS[t]) for t in TOPICS],
        actors=WHO_LABELS,
        **extra,
    )


@blueprint.route("/<fiche_id>")
@requires("information")
def edit(fiche_id: str) -> Any:
    return _editor(fiche_id, form_from_raw(_raw(fiche_id)))


@blueprint.route("/<fiche_id>", methods=["POST"])
@requires("information")
def submit(fiche_id: str) -> Any:
    before = _raw(fiche_id)
    form = {key: request.form.get(key, "") for key in form_from_raw(before)}
    raw = raw_from_form(fiche_id, form)
    settings = services().settings
    try:
        fiche = check(settings.knowledge_dir, raw, settings)
    except KnowledgeBaseError as error:
        return _editor(fiche_id, form, error=french_error(error), error_field=field_of(error)), 422
    if request.form.get("action") == "publier":
        return _publish(fiche_id, raw)
    return _editor(
        fiche_id,
        form,
        preview={"written": written_answer(fiche), "spoken": spoken_answer(fiche)},
        unchanged=dump(raw) == dump(before),
    )


def _publish(fiche_id: str, raw: dict[str, Any]) -> Any:
    context = services()
    me = signed_in_account().username
    version = FicheVersions(context.engine).publish(
        context.settings.knowledge_dir, raw, context.settings, author=me
    )
    if version is None:
        flash("Aucune modification : la fiche n'a pas été republiée.", "info")
        return redirect(url_for("fiches.edit", fiche_id=fiche_id))
    context.knowledge = KnowledgeBase.load(context.settings.knowledge_dir, context.settings)
    context.audit.record(me, "fiche_publish", fiche=fiche_id)
    flash("Fiche publiée : l'assistant l'utilise dès maintenant.", "success")
    return redirect(url_for("fiches.history", fiche_id=fiche_id))


@blueprint.route("/<fiche_id>/historique")
@requires("information")
def history(fiche_id: str) -> Any:
    fiche = _base().get(fiche_id)
    if fiche is None:
        abort(404)
    return render_template(
        "fiche_history.html",
        section="fiches",
        fiche=fiche,
        versions=FicheVersions(services().engine).history(fiche_id),
    )
