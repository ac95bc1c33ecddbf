"""The inbox page in Chromium (Playwright): an information officer logs in with the keyboard,
lands on the inbox, qualifies a group in one click; axe finds no serious violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.inbox.store import InboxStore
from tests.console.conftest import ACCOUNTS, PASSWORD
from tests.console.test_console_browser import live_console, page, run_axe, shot

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
