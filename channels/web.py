"""The website chat: socket.io for the widget, REST for simple clients and tests.

Nothing the client sends is taken on trust: the channel is the one the message came in by,
the conversation is the one the server issued a signed id for (channels/sessions.py), metadata
is reduced to the page the widget is on, and each conversation and address is rate-limited.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.keys import session_key
from bot.settings import get_settings
from channels import feedback, sessions
from channels.guard import guarded

log = logging.getLogger(__name__)
SESSION_HEADER = "X-Triage-Session"
UNREADABLE = (
    "Votre message n'a pas pu être lu. Écrivez votre question dans la zone de saisie et "
    "envoyez-la de nouveau."
)
TOO_FAST = (
    "Vous avez envoyé beaucoup de messages en peu de temps. Patientez une minute, puis "
    "réessayez : votre conversation est conservée."
)
LOOPBACK = ("127.0.0.1", "::1")


def client_address(ip: str | None, real_ip: str | None) -> str:
    """The citizen's address: the proxy's X-Real-IP when the request came through it."""
    if ip in LOOPBACK and real_ip:
        return real_ip[:64]
    return ip or "?"


def page_metadata(raw: object) -> dict[str, Any]:
    """What the widget may tell about itself: the page path, bounded. Never a channel."""
    page = raw.get("page") if isinstance(raw, dict) else None
    return {"page": page[:200]} if isinstance(page, str) else {}


class _Limits:
    def __init__(self) -> None:
        self.per_session, self.per_address = sessions.rate_limits(get_settings())

    def allow(self, session_id: str, address: str) -> bool:
        return self.per_session.allow(session_id) and self.per_address.allow(address)


class _SidOutput(SocketIOOutput):
    """Answers go to the socket that asked, never to a room named after a session id."""

    def __init__(self, sio: Any, bot_message_evt: str, sid: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sid = sid

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await self.sio.emit(self.bot_message_evt, response, room=self.sid)

    # Rasa's socket.io output sends each paragraph of an answer as its own message: a fiche
    # arrived as 7 or 8 bubbles. One answer is one message here; the widget lays it out.
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": replies})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, json_message)


class WebSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message):  # untyped like Rasa's own InputChannel.blueprint
        blueprint = super().blueprint(guarded(on_new_message))
        handle = guarded(on_new_message)
        sio = self.sio
        key = session_key()
        origins = set(sessions.site_origins(get_settings()))
        limits = _Limits()
        bound: dict[str, tuple[str, str]] = {}  # socket id -> (sender id, address)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin and sessions.origin_of(origin) not in origins:
                log.warning("socket.io connection refused from an origin not configured")
                return False
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            bound.pop(sid, None)

        # Rasa 3.6 joins a room named by the client's session_id (anyone's) and awaits nothing.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            given = data.get("session_id") if isinstance(data, dict) else None
            sender_id, token = sessions.resume_or_issue(key, given)
            environ = sio.get_environ(sid, namespace=self.namespace) or {}
            address = client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_REAL_IP"))
            bound[sid] = (sender_id, address)
            await sio.emit("session_confirm", token, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            output = _SidOutput(sio, self.bot_message_evt, sid)
            if sid not in bound:
                await sio.emit("session_confirm", None, room=sid)
                return
            sender_id, address = bound[sid]
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await output.send_text_message(sender_id, UNREADABLE)
                return
            if not limits.allow(sender_id, address):
                await output.send_text_message(sender_id, TOO_FAST)
                return
            metadata = page_metadata(data.get(self.metadata_key))
            await handle(
                UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
            )

        @sio.on(feedback.EVENT, namespace=self.namespace)
        async def answer_feedback(sid: str, data: Any) -> bool:
            """Acknowledged with True when stored (python-socketio returns it to the widget)."""
            rating = feedback.read_rating(data)
            if sid not in bound or rating is None or not limits.allow(*bound[sid]):
                return False
            return await feedback.save_rating(rating)

        return blueprint


async def read_body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # sanic: invalid JSON
        return None
    return body if isinstance(body, dict) else None


def refusal(text: str, status: int) -> HTTPResponse:
    return response.json([{"text": text}], status=status)


class WebRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message):  # untyped like Rasa's own InputChannel.blueprint
        handle = guarded(on_new_message)
        key = session_key()
        limits = _Limits()
        module = inspect.getmodule(self)
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", module.__name__ if module else None
        )

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = await read_body(request)
            if body is None or not isinstance(body.get("message"), str):
                return refusal(UNREADABLE, 400)
            sender_id, token = sessions.resume_or_issue(key, body.get("sender"))
            address = client_address(request.ip, request.headers.get("x-real-ip"))
            if not limits.allow(sender_id, address):
                return refusal(TOO_FAST, 429)
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"],
                collector,
                sender_id,
                input_channel=self.name(),
                metadata=page_metadata(body.get("metadata")),
            )
            await handle(message)
            # The client continues the conversation with the signed id, never the bare one.
            answers = [{**m, "recipient_id": token} for m in collector.messages]
            return response.json(answers, headers={SESSION_HEADER: token})

        return webhook
