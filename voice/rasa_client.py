"""The assistant, seen from the gateway: Rasa's REST input channel named `phone`.

POST {rasa_url}/webhooks/phone/webhook
  {"sender": call id, "message": text, "metadata": {"caller_number": "+33…" | null,
   "channel": "phone"}}
-> [{"recipient_id", "text", "buttons": [{"title", "payload"}], "custom": {...}}, ...]

A bot message may carry `custom: {"action": "transfer" | "hangup"}` (an action's
`json_message`): the gateway says what came before it, ends the call and reports the outcome to
the dialplan (voice/README.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.keys import PHONE_TOKEN_HEADER, phone_token

CHANNEL = "phone"
PHONE_ACTIONS = ("transfer", "hangup")


class AssistantUnavailable(RuntimeError):
    """Rasa did not answer (down, timeout, error status)."""


@dataclass(frozen=True)
class BotMessage:
    text: str = ""
    buttons: list[dict[str, Any]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def phone_action(self) -> str | None:
        action = self.custom.get("action")
        return action if action in PHONE_ACTIONS else None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BotMessage:
        custom = raw.get("custom")
        return cls(
            text=str(raw.get("text") or ""),
            buttons=[b for b in raw.get("buttons") or [] if isinstance(b, dict)],
            custom=custom if isinstance(custom, dict) else {},
        )


class RasaClient:
    def __init__(self, rasa_url: str, timeout: float = 15.0) -> None:
        self.webhook = f"{rasa_url.rstrip('/')}/webhooks/{CHANNEL}/webhook"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(
        self, sender: str, message: str, caller_number: str | None = None
    ) -> list[BotMessage]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        body = {
            "sender": sender,
            "message": message,
            "metadata": {"caller_number": caller_number, "channel": CHANNEL},
        }
        try:
            # The phone channel refuses a request without the secret shared with this gateway.
            headers = {PHONE_TOKEN_HEADER: phone_token()}
            async with self._session.post(self.webhook, json=body, headers=headers) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"{self.webhook} answered HTTP {response.status}")
                payload = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise AssistantUnavailable(f"{self.webhook}: {exc!r}") from exc
        if not isinstance(payload, list):
            raise AssistantUnavailable(f"{self.webhook} answered {type(payload).__name__}")
        return [BotMessage.from_json(m) for m in payload if isinstance(m, dict)]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
