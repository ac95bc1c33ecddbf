"""The département's own look: no State marks by default, colour and font from departement.yml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.identity import DEFAULT_COLOUR, contrast_on_white, parse_identity
from bot.settings import ConfigurationError, load_settings
from tests.console.conftest import Browser

ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_no_state_mark_and_use_the_departement_look(
    browser_for: Callable[[str | None], Browser],
) -> None:
    anonymous = browser_for(None)
    login = anonymous.get("/connexion").text
    assert "fr-logo" not in login and "dsfr/favicon" not in login  # the Marianne's places
    assert "Val-de-Marne" in login and "/identite/theme.css" in login
    theme = anonymous.get("/identite/theme.css")
    assert theme.status_code == 200 and theme.mimetype == "text/css"
    assert f"--text-action-high-blue-france:{DEFAULT_COLOUR}" in theme.text
    assert "font-family:var(--dept-font)" in theme.text and "Marianne" not in theme.text
    icon = anonymous.get("/identite/favicon.svg")
    assert icon.mimetype == "image/svg+xml" and ">94<" in icon.text
    assert anonymous.get("/identite/logo").status_code == 404  # none configured


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
