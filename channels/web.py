"""The website chat: socket.io for the widget, REST for simple clients and tests."""

from __future__ import annotations

import uuid
from typing import Any

from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput

from channels.guard import guarded


class WebSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        blueprint = super().blueprint(guarded(on_new_message))
        sio = self.sio

        # Rasa 3.6 calls sio.enter_room() without await; with python-socketio ≥ 5.10 it is a
        # coroutine, so the browser never joined its session's room and received no answer.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = (data or {}).get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        return blueprint


class WebRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return super().blueprint(guarded(on_new_message))
