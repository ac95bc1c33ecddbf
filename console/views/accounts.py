"""Accounts and API tokens, for administrators (tokens are created with the command line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from bot.tickets.models import utcnow
from console.accounts import MIN_PASSWORD_LENGTH, ROLES, AccountError
from console.labels import ROLE_LABELS
from console.security import requires, signed_in_account
from console.services import services
from console.views.auth import throttle

blueprint = Blueprint("accounts", __name__, url_prefix="/comptes")


@blueprint.route("")
@requires("admin")
def index() -> Any:
    context = services()
    return render_template(
        "accounts.html",
        accounts=context.accounts.accounts(),
        tokens=context.accounts.tokens(),
        entries=context.audit.recent(50),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        min_password=MIN_PASSWORD_LENGTH,
        now=utcnow(),
    )


def _change(action: str, change: Callable[[], object], message: str, **detail: Any) -> Any:
    """Apply an account change, audit it, and come back to the list with the outcome."""
    try:
        change()
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        services().audit.record(signed_in_account().username, action, **detail)
        flash(message, "success")
    return redirect(url_for("accounts.index"))


@blueprint.route("", methods=["POST"])
@requires("admin")
def create() -> Any:
    form = request.form
    username, role = form.get("username", ""), form.get("role", "")
    return _change(
        "account_add",
        lambda: services().accounts.create(
            username, form.get("display_name", ""), role, form.get("password", "")
        ),
        f"Compte « {username} » créé.",
        username=username,
        role=role,
    )


@blueprint.route("/<username>/desactivation", methods=["POST"])
@requires("admin")
def disable(username: str) -> Any:
    if username == signed_in_account().username:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        return redirect(url_for("accounts.index"))
    return _change(
        "account_disable",
        lambda: services().accounts.set_active(username, False, utcnow()),
        f"Compte « {username} » désactivé.",
        username=username,
    )


@blueprint.route("/<username>/activation", methods=["POST"])
@requires("admin")
def enable(username: str) -> Any:
    return _change(
        "account_enable",
        lambda: services().accounts.set_active(username, True, utcnow()),
        f"Compte « {username} » réactivé.",
        username=username,
    )


@blueprint.route("/<username>/deverrouillage", methods=["POST"])
@requires("admin")
def unlock(username: str) -> Any:
    def change() -> None:
        throttle().forget_account(username)
        services().accounts.unlock(username)

    return _change(
        "account_unlock",
        change,
        f"Compte « {username} » déverrouillé.",
        username=username,
    )


@blueprint.route("/<username>/mot-de-passe", methods=["POST"])
@requires("admin")
def password(username: str) -> Any:
    new_password = request.form.get("password", "")
    return _change(
        "account_password",
        lambda: services().accounts.set_password(username, new_password, utcnow()),
        f"Mot de passe de « {username} » remplacé ; ses sessions sont fermées.",
        username=username,
    )


@blueprint.route("/jetons/<name>/revocation", methods=["POST"])
@requires("admin")
def revoke_token(name: str) -> Any:
    return _change(
        "token_revoke",
        lambda: services().accounts.revoke_token(name, utcnow()),
        f"Jeton « {name} » révoqué.",
        name=name,
    )
