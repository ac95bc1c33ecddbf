"""Logging in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from bot.accounts import LOCKOUT, MAX_FAILED_LOGINS
from bot.tickets.models import utcnow
from console.security import current_account, log_in, log_out
from console.services import services

blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no open redirect to another host)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("queue.index")


@blueprint.route("/login")
def login_alias() -> Any:
    """The English address some tools probe (scripts/stack.py waits for it)."""
    return redirect(url_for("auth.login"))


@blueprint.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if current_account() is not None:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:1024]
    now = utcnow()
    result = services().accounts.authenticate(username, password, now)
    audit = services().audit
    if result.status == "ok" and result.account is not None:
        audit.record(result.account.username, "login", ip=request.remote_addr)
        log_in(result.account, now)
        return redirect(_safe_next(request.form.get("next")))
    known = result.account.username if result.account else None
    audit.record(known, f"login_{result.status}", ip=request.remote_addr, given=username[:64])
    if result.status == "locked":
        error = (
            f"Après {MAX_FAILED_LOGINS} essais infructueux, ce compte est verrouillé pendant "
            f"{int(LOCKOUT.total_seconds() // 60)} minutes. Réessayez plus tard ou contactez "
            "un administrateur."
        )
        code = 423
    elif result.status == "disabled":
        error, code = "Ce compte est désactivé. Contactez un administrateur.", 403
    else:
        error, code = "Identifiant ou mot de passe incorrect.", 401
    page = render_template(
        "login.html", error=error, username=username, next=request.form.get("next", "")
    )
    return page, code


@blueprint.route("/deconnexion", methods=["POST"])
def logout() -> Any:
    account = current_account()
    if account is not None:
        services().accounts.end_sessions(account.username, utcnow())
        services().audit.record(account.username, "logout")
    log_out()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))
