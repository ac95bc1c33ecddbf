"""The département's look as files the pages link to (the CSP allows no inline style).

/identite/theme.css sets the colour and font of departement.yml as the two custom properties
static/base.css reads (--dept-colour, --dept-font: buttons, links, titles, borders and text);
/identite/favicon.svg is the département's code on its colour; /identite/logo serves the logo
file when one is configured.
"""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Blueprint, Response, abort, send_file

from console.services import services

blueprint = Blueprint("identity", __name__, url_prefix="/identite")
CACHE = "public, max-age=300"


@blueprint.route("/theme.css")
def theme() -> Any:
    identity = services().settings.identity
    css = f":root{{--dept-colour:{identity.colour};--dept-font:{identity.font};}}\n"
    return Response(css, mimetype="text/css", headers={"Cache-Control": CACHE})


@blueprint.route("/favicon.svg")
def favicon() -> Any:
    settings = services().settings
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="6" fill="{settings.identity.colour}"/>'
        '<text x="16" y="21" font-family="Arial,sans-serif" font-size="14" font-weight="700" '
        f'fill="#fff" text-anchor="middle">{escape(settings.code[:3])}</text></svg>'
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": CACHE})


@blueprint.route("/logo")
def logo() -> Any:
    path = services().settings.identity.logo
    if path is None:
        abort(404)
    return send_file(path, max_age=300)
