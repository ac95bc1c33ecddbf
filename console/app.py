"""The Flask application of the agents' console (`create_app`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.db import upgrade
from bot.settings import Settings, get_settings
from bot.validators import format_phone
from console import labels
from console.people import agent_name
from console.security import init_security
from console.services import Services, secret_key

HERE = Path(__file__).resolve().parent
# (title, explanation) of the error pages; a view's own abort(…, description=…) wins.
ERRORS = {
    400: ("Requête refusée", "La demande envoyée est incomplète ou invalide."),
    401: ("Connexion requise", "Connectez-vous pour accéder à la console."),
    403: ("Accès refusé", "Votre rôle ne permet pas d'accéder à cette page."),
    404: ("Page introuvable", "La page ou la demande recherchée n'existe pas."),
    405: ("Action non permise", "Cette action n'est pas possible sur cette page."),
    413: ("Envoi trop volumineux", "Le contenu envoyé dépasse la taille autorisée."),
}


def create_app(
    settings: Settings | None = None,
    database_url: str | None = None,
    secret: str | None = None,
    migrate: bool = True,
) -> Flask:
    """The console for one database; `migrate` brings its schema up to date first."""
    settings = settings or get_settings()
    app = Flask(
        __name__, static_folder=str(HERE / "static"), template_folder=str(HERE / "templates")
    )
    app.config.update(
        SECRET_KEY=secret or secret_key(settings),
        SESSION_COOKIE_NAME="triage_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # Secure by default; plain-HTTP development on loopback opts out with
        # TRIAGE_CONSOLE_SECURE_COOKIE=0 (make run without TLS, the tests).
        SESSION_COOKIE_SECURE=settings.console_secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=9),  # idle limit: one working day
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
    )
    services = Services.build(settings, database_url)
    if migrate:
        upgrade(services.engine)
    app.extensions["triage"] = services
    init_security(app)
    _register_template_helpers(app, settings)
    _register_blueprints(app)
    app.register_error_handler(HTTPException, _error_page)
    # Behind the reverse proxy (triage/proxy.py, the only one that reaches this loopback port):
    # the citizen's address, https, and the /console/ prefix come from its headers.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]
    return app


def _register_blueprints(app: Flask) -> None:
    from console.views import accounts, api, auth, fiches, identity, inbox, queue, stats, tickets

    for module in (auth, queue, tickets, stats, accounts, api, identity, inbox, fiches):
        app.register_blueprint(module.blueprint)


def _register_template_helpers(app: Flask, settings: Settings) -> None:
    tz = settings.timezone

    def local(at: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
        return at.astimezone(tz).strftime(pattern) if at else "—"

    def phone(e164: str | None) -> str:
        if not e164:
            return "—"
        try:
            return format_phone(e164)
        except ValueError:
            return e164

    def iso_local(text: str | None, pattern: str = "%H:%M") -> str:
        """An ISO 8601 time (transcript, event detail) as local time; unreadable text as it is."""
        try:
            moment = datetime.fromisoformat(str(text))
        except ValueError:
            return str(text or "")
        return local(moment, pattern) if moment.tzinfo else moment.strftime(pattern)

    app.jinja_env.filters.update(
        local=local,
        iso_local=iso_local,
        phone=phone,
        hours_fr=labels.hours_fr,
        minutes_fr=labels.minutes_fr,
    )
    app.jinja_env.globals.update(
        settings=settings,
        labels=labels,
        topic_label=labels.topic_label,
        channel_label=labels.channel_label,
        label=labels.label,
        agent_name=agent_name,
    )


def _error_page(error: HTTPException) -> Any:
    code = error.code or 500
    title, detail = ERRORS.get(code, ("Erreur", "Une erreur est survenue."))
    if error.description != type(error).description:
        detail = error.description or detail
    if request.path.startswith("/api/"):
        return {"error": error.name, "detail": detail}, code
    return render_template("error.html", code=code, title=title, detail=detail), code
