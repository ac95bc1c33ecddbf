"""Logging in and out.

Only a POST logs in. Unknown account, disabled account and wrong password get the same page,
the same status and the same work (one argon2 verification each), so that a try tells nothing
about which accounts exist. Repeated failures slow the next tries down (console/throttle.py)
rather than locking the account.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from bot.tickets.models import utcnow
from console.security import current_account, log_in, log_out
from console.services import services
from console.throttle import LoginThrottle

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
FAILED = "Identifiant ou mot de passe incorrect."
# A console path: printable characters of a URL, no backslash, no control or blank character.
_PATH = re.compile(r"^/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*$")


def throttle() -> LoginThrottle:
    return current_app.extensions.setdefault("triage_login_throttle", LoginThrottle())


def _safe_next(target: str | None) -> str:
    """Only a path of this console (no other host, no control character tricks)."""
    default = url_for("queue.home")  # the queue, or the inbox for the information team
    if not target or len(target) > 512 or not _PATH.match(target) or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return default
    return (request.script_root or "") + target


@blueprint.route("/login")
def login_alias() -> Any:
    """The English address some tools probe (triage/stack.py waits for it)."""
    return redirect(url_for("auth.login"))


@blueprint.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if current_account() is not None:
        return redirect(_safe_next(request.args.get("next")))
    if request.method != "POST":  # GET and HEAD show the form; they never log in
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:1024]
    address = request.remote_addr or "?"
    wait = throttle().wait_s(username, address)
    if wait > 0:
        error = f"Trop d'essais de connexion infructueux. Réessayez dans {int(wait) + 1} secondes."
        page = render_template(
            "login.html", error=error, username=username, next=request.form.get("next", "")
        )
        return page, 429, {"Retry-After": str(int(wait) + 1)}
    now = utcnow()
    result = services().accounts.authenticate(username, password, now)
    audit = services().audit
    if result.status == "ok" and result.account is not None:
        throttle().succeeded(username, address)
        audit.record(result.account.username, "login", ip=address)
        log_in(result.account, now)
        return redirect(_safe_next(request.form.get("next")))
    known = result.account.username if result.account else None
    audit.record(known, f"login_{result.status}", ip=address, given=username[:64])
    if throttle().failed(username, address):
        audit.record(None, "login_alert", given=username[:64], ip=address)
        log.warning("many failed logins on one account: see the audit log (login_alert)")
    page = render_template(
        "login.html", error=FAILED, username=username, next=request.form.get("next", "")
    )
    return page, 401


@blueprint.route("/deconnexion", methods=["POST"])
def logout() -> Any:
    account = current_account()
    if account is not None:
        services().accounts.end_sessions(account.username, utcnow())
        services().audit.record(account.username, "logout")
    log_out()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))
