"""The chat widget in Chromium against the running assistant (Rasa, action server, web.server,
temporary database: the `assistant_stack` fixture of tests/conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import make_engine
from bot.routing import TOPIC_LABELS
from bot.settings import get_settings
from bot.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

APA_PAGE = "/aides-personnes-agees.html"
RESTART_TIMEOUT_MS = 60_000


@pytest.fixture
def chat(stack: Any, chat_factory: Any) -> Any:
    chat = chat_factory(stack.web_url + "/")
    chat.start()
    return chat


def click_reply(chat: Any, title_start: str) -> None:
    replies = chat.replies.all_inner_texts()
    choice = next((r for r in replies if r.startswith(title_start)), None)
    assert choice, f"no quick reply starting with {title_start!r} in {replies}"
    before = chat.bot_messages.count()
    chat.replies.filter(has_text=choice).first.click()
    chat.wait_for_bot(before + 1)


def test_simple_question_is_answered(chat: Any, snapshots: Any) -> None:
    answer = chat.ask("Comment faire une demande d'APA ?")
    snapshots.take(chat.page, "answer")
    assert re.search(r"APA|autonomie", answer), answer
    assert "](" not in answer, "Markdown links are shown as links, not as text"
    for href in chat.bot_messages.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith(("https://", "tel:")), href  # web links, tap-to-call numbers


def test_quick_reply_and_refused_consent_stores_nothing(
    stack: Any, chat: Any, snapshots: Any
) -> None:
    chat.page.get_by_role("button", name="Parler à un conseiller").click()
    question = chat.wait_for_bot(1)
    if chat.replies.filter(has_text=TOPIC_LABELS["apa"]).count():
        click_reply(chat, TOPIC_LABELS["apa"])  # the assistant first asks what it is about
    consent = chat.bot_messages.last.inner_text()
    snapshots.take(chat.page, "consent")
    assert f"{get_settings().retention_days} jours" in consent, question
    assert chat.replies.all_inner_texts()[:2] == ["Oui, j'accepte", "Non"]
    before = len(tickets(stack))
    click_reply(chat, "Non")
    assert chat.replies.filter(has_text="Oui, j'accepte").count() == 0
    assert len(tickets(stack)) == before


def tickets(stack: Any) -> list[Ticket]:
    """Every ticket of the stack's database, read the way the console reads them."""
    engine = make_engine(stack.database_url)
    try:
        with Session(engine, future=True, expire_on_commit=False) as session:
            return list(session.execute(select(Ticket)).scalars())
    finally:
        engine.dispose()


def test_callback_across_pages_creates_the_ticket(stack: Any, chat: Any, snapshots: Any) -> None:
    """The callback form, answered on three page loads: the server-side conversation follows
    the session id the widget keeps."""
    name = "Marie Testeuse-Widget"
    chat.page.get_by_role("button", name="Parler à un conseiller").click()
    chat.wait_for_bot(1)
    if chat.replies.filter(has_text=TOPIC_LABELS["apa"]).count():
        click_reply(chat, TOPIC_LABELS["apa"])
    click_reply(chat, "Oui, j'accepte")
    assert "nom" in chat.bot_messages.last.inner_text()
    chat.page.reload()
    chat.panel.wait_for(state="visible")
    assert "numéro" in chat.ask(name)  # answered on the reloaded page
    chat.page.get_by_role("link", name="Aides aux personnes âgées").first.click()
    chat.page.wait_for_url("**" + APA_PAGE)
    chat.panel.wait_for(state="visible")
    assert "commune" in chat.ask("06 12 34 56 78")
    assert "Quand préférez-vous" in chat.ask("Créteil")
    click_reply(chat, chat.replies.first.inner_text())  # the first slot offered
    recap = chat.bot_messages.last.inner_text()
    assert name in recap and "Créteil" in recap, recap
    snapshots.take(chat.page, "recap")
    click_reply(chat, "Oui, je confirme")
    confirmation = "\n".join(chat.bot_messages.all_inner_texts()[-2:])
    snapshots.take(chat.page, "confirmation")
    (ticket,) = [t for t in tickets(stack) if t.citizen_name == name]
    assert ticket.phone == "+33612345678"
    assert ticket.commune == "Créteil"
    assert ticket.consent_at is not None
    assert ticket.reference in confirmation


def test_server_cut_is_announced_and_the_question_answered_after(
    stack: Any, chat: Any, snapshots: Any
) -> None:
    chat.ask("Bonjour")
    answered = chat.bot_messages.count()
    stack.stop_rasa()
    try:
        chat.status.wait_for(state="visible", timeout=20_000)
        assert "injoignable" in chat.status.inner_text()
        chat.send("Comment faire une demande d'APA ?")
        assert "En attente d’envoi" in chat.user_messages.last.inner_text()
        snapshots.take(chat.page, "offline")
    finally:
        stack.start_rasa()
    chat.status.wait_for(state="hidden", timeout=RESTART_TIMEOUT_MS)
    chat.wait_for_bot(answered + 1, timeout_ms=RESTART_TIMEOUT_MS)
    answer = "\n".join(chat.bot_messages.all_inner_texts()[answered:])
    assert re.search(r"APA|autonomie", answer), answer
    assert "En attente d’envoi" not in chat.user_messages.last.inner_text()


def test_real_answers_have_no_serious_accessibility_violation(chat: Any, axe: Any) -> None:
    chat.ask("Comment faire une demande d'APA ?")
    before = chat.bot_messages.count()
    chat.page.get_by_role("button", name="Parler à un conseiller").click()
    chat.wait_for_bot(before + 1)
    assert axe(chat.page, "real-answers") == []
