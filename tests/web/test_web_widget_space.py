"""The widget's space and handling for a citizen, measured in Chromium (issue #15): the message
area on a laptop, a phone and at 200 % / 400 % zoom, the "new messages" cue, the focus after a
button, 44 px targets, the confirmation's main button, the modal behaviour, the launcher's place,
tap-to-call and copy, and the keyboard path through a whole conversation.

Browser zoom is played the way it reaches the page: a viewport of (width / zoom) × (height /
zoom) CSS pixels at a device scale factor of `zoom` (a 1280×800 screen at 200 % is a 640×400
page drawn with 2 device pixels per CSS pixel). The measures are written to
reports/screenshots/widget-space.json, the screenshots of the main states beside it (or to
docs/screenshots/ with TRIAGE_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import DOCS_SCREENSHOTS, SCREENSHOTS
from tests.web.widget import Chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MEASURES = SCREENSHOTS / "widget-space.json"
TARGET_PX = 44

# name: (viewport width, height in CSS px, device scale factor, phone)
LAYOUTS = {
    "laptop-1280x800": (1280, 800, 1, False),
    "laptop-zoom-200": (640, 400, 2, False),
    "laptop-zoom-400": (320, 200, 4, False),
    "phone-390x844": (390, 844, 3, True),
    # What a phone's keyboard leaves of a 390×844 screen (about 370 px of 844).
    "phone-keyboard-open": (390, 474, 3, True),
}


def context_options(layout: str) -> dict[str, Any]:
    width, height, scale, phone = LAYOUTS[layout]
    options: dict[str, Any] = {
        "viewport": {"width": width, "height": height},
        "device_scale_factor": scale,
    }
    if phone:
        options.update(is_mobile=True, has_touch=True)
    return options


def record(name: str, values: dict[str, Any]) -> None:
    """Keep the measures of every run in one JSON file (read for the report)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    known = json.loads(MEASURES.read_text("utf-8")) if MEASURES.exists() else {}
    known[name] = values
    MEASURES.write_text(json.dumps(known, indent=2, ensure_ascii=False), "utf-8")


def document_shot(page: Any, name: str) -> None:
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"widget-{name}.png"))


def measure(page: Any) -> dict[str, float]:
    """Heights in CSS px of the window and its parts, and the text's line height."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('#triage-chat').shadowRoot;
            const height = (selector) => {
                const node = root.querySelector(selector);
                return node && !node.hidden ? Math.round(node.getBoundingClientRect().height) : 0;
            };
            const bubble = root.querySelector('.bubble') || root.querySelector('.intro');
            const send = root.querySelector('.send').getBoundingClientRect();
            return {
                panel: height('.panel'),
                header: height('.header'),
                conversation: height('.conversation'),
                replies: height('.replies-bar'),
                composer: height('.composer'),
                tools: height('.tools'),
                line: parseFloat(getComputedStyle(bubble).lineHeight),
                send_bottom: Math.round(send.bottom),
                send_right: Math.round(send.right),
                viewport_height: window.innerHeight,
                viewport_width: window.innerWidth,
            };
        }"""
    )


@pytest.fixture
def site(scripted_stack: Any) -> str:
    return scripted_stack.web_url + "/"


def started(chat_factory: Any, site: str, layout: str) -> Chat:
    chat = chat_factory(site, **context_options(layout))
    chat.open()
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    chat.input.wait_for(state="visible")
    return chat


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_conversation_gets_the_height(chat_factory: Any, site: str, layout: str) -> None:
    chat = started(chat_factory, site, layout)
    chat.ask("Bonjour, je mesure la place des messages")
    sizes = measure(chat.page)
    record(layout, sizes)
    document_shot(chat.page, layout)
    lines = sizes["conversation"] / sizes["line"]
    assert lines >= 3, f"three lines of text at least: {sizes}"
    assert sizes["header"] <= TARGET_PX + 6, f"a one-line header: {sizes}"
    if layout in ("laptop-1280x800", "phone-390x844"):
        assert sizes["conversation"] >= sizes["panel"] / 2, f"half of the window: {sizes}"
    assert sizes["send_bottom"] <= sizes["viewport_height"], f"« Envoyer » in view: {sizes}"
    assert sizes["send_right"] <= sizes["viewport_width"], f"« Envoyer » not cut: {sizes}"


def composer_in_view(page: Any) -> dict[str, Any]:
    """Where the message field and « Envoyer » are, and whether they are the topmost element
    at their centre (not under another part of the window)."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('#triage-chat').shadowRoot;
            const shown = (node) => {
                const r = node.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                const top = root.elementFromPoint(x, y);
                return {top: Math.round(r.top), bottom: Math.round(r.bottom),
                        on_top: top === node || node.contains(top)};
            };
            const header = root.querySelector('.header').getBoundingClientRect();
            return {field: shown(root.querySelector('.input')),
                    send: shown(root.querySelector('.send')),
                    header_bottom: Math.round(header.bottom),
                    viewport_height: window.innerHeight};
        }"""
    )


def test_at_400_percent_the_message_field_needs_no_scroll(chat_factory: Any, site: str) -> None:
    """Issue #15: at 400 % (320 × 200 px) the field and « Envoyer » stay in view, whatever
    the window holds above them and wherever its scrollable part is scrolled to."""
    chat = started(chat_factory, site, "laptop-zoom-400")
    root = "document.querySelector('#triage-chat').shadowRoot"
    states = {}
    for state, script in (
        ("opened", None),
        ("choices shown", "Je voudrais être rappelé"),
        ("scrolled to the top", f"{root}.querySelector('.chat').scrollTop = 0"),
        ("scrolled to the end", f"{root}.querySelector('.chat').scrollTop = 1e6"),
        ("conversation at its top", f"{root}.querySelector('.conversation').scrollTop = 0"),
    ):
        if script and not script.startswith("document"):
            chat.ask(script)
        elif script:
            chat.page.evaluate(f"() => {{ {script}; }}")
        states[state] = composer_in_view(chat.page)
        if state == "choices shown":
            document_shot(chat.page, "laptop-zoom-400-choices")
    record("laptop-zoom-400-composer", states)
    for state, where in states.items():
        for part in ("field", "send"):
            box = where[part]
            assert box["top"] >= where["header_bottom"], (state, part, where)
            assert box["bottom"] <= where["viewport_height"], (state, part, where)
            assert box["on_top"], f"{part} covered when {state}: {where}"


def where_things_are(page: Any) -> dict[str, Any]:
    """The boxes of the first and the latest message, of the message field and of the
    conversation area, and how far the page and the widget's scrollable parts are scrolled."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('#triage-chat').shadowRoot;
            const box = (node) => {
                const r = node.getBoundingClientRect();
                return {top: Math.round(r.top), bottom: Math.round(r.bottom)};
            };
            const messages = root.querySelectorAll('.message');
            return {first: box(messages[0]), latest: box(messages[messages.length - 1]),
                    field: box(root.querySelector('.input')),
                    panel: box(root.querySelector('.panel')),
                    header: box(root.querySelector('.header')),
                    panel_scroll: root.querySelector('.panel').scrollTop,
                    area: box(root.querySelector('.conversation')),
                    page_scroll: window.scrollY,
                    chat_scroll: root.querySelector('.chat').scrollTop,
                    list_scroll: root.querySelector('.conversation').scrollTop,
                    viewport_height: window.innerHeight};
        }"""
    )


def test_at_400_percent_the_wheel_keeps_the_conversation_in_view(
    chat_factory: Any, site: str
) -> None:
    """At 400 % (320 × 200 px) the mouse wheel over the middle of the window scrolls the
    messages, never the page nor the window's other parts: the latest answer and the message
    field stay in view, and scrolling up shows the earlier messages (WCAG 1.4.10)."""
    chat = started(chat_factory, site, "laptop-zoom-400")
    page = chat.page
    for text in ("Bonjour", "Je cherche une aide", "Pour ma mère"):
        chat.ask(text)
    panel = chat.panel.bounding_box()
    page.mouse.move(panel["x"] + panel["width"] / 2, panel["y"] + panel["height"] / 2)
    states = {"before": where_things_are(page)}
    for _ in range(6):
        page.mouse.wheel(0, 120)
        page.wait_for_timeout(80)
    page.wait_for_timeout(400)
    states["wheel down"] = where_things_are(page)
    for _ in range(12):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(80)
    page.wait_for_timeout(400)
    states["wheel up"] = where_things_are(page)
    record("laptop-zoom-400-wheel", states)
    down, up = states["wheel down"], states["wheel up"]
    for state, where in (("wheel down", down), ("wheel up", up)):
        assert where["page_scroll"] == 0, f"the page behind did not move: {state}: {where}"
        assert where["chat_scroll"] == states["before"]["chat_scroll"], (state, where)
        assert where["field"]["top"] >= 0, (state, where)
        assert where["field"]["bottom"] <= where["viewport_height"], (state, where)
        assert 0 <= where["area"]["top"] < where["area"]["bottom"] <= where["field"]["top"], (
            f"the conversation in view above the field: {state}: {where}"
        )
    latest, area = down["latest"], down["area"]
    assert area["top"] <= latest["bottom"] and latest["bottom"] <= area["bottom"] + 1, (
        f"the latest answer still in view after the wheel: {down}"
    )
    assert up["list_scroll"] < down["list_scroll"], f"the messages scrolled up: {states}"
    assert up["area"]["top"] - 1 <= up["first"]["top"] < up["area"]["bottom"], (
        f"the first message shown after scrolling up: {states}"
    )


def test_text_enlarged_to_200_percent_keeps_three_lines(chat_factory: Any, site: str) -> None:
    chat = chat_factory(site)
    chat.page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    chat.open()
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    chat.ask("Bonjour avec un texte agrandi")
    sizes = measure(chat.page)
    record("laptop-text-200", sizes)
    assert sizes["conversation"] >= 3 * sizes["line"], sizes
    assert sizes["send_bottom"] <= sizes["viewport_height"], sizes


def test_new_messages_cue_leads_to_the_first_new_message(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "laptop-1280x800")
    chat.ask("Bonjour")
    cue = chat.page.get_by_role("button", name="Nouveaux messages")
    assert cue.is_hidden(), "nothing new below: no cue"
    chat.ask("Une réponse longue, s'il vous plaît")
    cue.wait_for(state="visible")
    document_shot(chat.page, "new-messages-cue")
    area = chat.page.locator("#triage-chat .conversation")
    area.evaluate("a => { a.scrollTop = 0; }")
    cue.click()
    answer = chat.bot_messages.last
    assert chat.in_view(answer), "the first new message is shown from its top"
    area.evaluate("a => { a.scrollTop = a.scrollHeight; }")
    cue.wait_for(state="hidden")


def test_a_tap_on_a_choice_does_not_open_the_phone_keyboard(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "phone-390x844")
    assert chat.focused() != "Votre message", "opening does not open the keyboard either"
    chat.ask("Bonjour")
    chat.replies.first.tap()
    chat.wait_for_bot(3)
    assert chat.focused() != "Votre message"
    assert chat.page.evaluate(
        "() => document.querySelector('#triage-chat').shadowRoot.activeElement.tagName"
    ) not in ("TEXTAREA", "INPUT")
    hint = chat.page.get_by_text("Maj + Entrée")
    assert hint.count() == 0 or hint.is_hidden(), "no keyboard advice on a phone"


def test_every_control_is_44_px(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "laptop-1280x800")
    chat.ask("Je voudrais être rappelé")
    small = chat.page.evaluate(
        """(target) => {
            const root = document.querySelector('#triage-chat').shadowRoot;
            return Array.from(root.querySelectorAll('button, textarea'))
                .filter((b) => b.getClientRects().length)
                .map((b) => [b.textContent.trim() || b.getAttribute('aria-label'),
                             b.getBoundingClientRect()])
                .filter(([, r]) => r.height < target - 0.5 || r.width < target - 0.5)
                .map(([name, r]) => `${name}: ${r.width}×${r.height}`);
        }""",
        TARGET_PX,
    )
    assert small == []


def test_the_confirmation_main_action_stands_out(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "laptop-1280x800")
    walk_to_recap(chat)
    style = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    confirm = chat.replies.filter(has_text="Oui, je confirme").evaluate(style)
    cancel = chat.replies.filter(has_text="Annuler la demande").evaluate(style)
    primary = chat.page.locator("#triage-chat .send").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    document_shot(chat.page, "recap")
    assert confirm == [primary, "rgb(255, 255, 255)"], "filled with the main colour"
    assert cancel[0] in ("rgba(0, 0, 0, 0)", "transparent"), "not filled"


def walk_to_recap(chat: Chat) -> None:
    """The scripted callback request up to its recap (consent, name, moment)."""
    before = chat.bot_messages.count()
    chat.ask("Je voudrais être rappelé")
    chat.replies.filter(has_text="Oui, j’accepte").click()
    chat.wait_for_bot(before + 2)
    chat.ask("Marie Exemple")
    chat.replies.filter(has_text="Peu importe").click()
    chat.wait_for_bot(before + 4)


@pytest.mark.parametrize("layout", ["laptop-1280x800", "phone-390x844"])
def test_the_window_is_a_modal_dialog(chat_factory: Any, site: str, layout: str) -> None:
    chat = started(chat_factory, site, layout)
    page = chat.page
    assert chat.panel.get_attribute("aria-modal") == "true"
    chat.ask("Bonjour")
    for _ in range(25):
        page.keyboard.press("Tab")
        assert in_widget(page), "Tab stays inside the window"
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        assert in_widget(page), "Shift+Tab stays inside the window"
    inert = page.evaluate(
        "() => Array.from(document.body.children).filter(n => n.id !== 'triage-chat'"
        " && n.tagName !== 'SCRIPT').map(n => n.inert)"
    )
    if layout.startswith("phone"):
        assert inert and all(inert), "the page behind a full-screen window is inert"
    else:
        assert not any(inert), "the corner window leaves the page usable"
    page.keyboard.press("Escape")
    assert not any(page.evaluate("() => Array.from(document.body.children).map(n => n.inert)"))


def in_widget(page: Any) -> bool:
    return page.evaluate("() => document.activeElement?.id === 'triage-chat'")


@pytest.mark.parametrize("layout", ["laptop-1280x800", "phone-390x844"])
def test_the_launcher_comes_early_and_covers_nothing(
    chat_factory: Any, site: str, layout: str
) -> None:
    chat = chat_factory(site, **context_options(layout))
    page = chat.page
    stops = 0
    while not chat.focused().startswith("Une question ?") and stops < 40:
        page.keyboard.press("Tab")
        stops += 1
    record(f"launcher-tab-stop-{layout}", {"tab_stop": stops})
    assert stops <= 4, "right after the three skip links"
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    document_shot(page, f"launcher-{layout}")
    covered = page.evaluate(
        """() => {
            const button = document.querySelector('#triage-chat').shadowRoot
                .querySelector('.launcher').getBoundingClientRect();
            const meets = (r) => r.left < button.right && r.right > button.left
                && r.top < button.bottom && r.bottom > button.top;
            return Array.from(document.querySelectorAll('footer a, footer p, footer span, main p'))
                .filter((n) => meets(n.getBoundingClientRect()))
                .map((n) => n.textContent.trim().slice(0, 40));
        }"""
    )
    assert covered == []


def test_the_notice_opens_at_its_top(chat_factory: Any, site: str) -> None:
    chat = chat_factory(site, **context_options("laptop-zoom-200"))
    chat.open()
    notice = chat.page.locator("#triage-chat .notice")
    assert notice.evaluate("n => n.scrollTop") == 0
    assert chat.focused() == "Avant de commencer"
    assert chat.page.get_by_role("button", name="Nouvelle conversation").count() == 0
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    assert chat.page.get_by_role("button", name="Nouvelle conversation").count() == 0, (
        "nothing to start again before a conversation"
    )
    chat.ask("Bonjour")
    assert chat.page.get_by_role("button", name="Nouvelle conversation").is_visible()
    chat.page.get_by_role("button", name="Vos données").click()
    assert notice.evaluate("n => n.scrollTop") == 0
    assert chat.focused() == "Avant de commencer"


def test_call_and_copy_the_reference(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "laptop-1280x800")
    chat.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    walk_to_recap(chat)
    chat.replies.filter(has_text="Oui, je confirme").click()
    chat.wait_for_bot(5)
    last = chat.bot_messages.last
    calls = last.locator("a[href^='tel:']")
    assert calls.evaluate_all("links => links.map(a => [a.textContent, a.href])") == [
        ["3994", "tel:3994"],
        ["01 45 00 00 00", "tel:0145000000"],
    ], "ARCEP's fictitious 01 99 00 range is an example, not a link"
    copy = last.get_by_role("button", name="Copier la référence 261129-483920")
    copy.click()
    assert chat.page.evaluate("() => navigator.clipboard.readText()") == "261129-483920"
    assert "Référence copiée" in copy.inner_text()
    document_shot(chat.page, "confirmation")


def test_keyboard_path_through_a_whole_conversation(chat_factory: Any, site: str) -> None:
    """Every key a keyboard user presses, from the page to the copied reference; the path is
    recorded with what had the focus after each key."""
    chat = chat_factory(site)
    page = chat.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    path: list[str] = []

    def press(key: str, expect: str | None = None) -> None:
        page.keyboard.press(key)
        path.append(f"{key} → {chat.focused()}")
        if expect is not None:
            assert chat.focused() == expect, path

    def tab_to(name: str, most: int) -> None:
        for _ in range(most):
            press("Tab")
            if chat.focused() == name:
                return
        pytest.fail(f"{name} not reached in {most} Tab: {path}")

    def type_text(text: str) -> None:
        page.keyboard.type(text)
        path.append(f"« {text} »")

    for _ in range(10):
        press("Tab")
        if chat.focused().startswith("Une question ?"):
            break
    press("Enter", "Avant de commencer")
    tab_to("J’ai compris, commencer", 3)  # the notice's links (3994, the privacy page), then it
    press("Enter", "Votre message")
    type_text("Je voudrais être rappelé")
    press("Enter")
    chat.wait_for_bot(1)
    press("Shift+Tab", "Non")
    press("Shift+Tab", "Oui, j’accepte")
    press("Enter")
    chat.wait_for_bot(2)
    assert chat.focused().endswith("Quel est votre nom ?"), "the answer has the focus"
    press("Tab", "Votre message")  # the name is typed
    type_text("Marie Exemple")
    press("Enter")
    chat.wait_for_bot(3)
    press("Shift+Tab", "Peu importe")
    press("Enter")
    chat.wait_for_bot(4)
    page.wait_for_function(
        "() => document.querySelector('#triage-chat').shadowRoot.activeElement?.textContent"
        " === 'Oui, je confirme'"
    )
    path.append(f"(the recap's choices arrive) → {chat.focused()}")
    press("Enter")
    chat.wait_for_bot(5)
    page.wait_for_function(
        "() => document.querySelector('#triage-chat').shadowRoot.activeElement?.tagName === 'LI'"
    )
    path.append(f"(the confirmation arrives) → {chat.focused()}")
    tab_to("Copier la référence 261129-483920", 3)  # after the tap-to-call links
    press("Enter")
    assert page.evaluate("() => navigator.clipboard.readText()") == "261129-483920"
    press("Escape")
    assert chat.focused().startswith("Une question ?")
    record("keyboard-path", {"keys": path, "count": len([p for p in path if "→" in p])})


def test_the_departements_look_and_no_state_font(chat_factory: Any, site: str) -> None:
    """departement.yml's colour and font on the page and in the widget; the State's font is
    never downloaded."""
    from bot.settings import get_settings

    identity = get_settings().identity
    chat = chat_factory(site)
    fonts: list[str] = []
    chat.page.on("request", lambda r: fonts.append(r.url) if r.resource_type == "font" else None)
    chat.open()
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    chat.ask("Bonjour")
    red, green, blue = (int(identity.colour[i : i + 2], 16) for i in (1, 3, 5))
    send = chat.page.locator("#triage-chat .send")
    assert (
        send.evaluate("b => getComputedStyle(b).backgroundColor") == f"rgb({red}, {green}, {blue})"
    )
    for node in (send, chat.page.locator("body"), chat.page.locator("h1")):
        family = node.evaluate("n => getComputedStyle(n).fontFamily")
        assert family.startswith("system-ui") and "Marianne" not in family, family
    assert not [url for url in fonts if "Marianne" in url]


def test_a_fiche_is_one_short_message_with_details_on_demand(chat_factory: Any, site: str) -> None:
    chat = started(chat_factory, site, "phone-390x844")
    chat.ask("Une réponse détaillée sur l'APA")
    answer = chat.bot_messages.last
    assert chat.bot_messages.count() == 1, "one message"
    shown = answer.inner_text()
    assert "60 ans ou plus" in shown and "Prochaine étape" in shown, "the gist and the next step"
    assert "GIR" not in shown and "service-public.fr" not in shown, "details wait"
    more = answer.get_by_role("button", name="En savoir plus")
    assert more.get_attribute("aria-expanded") == "false"
    more.tap()
    assert "GIR 1 à 4" in answer.inner_text() and answer.get_by_role("link").count() >= 1
    assert (
        answer.get_by_role("button", name="Masquer les détails").get_attribute("aria-expanded")
        == "true"
    )
    document_shot(chat.page, "fiche-details")


def axe_all(page: Any, name: str) -> list[str]:
    """Every axe-core violation (any impact, WCAG 2.1 A/AA) in the whole page, widget included."""
    from tests.conftest import AXE

    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        }).then(r => r.violations)"""
    )
    record(f"axe-{name}", {"violations": [v["id"] for v in violations]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.mark.parametrize("layout", ["laptop-1280x800", "phone-390x844", "laptop-zoom-200"])
def test_no_accessibility_violation_at_all(chat_factory: Any, site: str, layout: str) -> None:
    chat = chat_factory(site, **context_options(layout))
    found = {"closed": axe_all(chat.page, f"{layout}-closed")}
    chat.open()
    found["notice"] = axe_all(chat.page, f"{layout}-notice")
    chat.page.get_by_role("button", name="J’ai compris, commencer").click()
    chat.ask("Une réponse détaillée sur l'APA")
    chat.bot_messages.last.get_by_role("button", name="En savoir plus").click()
    walk_to_recap(chat)
    found["recap"] = axe_all(chat.page, f"{layout}-recap")
    chat.replies.filter(has_text="Oui, je confirme").click()
    chat.wait_for_bot(6)  # the fiche, four steps, the confirmation
    found["confirmation"] = axe_all(chat.page, f"{layout}-confirmation")
    assert not {state: v for state, v in found.items() if v}
