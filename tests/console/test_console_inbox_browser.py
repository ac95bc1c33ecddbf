"""The inbox page in Chromium (Playwright): an information officer logs in with the keyboard,
lands on the inbox, qualifies a group in one click; axe finds no serious violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.inbox.store import InboxStore
from tests.console.conftest import ACCOUNTS, PASSWORD
from tests.console.test_console_browser import live_console, log_in, page, run_axe, shot

pytestmark = pytest.mark.browser
__all__ = ["live_console", "page"]  # fixtures shared with the console's browser tests


def log_in_officer(page: Any, base: str) -> None:
    """An information officer logs in with the keyboard and lands on the inbox."""
    page.goto(f"{base}/")
    page.focus("#username")
    page.keyboard.type(ACCOUNTS["information"][0])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/boite-a-questions$"))


def test_an_officer_qualifies_a_group(
    page: Any, live_console: str, engine: Engine, request: pytest.FixtureRequest
) -> None:
    inbox = InboxStore(engine)
    for _ in range(2):
        inbox.add_item("fallback", "web", "la cantine c'est combien par jour", "nlu_fallback", 0.3)
    inbox.add_item(
        "feedback_no", "web", "je m'appelle Paul Martin et ma carte Imagine R est perdue",
        "imagine_r_lost", 0.7, context=[("assistant", "Voici comment faire…")],
    )  # fmt: skip
    log_in_officer(page, live_console)
    assert page.get_by_role("heading", name="Boîte à questions").is_visible()
    assert "Martin" not in page.content()
    assert page.get_by_role("link", name="File d'attente").count() == 0
    assert run_axe(page, "inbox") == []
    shot(page, request, "inbox")
    first = page.locator(".inbox-group").first
    assert "2 fois" in first.inner_text()
    first.get_by_label("Autre qualification").select_option("fiche:college_canteen_price")
    first.get_by_role("button", name="Qualifier").click()
    page.wait_for_url(re.compile(r"/boite-a-questions\?ordre=frequent$"))
    assert "2 message(s) qualifié(s)" in page.get_by_role("status").inner_text()
    assert page.locator(".inbox-group").count() == 1
    page.locator(".inbox-group").first.get_by_role("button", name="Ignorer").click()
    page.wait_for_url(re.compile(r"/boite-a-questions\?ordre=frequent$"))
    assert "Aucun message en attente" in page.content()
    assert run_axe(page, "inbox-empty") == []
    page.get_by_role("link", name="Fiches à relire").first.click()
    page.wait_for_url(re.compile(r"/fiches-a-relire$"))
    assert page.get_by_role("heading", name="Fiches à relire").is_visible()
    assert run_axe(page, "fiches-review") == []


def test_statistics_chart_the_ratings_and_the_inbox(
    page: Any, live_console: str, engine: Engine, request: pytest.FixtureRequest
) -> None:
    inbox = InboxStore(engine)
    for fiche, topic, helpful in [
        ("apa_amount", "apa", True),
        ("apa_amount", "apa", False),
        ("apa_amount", "apa", None),
        ("rsa_amount", "rsa", True),
        ("imagine_r_price", "imagine_r", True),
    ]:
        token = inbox.record_answer("socketio", fiche, "une question", topic, fiche, 0.9)
        if helpful is not None:
            inbox.rate(token, helpful)
    inbox.add_item("fallback", "web", "la cantine c'est combien", "nlu_fallback", 0.3)
    log_in(page, live_console, ACCOUNTS["supervisor"][0])
    page.goto(f"{live_console}/statistiques")
    topics = page.get_by_role("img", name="Avis des citoyens sur les réponses, par thème")
    assert topics.is_visible()
    description = page.locator("#chart-satisfaction-topics-desc").text_content()
    assert (
        description.startswith("5 réponses du ") and "3 avis « Oui », 1 avis « Non »" in description
    )
    for chart in ("chart-satisfaction-fiches", "chart-inbox-weeks"):
        assert page.locator(f"#{chart}-title").count() == 1
    chart = page.locator('svg[aria-labelledby^="chart-satisfaction-topics"]')
    legend = chart.locator("text").all_text_contents()
    assert {"Avis « Oui »", "Avis « Non »", "Sans avis", "APA", "RSA"} <= set(legend)
    chart.scroll_into_view_if_needed()
    shot(page, request, "statistics-information")
    assert run_axe(page, "statistics-information") == []
