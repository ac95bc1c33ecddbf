"""Rasa's REST `phone` webhook in front of a short script, for the gateway's own tests.

The gateway's turn-taking (spoken choices, keys, silence, barge-in, numbers read back, transfer,
hang-up, many calls) is checked against this script over real HTTP, real TCP and real audio;
the real assistant's answers are checked by test_phone_e2e.py against the running stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOPICS = [
    {"title": "APA", "payload": '/inform{"topic":"apa"}'},
    {"title": "RSA", "payload": '/inform{"topic":"rsa"}'},
    {"title": "transport", "payload": '/inform{"topic":"imagine_r"}'},
    {"title": "collège", "payload": '/inform{"topic":"college"}'},
]
GREETING = "Bonjour. Quel est le sujet ?"
NAMES = {"apa": "APA", "rsa": "RSA", "imagine_r": "Imagine R", "college": "collège"}


@dataclass
class ScriptedRasa:
    received: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self, sender: str) -> list[str]:
        return [r["message"] for r in self.received if r["sender"] == sender]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/phone/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        return web.json_response(self.reply(body["message"], body["sender"]))

    @staticmethod
    def reply(message: str, sender: str) -> list[dict[str, Any]]:
        if message == "/greet":
            return [{"recipient_id": sender, "text": GREETING, "buttons": TOPICS}]
        if message == "/ask_human":
            return [
                {"recipient_id": sender, "text": "Je vous mets en relation."},
                {"recipient_id": sender, "custom": {"action": "transfer"}},
                {"recipient_id": sender, "text": "Sinon, nous vous rappellerons."},
            ]
        if message in ("au revoir", '/inform{"topic":"college"}'):
            return [
                {"recipient_id": sender, "text": "Au revoir."},
                {"recipient_id": sender, "custom": {"action": "hangup"}},
            ]
        if message.startswith("/inform"):
            topic = json.loads(message[len("/inform") :])["topic"]
            return [{"recipient_id": sender, "text": f"Sujet {NAMES[topic]}. Et ensuite ?"}]
        return [{"recipient_id": sender, "text": "Bien noté."}]
