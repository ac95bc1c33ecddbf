"""The département's own look: no State marks by default, colour and font from departement.yml."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.identity import DEFAULT_COLOUR, contrast_on_white, parse_identity
from bot.settings import ConfigurationError, load_settings
from tests.console.conftest import Browser

ROOT = Path(__file__).resolve().parents[2]


STATIC = ROOT / "console" / "static"
# What the State's design system leaves in a page: its class prefix, its files and data
# attributes, its font, the Marianne logo's class.
STATE_MARKS = re.compile(r'class="[^"]*\bfr-|dsfr|data-fr-|Marianne|Spectral', re.IGNORECASE)
STATE_CLASS = re.compile(r"[\s.\"']fr-[a-z]")  # .fr-btn in CSS, "fr-alert" in JS; not "fr-FR"


def test_pages_carry_no_state_mark_and_use_the_departement_look(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    anonymous = browser_for(None)
    login = anonymous.get("/connexion").text
    assert not STATE_MARKS.findall(login)
    assert "Val-de-Marne" in login and "/identite/theme.css" in login
    theme = anonymous.get("/identite/theme.css")
    assert theme.status_code == 200 and theme.mimetype == "text/css"
    assert f"--dept-colour:{DEFAULT_COLOUR}" in theme.text and "Marianne" not in theme.text
    base = anonymous.get("/static/base.css").text
    assert "var(--dept-colour" in base and "var(--dept-font" in base
    icon = anonymous.get("/identite/favicon.svg")
    assert icon.mimetype == "image/svg+xml" and ">94<" in icon.text
    assert anonymous.get("/identite/logo").status_code == 404  # none configured
    assert anonymous.get("/static/dsfr/dsfr.min.css").status_code == 404
    reference = make_ticket()
    admin = browser_for("admin")
    pages = [
        "/file",
        f"/demandes/{reference}",
        "/statistiques",
        "/comptes",
        "/fiches",
        "/fiches/apa_contest",
        "/fiches/apa_contest/historique",
        "/boite-a-questions",
        "/boite-a-questions/fiches-a-relire",
        "/api/v1/documentation",
        "/page-inconnue",
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code in (200, 404), url
        assert not STATE_MARKS.findall(response.text), url


def test_no_state_design_system_file_is_served() -> None:
    """The DSFR's terms of use reserve it to State websites: none of its files ships."""
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert files and not [p for p in files if "dsfr" in str(p).lower() or p.suffix == ".woff2"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not STATE_MARKS.findall(text) and not STATE_CLASS.findall(text), path
    templates = (ROOT / "console" / "templates").glob("*.html")
    assert not [p.name for p in templates if STATE_MARKS.findall(p.read_text(encoding="utf-8"))]


def test_identity_is_validated(tmp_path: Path) -> None:
    assert parse_identity(None, tmp_path).colour == DEFAULT_COLOUR
    assert contrast_on_white(DEFAULT_COLOUR) >= 4.5
    with pytest.raises(ValueError, match=r"contrast of 1\.5:1"):
        parse_identity({"colour": "#ffcc00"}, tmp_path)
    with pytest.raises(ValueError, match="#rrggbb"):
        parse_identity({"colour": "blue"}, tmp_path)
    with pytest.raises(ValueError, match="font names"):
        parse_identity({"font": "Arial;} body{display:none"}, tmp_path)
    with pytest.raises(ValueError, match="no SVG or PNG"):
        parse_identity({"logo": "missing.svg"}, tmp_path)
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert parse_identity({"logo": "logo.svg"}, tmp_path).logo == tmp_path / "logo.svg"
    text = (ROOT / "departement.yml").read_text(encoding="utf-8")
    broken = tmp_path / "departement.yml"
    broken.write_text(text.replace('colour: "#1f4e79"', 'colour: "#ffcc00"'), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"identity\.colour"):
        load_settings(broken, env={})
