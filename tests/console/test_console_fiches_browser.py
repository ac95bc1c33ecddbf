"""The fiche editor in Chromium (Playwright): an information officer edits a fiche's text,
previews the chat and phone answers, publishes, and finds the version in the history; axe finds
no serious violation. The fiches edited are a copy of knowledge/ in tmp."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.fiche_versions import fiche_path
from bot.settings import Settings
from tests.console.test_console_browser import live_console, page, run_axe, shot
from tests.console.test_console_fiches import settings
from tests.console.test_console_inbox_browser import log_in_officer

pytestmark = pytest.mark.browser
__all__ = ["live_console", "page", "settings"]  # fixtures shared with the other console tests

NEW_SPOKEN = (
    "En GIR 4, le plan d'aide de l'APA va jusqu'à 811,52 euros par mois. "
    "Le reste dépend de vos revenus."
)


def test_an_officer_edits_previews_and_publishes_a_fiche(
    page: Any, live_console: str, settings: Settings, request: pytest.FixtureRequest
) -> None:
    path: Path = fiche_path(settings.knowledge_dir, "apa_amount")
    log_in_officer(page, live_console)
    page.get_by_role("link", name="Fiches", exact=True).first.click()
    page.wait_for_url(re.compile(r"/fiches$"))
    assert run_axe(page, "fiches") == []
    page.get_by_role("link", name="Montant de l'APA à domicile", exact=True).click()
    page.wait_for_url(re.compile(r"/fiches/apa_amount$"))
    page.get_by_label("Réponse au téléphone").fill("Voyez www.exemple.fr.")
    page.get_by_role("button", name="Prévisualiser").click()
    alert = page.get_by_role("alert")
    assert "« Réponse au téléphone » : ne doit pas contenir d'adresse web" in alert.inner_text()
    assert page.get_by_label("Réponse au téléphone").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("button", name="Publier").count() == 0
    assert run_axe(page, "fiche-error") == []
    page.get_by_label("Réponse au téléphone").fill(NEW_SPOKEN)
    page.get_by_role("button", name="Prévisualiser").click()
    spoken = page.locator("#apercu-telephone").inner_text()
    assert "huit cent onze euros cinquante-deux" in spoken and "a-pé-a" in spoken
    assert "Pour en savoir plus" in page.locator("#apercu-chat").inner_text()
    assert run_axe(page, "fiche-preview") == []
    shot(page, request, "fiche-preview")
    assert "811,52 euros par mois. Le reste" not in path.read_text(encoding="utf-8")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(re.compile(r"/fiches/apa_amount/historique$"))
    assert "Fiche publiée" in page.get_by_role("status").inner_text()
    version = page.locator("#versions li").first
    assert "Inès Information" in version.inner_text()
    assert "+spoken: En GIR 4, le plan d'aide" in version.inner_text()
    assert "Le reste dépend de vos revenus." in path.read_text(encoding="utf-8")
    assert run_axe(page, "fiche-history") == []
    shot(page, request, "fiche-history")
