"""The chat widget in Chromium, against Rasa's real socket.io channel with a scripted responder
(scripted_rasa.py): behaviour that does not depend on what the assistant answers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.catalogue import get_catalogue
from bot.settings import get_settings
from tests.web.widget import Chat
from triage.generators.catalogue import widget_sentence

pytestmark = [pytest.mark.browser, pytest.mark.slow]

APA_PAGE = "/aides-personnes-agees.html"


@pytest.fixture
def chat(scripted_stack: Any, chat_factory: Any) -> Any:
    return chat_factory(scripted_stack.web_url + "/")


def test_privacy_notice_comes_before_the_first_message(chat: Any, snapshots: Any) -> None:
    chat.open()
    notice = chat.page.locator("#triage-chat .notice")
    text = notice.inner_text()
    snapshots.take(chat.page, "notice")
    assert f"{get_settings().retention_days} jours" in text
    assert "délégué à la protection des données" in text
    assert "Ce que nous gardons" in text and "Pourquoi" in text
    # The topics come from the catalogue (generated into the widget).
    assert f"répond aux questions sur {widget_sentence(get_catalogue())}." in text
    assert not chat.input.is_visible(), "no message can be typed before the notice is read"
    assert chat.focused() == "Avant de commencer", "the notice is read from its top"
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    assert chat.input.is_visible()
    assert chat.focused() == "Votre message"
    chat.page.reload()
    chat.panel.wait_for(state="visible")
    assert chat.input.is_visible(), "the notice is not asked again in the same session"
    chat.page.get_by_role("button", name="Vos données").click()
    assert notice.is_visible()
    chat.page.get_by_role("button", name="Retour à la conversation").click()
    assert chat.input.is_visible()


def test_question_answer_and_quick_reply(chat: Any, snapshots: Any) -> None:
    chat.start()
    answer = chat.ask("Bonjour, une question")
    assert "Vous avez écrit : Bonjour, une question" in answer
    assert chat.replies.all_inner_texts() == ["Oui", "Non"]
    snapshots.take(chat.page, "answer-with-replies")
    chat.replies.first.click()
    chat.wait_for_bot(3)
    assert chat.user_messages.last.inner_text().endswith("Oui"), "the reply shows its title"
    assert "Choix reçu : /affirm" in chat.bot_messages.last.inner_text(), "and sends its payload"
    assert chat.replies.count() == 0, "answered quick replies are gone"
    live = chat.live.inner_text()
    assert "L’assistant : Choix reçu : /affirm" in live, "answers are announced (aria-live)"


def test_a_long_answer_is_shown_from_its_start(chat: Any) -> None:
    chat.start()
    chat.ask("Bonjour")
    chat.ask("Une réponse longue, s'il vous plaît")
    question = chat.user_messages.last
    assert chat.in_view(question), "the question and the start of its answer are shown"
    area = chat.page.locator("#triage-chat .conversation")
    hidden_below = area.evaluate("a => a.scrollHeight - a.clientHeight - a.scrollTop")
    assert hidden_below > 100, "the answer is longer than the window: its end is below"


def test_typing_indicator_while_the_assistant_answers(chat: Any) -> None:
    chat.start()
    chat.send("Bonjour")
    chat.typing.wait_for(state="visible", timeout=2000)
    assert "L’assistant écrit" in chat.typing.inner_text()
    chat.wait_for_bot(2)
    assert chat.typing.is_hidden()


def test_ask_human_button_starts_the_callback(chat: Any) -> None:
    chat.start()
    chat.page.get_by_role("button", name="Parler à un conseiller").click()
    answer = chat.wait_for_bot(1)
    assert chat.user_messages.last.inner_text().endswith("Parler à un conseiller")
    assert "Voulez-vous qu’un conseiller vous rappelle ?" in answer


def test_html_in_messages_is_shown_as_text(chat: Any, snapshots: Any) -> None:
    chat.start()
    typed = '<img src="x" onerror="window.__xss = 2"><b>gras</b> html'
    answer = chat.ask(typed)
    snapshots.take(chat.page, "html-as-text")
    assert chat.user_messages.last.inner_text().endswith(typed)
    assert '<img src="x" onerror="window.__xss = 1">' in answer
    widget = chat.page.locator("#triage-chat")
    assert widget.locator("img").count() == 0 and widget.locator("b").count() == 0
    assert chat.page.evaluate("() => window.__xss") is None
    links = chat.bot_messages.last.locator("a")
    assert links.count() == 1, "only the http(s) link becomes a link, not javascript:"
    assert links.get_attribute("href").startswith("https://www.service-public.fr/")
    assert links.get_attribute("rel") == "noopener noreferrer"
    assert "nouvelle fenêtre" in links.inner_text()


def test_too_long_message_is_refused_and_kept(chat: Any, snapshots: Any) -> None:
    chat.start()
    chat.send("a" * 1001)
    chat.error.wait_for(state="visible")
    snapshots.take(chat.page, "too-long")
    assert "trop long : 1001 caractères pour 1000 au maximum" in chat.error.inner_text()
    assert chat.input.get_attribute("aria-invalid") == "true"
    assert chat.input.input_value() == "a" * 1001, "the text is kept to be shortened"
    assert chat.user_messages.count() == 0, "nothing was sent"
    chat.input.press("Backspace")
    assert chat.error.is_hidden()
    chat.input.press("Enter")
    chat.wait_for_bot(2)
    assert chat.user_messages.count() == 1


def test_history_survives_reload_and_navigation(chat: Any, snapshots: Any) -> None:
    chat.start()
    chat.ask("Première question")
    chat.ask("Une autre question, pour que l’historique dépasse la fenêtre")
    chat.ask("Et une troisième")
    session = chat.session_id()
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{22}", session)  # issued by the server
    chat.page.reload()
    chat.panel.wait_for(state="visible")
    assert "Vous avez écrit : Première question" in chat.bot_messages.first.inner_text()
    chat.page.get_by_role("link", name="Aides aux personnes âgées").first.click()
    chat.page.wait_for_url("**" + APA_PAGE)
    chat.panel.wait_for(state="visible")
    snapshots.take(chat.page, "after-navigation")
    assert chat.in_view(chat.messages.last), "the end of the history is shown"
    assert chat.session_id() == session
    assert chat.user_messages.first.inner_text().endswith("Première question")
    answer = chat.ask("Deuxième question")
    assert "Vous avez écrit : Deuxième question" in answer
    assert chat.session_id() == session


def test_new_conversation_starts_a_new_session(chat: Any) -> None:
    chat.start()
    chat.ask("Bonjour")
    session = chat.session_id()
    chat.page.get_by_role("button", name="Nouvelle conversation").click()
    chat.page.get_by_role("button", name="Oui, recommencer").click()
    assert chat.messages.count() == 0
    assert chat.session_id() != session
    assert chat.focused() == "Votre message"
    assert "Vous avez écrit : Encore" in chat.ask("Encore")


def test_server_cut_retry_and_nothing_typed_is_lost(
    scripted_stack: Any, chat: Any, snapshots: Any
) -> None:
    chat.start()
    chat.ask("Avant la coupure")
    scripted_stack.stop_rasa()
    try:
        chat.status.wait_for(state="visible", timeout=15000)
        assert "injoignable" in chat.status.inner_text()
        chat.send("Message écrit pendant la coupure")
        pending = chat.user_messages.last
        assert "En attente d’envoi" in pending.inner_text()
        snapshots.take(chat.page, "offline")
        chat.page.reload()
        chat.panel.wait_for(state="visible")
        assert "Message écrit pendant la coupure" in chat.user_messages.last.inner_text()
        chat.status.wait_for(state="visible", timeout=15000)
    finally:
        scripted_stack.start_rasa()
    chat.page.get_by_role("button", name="Réessayer maintenant").click()
    chat.status.wait_for(state="hidden", timeout=20000)
    chat.wait_for_bot(3, timeout_ms=20000)
    delivered = chat.bot_messages.nth(2).inner_text()
    assert "Vous avez écrit : Message écrit pendant la coupure" in delivered
    assert "En attente d’envoi" not in chat.user_messages.last.inner_text()


def test_keyboard_only(chat: Any, snapshots: Any) -> None:
    page = chat.page
    for _ in range(40):
        page.keyboard.press("Tab")
        if chat.focused().startswith("Une question ?"):
            break
    else:
        pytest.fail("the chat button cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert chat.focused() == "Avant de commencer", "focus moves into the window, at the top"
    for _ in range(3):
        page.keyboard.press("Tab")
        if chat.focused() == "J’ai compris, commencer":
            break
    page.keyboard.press("Enter")
    assert chat.focused() == "Votre message"
    page.keyboard.type("Question au clavier")
    page.keyboard.press("Enter")
    chat.wait_for_bot(2)
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if chat.focused() == "Oui":
            break
    else:
        pytest.fail("the quick replies cannot be reached with the keyboard")
    snapshots.take(page, "focus-on-quick-reply")
    page.keyboard.press("Enter")
    chat.wait_for_bot(3)
    assert chat.user_messages.last.inner_text().endswith("Oui")
    page.keyboard.press("Escape")
    assert chat.panel.is_hidden(), "Escape closes the window"
    assert chat.focused().startswith("Une question ?"), "focus goes back to the button"


def test_no_serious_accessibility_violation(chat: Any, axe: Any, snapshots: Any) -> None:
    page = chat.page
    found = {"home, closed": axe(page, "home-closed")}
    chat.open()
    found["privacy notice"] = axe(page, "notice")
    page.get_by_role("button", name="J’ai compris, commencer").click()
    chat.ask("Un lien html")
    chat.ask("Bonjour")
    found["conversation"] = axe(page, "conversation")
    chat.send("a" * 1200)
    found["too long"] = axe(page, "too-long")
    page.goto(page.url.rstrip("/") + APA_PAGE)
    chat.panel.wait_for(state="visible")
    found["APA page"] = axe(page, "apa-page")
    snapshots.take(page, "apa-page")
    assert not {state: v for state, v in found.items() if v}


def test_text_resized_to_200_percent(chat: Any, snapshots: Any) -> None:
    page = chat.page
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    chat.start()
    chat.ask("Bonjour avec un texte agrandi")
    snapshots.take(page, "text-200")
    box = chat.panel.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    assert box["y"] + box["height"] <= viewport["height"]
    panel = page.locator("#triage-chat .panel")
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth"), "no horizontal scrolling"
    send = page.get_by_role("button", name="Envoyer")
    send.scroll_into_view_if_needed()
    assert send.is_visible()
    font = chat.input.evaluate("i => parseFloat(getComputedStyle(i).fontSize)")
    assert font >= 32, "the widget's text follows the page's text size"


def test_small_screen_uses_the_whole_viewport(scripted_stack: Any, chat_factory: Any) -> None:
    chat = chat_factory(scripted_stack.web_url + "/", viewport={"width": 375, "height": 667})
    chat.start()
    chat.ask("Sur un téléphone")
    box = chat.panel.bounding_box()
    assert box["width"] == 375 and box["height"] == 667


def test_server_refuses_a_too_long_message_sent_around_the_widget(
    scripted_stack: Any, new_page: Any
) -> None:
    """The widget never sends more than 1000 characters; the server refuses them anyway. The
    page's own copy of the socket.io client plays a client that ignores the widget's limit."""
    page = new_page()
    page.goto(scripted_stack.web_url + "/")
    answers = page.evaluate(
        """async (url) => {
            const { io } = await import('/widget/vendor/socket.io/socket.io.esm.min.js');
            const socket = io(url, { transports: ['websocket'] });
            const session_id = 'a'.repeat(32);
            const confirmed = new Promise((resolve) => socket.once('session_confirm', resolve));
            socket.emit('session_request', { session_id });
            await confirmed;
            const answers = [];
            socket.on('bot_uttered', (answer) => answers.push(answer));
            await socket.timeout(20000).emitWithAck(
                'user_uttered', { message: 'é'.repeat(1001), session_id });
            socket.disconnect();
            return answers;
        }""",
        scripted_stack.rasa_url,
    )
    assert len(answers) == 1
    assert "trop long" in answers[0]["text"] and "1001" in answers[0]["text"]


def test_no_request_leaves_the_project(scripted_stack: Any, new_page: Any) -> None:
    """Everything the page and the widget load comes from the site or the Rasa server."""
    page = new_page()
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(origin(request.url)))
    page.on("websocket", lambda socket: origins.add(origin(socket.url)))
    page.goto(scripted_stack.web_url + "/")
    chat = Chat(page)
    chat.start()
    chat.ask("Un lien html")
    allowed = {scripted_stack.web_url, scripted_stack.rasa_url, "ws" + scripted_stack.rasa_url[4:]}
    assert origins and origins <= allowed, origins - allowed


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize(
    ("colour", "shown"),
    [("#8b0000", "rgb(139, 0, 0)"), ("#ffcc00", "rgb(31, 78, 121)"), ("red;x", "rgb(31, 78, 121)")],
)
def test_page_colours_are_used_only_when_readable(
    scripted_stack: Any, new_page: Any, colour: str, shown: str
) -> None:
    """data-primary-color themes the widget, unless white text on it would not be readable
    (then the neutral default blue stays)."""
    page = new_page()
    url = scripted_stack.web_url + "/colour-test.html"
    page.route(
        url,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!doctype html><html lang="fr"><title>Test</title><body>'
            f'<script src="/widget/chat-widget.js" data-server="{scripted_stack.rasa_url}" '
            f'data-primary-color="{colour}"></script></body></html>',
        ),
    )
    page.goto(url)
    launcher = Chat(page).launcher
    launcher.wait_for()
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == shown
