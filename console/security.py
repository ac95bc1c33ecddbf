"""Who is logged in, what they may do, and the protections every page gets.

Default deny: a `before_request` hook refuses every endpoint except the login page and the
static files to an anonymous user, so a new view cannot be forgotten. The JSON API has its own
bearer-token check (it never reads the session cookie, so it needs no CSRF token).
Every form POST carries a CSRF token bound to the session (compared in constant time).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from console.accounts import Account
from console.services import services

PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.login_alias",
        "static",
        "identity.theme",
        "identity.favicon",
        "identity.logo",
    }
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
# Scripts, styles, fonts and images come from the console itself; nothing inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
F = TypeVar("F", bound=Callable[..., Any])
# However active, a session ends this long after the login (a shared or stolen cookie expires).
ABSOLUTE_SESSION_LIFETIME = timedelta(hours=12)


def current_account() -> Account | None:
    return g.get("account")


def signed_in_account() -> Account:
    """The account behind a page that requires a login (the guard let the request in)."""
    account = current_account()
    if account is None:
        abort(401)
    return account


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_valid() -> bool:
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def log_in(account: Account, now: datetime) -> None:
    """A fresh session (no fixation): only the account, the login time and a new CSRF token."""
    session.clear()
    session.permanent = True
    session["account_id"] = account.id
    session["login_at"] = now.isoformat()
    csrf_token()


def log_out() -> None:
    session.clear()


def session_account() -> Account | None:
    account_id, login_at = session.get("account_id"), session.get("login_at")
    if not account_id or not login_at:
        return None
    account = services().accounts.get(int(account_id))
    if account is None or not account.active:
        return None
    logged_in_at = datetime.fromisoformat(login_at)
    valid_after = account.sessions_valid_after
    if valid_after and logged_in_at < valid_after:
        return None
    if logged_in_at + ABSOLUTE_SESSION_LIFETIME < datetime.now(logged_in_at.tzinfo):
        return None
    return account


def _guard() -> BaseResponse | None:
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.startswith("api."):
        return None
    g.account = session_account()
    if g.account is None and session.get("account_id"):
        session.clear()  # ended elsewhere (logout, disabled): forget the stale cookie
    if g.account is None and endpoint not in PUBLIC_ENDPOINTS:
        if request.method in UNSAFE_METHODS or not request.endpoint:
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method in UNSAFE_METHODS and not csrf_valid():
        abort(400, description="Jeton de sécurité (CSRF) absent ou invalide.")
    return None


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:  # over TLS (directly or through the proxy): stay on TLS
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages carry personal data: no copy in the browser's or a proxy's cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def requires(role: str) -> Callable[[F], F]:
    """Refuse (403) a logged-in account below `role` (agent < supervisor < admin)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                abort(401)
            if not account.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def init_security(app: Flask) -> None:
    app.before_request(_guard)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_account"] = current_account
