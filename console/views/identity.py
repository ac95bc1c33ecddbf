"""The département's look as files the pages link to (the CSP allows no inline style).

/identite/theme.css sets the colour and font of departement.yml over the DSFR's State blue and
Marianne font; /identite/favicon.svg is the département's code on its colour; /identite/logo
serves the logo file when one is configured.
"""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Blueprint, Response, abort, send_file

from console.services import services

blueprint = Blueprint("identity", __name__, url_prefix="/identite")
# The DSFR's "blue France" custom properties used by buttons, links, titles and borders.
BLUE_FRANCE_PROPERTIES = (
    "--background-action-high-blue-france",
    "--border-action-high-blue-france",
    "--border-active-blue-france",
    "--border-plain-blue-france",
    "--border-default-blue-france",
    "--text-action-high-blue-france",
    "--text-active-blue-france",
    "--text-title-blue-france",
    "--text-label-blue-france",
)
CACHE = "public, max-age=300"


def _darker(percent: int) -> str:
    return f"color-mix(in srgb,var(--dept-colour) {percent}%,#000)"


@blueprint.route("/theme.css")
def theme() -> Any:
    identity = services().settings.identity
    colours = "".join(f"{name}:{identity.colour};" for name in BLUE_FRANCE_PROPERTIES)
    css = (
        f":root{{--dept-colour:{identity.colour};--dept-font:{identity.font};{colours}"
        f"--background-action-high-blue-france-hover:{_darker(80)};"
        f"--background-action-high-blue-france-active:{_darker(65)};}}"
        "html,body,button,input,select,textarea,.fr-btn,.fr-nav__link{font-family:var(--dept-font);}"
    )
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
