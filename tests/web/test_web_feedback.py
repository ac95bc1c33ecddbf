"""« Cette réponse vous a-t-elle aidé ? » under a fiche answer, in Chromium, against Rasa's real
socket.io channel (scripted responder) and a real SQLite database: the rating and the comment
are stored with the answer, masked, and a "Non" lands in the information team's inbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.db import make_engine
from bot.inbox.models import AnswerRecord
from bot.inbox.store import InboxStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def chat(scripted_stack: Any, chat_factory: Any) -> Any:
    return chat_factory(scripted_stack.web_url + "/")


@pytest.fixture
def store(scripted_stack: Any) -> Any:
    engine = make_engine(scripted_stack.database_url)
    yield InboxStore(engine)
    engine.dispose()


def rating_of(store: InboxStore, question: str) -> AnswerRecord:
    with store.Session() as session:
        query = select(AnswerRecord).where(AnswerRecord.question == question)
        return session.execute(query).scalar_one()


def wait_stored(page: Any, store: InboxStore, question: str, check: Any) -> AnswerRecord:
    for _ in range(50):
        row = rating_of(store, question)
        if check(row):
            return row
        page.wait_for_timeout(100)
    raise AssertionError(f"rating not stored: {row.helpful!r} {row.comment!r}")


def test_yes_with_the_keyboard(chat: Any, store: InboxStore, snapshots: Any) -> None:
    chat.start()
    chat.ask("une fiche sur l'APA")
    group = chat.page.get_by_role("group", name="Cette réponse vous a-t-elle aidé ?")
    assert group.count() == 1
    snapshots.take(chat.page, "asked")
    assert "Cette réponse vous a-t-elle aidé ?" not in chat.bot_messages.last.inner_text()
    group.get_by_role("button", name="Oui").focus()
    chat.page.keyboard.press("Enter")
    chat.page.locator("#triage-chat .feedback-done").wait_for()
    assert chat.focused() == "Merci pour votre avis."
    assert "Merci pour votre avis." in chat.live.inner_text()
    row = wait_stored(chat.page, store, "une fiche sur l'APA", lambda r: r.helpful is True)
    assert row.comment is None and row.fiche_id == "apa_montant"
    chat.page.reload()
    chat.panel.wait_for(state="visible")
    assert chat.page.locator("#triage-chat .feedback-done").is_visible(), "kept on reload"


def test_no_then_a_comment_masked(chat: Any, store: InboxStore, axe: Any, snapshots: Any) -> None:
    chat.start()
    chat.ask("une autre fiche pour ma mère")
    chat.page.get_by_role("group", name="Cette réponse vous a-t-elle aidé ?").get_by_role(
        "button", name="Non"
    ).click()
    comment = chat.page.get_by_role("textbox", name="Qu’est-ce qui vous a manqué ? (facultatif)")
    comment.wait_for()
    assert chat.focused() == "Qu’est-ce qui vous a manqué ? (facultatif)"
    wait_stored(chat.page, store, "une autre fiche pour ma mère", lambda r: r.helpful is False)
    assert axe(chat.page, "feedback-comment") == []
    snapshots.take(chat.page, "comment")
    comment.fill("le montant pour moi, appelez le 06 12 34 56 78")
    comment.press("Enter")
    chat.page.locator("#triage-chat .feedback-done").wait_for()
    row = wait_stored(
        chat.page, store, "une autre fiche pour ma mère", lambda r: r.comment is not None
    )
    assert row.comment == "le montant pour moi, appelez le [téléphone]"
    groups, _ = store.groups()
    [group] = [g for g in groups if g.text == "une autre fiche pour ma mère"]
    assert group.reasons == ("feedback_no",) and group.intent == "apa_montant"
