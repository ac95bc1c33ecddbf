"""The website chat: socket.io for the widget, REST for simple clients and tests."""

from __future__ import annotations

from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput

from channels.guard import guarded


class WebSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return super().blueprint(guarded(on_new_message))


class WebRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return super().blueprint(guarded(on_new_message))
