"""The chat widget as a citizen sees and uses it, driven through Playwright."""

from __future__ import annotations

from typing import Any

ANSWER_TIMEOUT_MS = 30_000


class Chat:
    """What a citizen sees and does with the widget, through Playwright (locators pierce the
    widget's open shadow root)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name="Une question ?")
        self.panel = page.get_by_role("dialog", name="Assistant du Département")
        self.input = page.get_by_label("Votre message")
        self.messages = page.locator("#triage-chat .message")
        self.bot_messages = page.locator("#triage-chat .message-bot")
        self.user_messages = page.locator("#triage-chat .message-user")
        self.replies = page.locator("#triage-chat .replies-bar button")
        self.status = page.locator("#triage-chat .status")
        self.typing = page.locator("#triage-chat .typing")
        self.error = page.locator("#triage-chat .error-text")
        self.live = page.locator("#triage-chat [aria-live]")

    def open(self) -> None:
        self.launcher.click()
        self.panel.wait_for(state="visible")

    def start(self) -> None:
        """Open the window and accept the privacy notice."""
        self.open()
        self.page.get_by_role("button", name="J’ai compris, commencer").click()
        self.input.wait_for(state="visible")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def wait_for_bot(self, count: int, timeout_ms: int = ANSWER_TIMEOUT_MS) -> str:
        """Wait until the assistant has written `count` messages and the answer is complete
        (typing indicator gone); return the text of the last one."""
        self.bot_messages.nth(count - 1).wait_for(timeout=timeout_ms)
        self.typing.wait_for(state="hidden", timeout=timeout_ms)
        return self.bot_messages.last.inner_text()

    def ask(self, text: str, timeout_ms: int = ANSWER_TIMEOUT_MS) -> str:
        """Send a message and return everything the assistant wrote in answer."""
        before = self.bot_messages.count()
        self.send(text)
        self.wait_for_bot(before + 1, timeout_ms)
        return "\n".join(self.bot_messages.all_inner_texts()[before:])

    def session_id(self) -> str:
        return self.page.evaluate(
            """() => {
                const key = Object.keys(sessionStorage).find(k => k.startsWith('triage-chat:')
                    && !k.endsWith(':probe'));
                return key ? JSON.parse(sessionStorage.getItem(key)).sessionId : null;
            }"""
        )

    def focused(self) -> str:
        """Accessible text of the focused element, looking inside the widget's shadow root."""
        return self.page.evaluate(
            """() => {
                let el = document.activeElement;
                while (el && el.shadowRoot && el.shadowRoot.activeElement) {
                    el = el.shadowRoot.activeElement;
                }
                if (!el) return '';
                const label = el.getAttribute('aria-label') || el.labels?.[0]?.textContent;
                return (label || el.textContent || el.id || el.tagName).trim();
            }"""
        )

    def in_view(self, message: Any) -> bool:
        """Whether the top of a message is visible inside the scrolling conversation area."""
        return message.evaluate(
            """m => {
                const area = m.closest('.conversation').getBoundingClientRect();
                const box = m.getBoundingClientRect();
                return box.height > 0 && box.top >= area.top - 1 && box.top < area.bottom;
            }"""
        )
