"""A citizen typing on the REST channel, as the chat widget does over socket.io."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Citizen:
    rasa_url: str
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:12]}")
    channel: str = "rest"
    metadata: dict[str, Any] = field(default_factory=dict)
    last: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str) -> list[dict[str, Any]]:
        body = {"sender": self.sender, "message": text}
        if self.metadata:
            body["metadata"] = self.metadata
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/{self.channel}/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            self.last = json.loads(response.read())
            # The server issues the conversation's signed id; the next message continues it.
            self.sender = response.headers.get("X-Triage-Session") or self.sender
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(message.get("text") or "" for message in self.last)

    def buttons(self) -> list[dict[str, str]]:
        return [button for message in self.last for button in message.get("buttons") or []]

    def click(self, title_part: str) -> list[dict[str, Any]]:
        for button in self.buttons():
            if title_part.lower() in button["title"].lower():
                return self.say(button["payload"])
        raise AssertionError(f"no button {title_part!r} in {self.buttons()}")
