"""The phone line: the voice gateway posts recognised text here, with the caller's number.

POST /webhooks/phone/webhook {"sender": call id, "message": text,
                              "metadata": {"caller_number": "+33…"}}
with the header X-Triage-Phone-Token: the secret shared with the gateway (var/secrets/, 0600).
Without it nothing is accepted: whoever reaches this address could otherwise speak as any
caller. The reverse proxy does not expose it.
"""

from __future__ import annotations

import hmac
import re

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.keys import PHONE_TOKEN_HEADER, phone_token
from channels import sessions
from channels.guard import guarded
from channels.web import UNREADABLE, read_body, refusal

_NUMBER = re.compile(r"^\+?[0-9][0-9 .\-]{1,24}$")  # as the operator writes it
FORBIDDEN = "Ce canal est réservé à la passerelle téléphonique."


def caller_number(metadata: object) -> str | None:
    number = metadata.get("caller_number") if isinstance(metadata, dict) else None
    return number if isinstance(number, str) and _NUMBER.match(number) else None


class PhoneOutputChannel(CollectingOutputChannel):
    """Collects the replies like the REST channel, under the name "phone".

    Rasa picks a response's `channel: phone` variant (words for the ear) by the output
    channel's name; REST's collector is named "collector".
    """

    @classmethod
    def name(cls) -> str:
        return "phone"


class PhoneInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "phone"

    def blueprint(self, on_new_message):  # untyped like Rasa's own InputChannel.blueprint
        handle = guarded(on_new_message)
        expected = phone_token().encode()
        webhook = Blueprint("custom_webhook_PhoneInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(PHONE_TOKEN_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                return refusal(FORBIDDEN, 401)
            body = await read_body(request)
            if (
                body is None
                or not isinstance(body.get("message"), str)
                or not sessions.valid_call_id(body.get("sender"))
            ):
                return refusal(UNREADABLE, 400)
            number = caller_number(body.get("metadata"))
            collector = PhoneOutputChannel()
            await handle(
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=self.name(),
                    metadata={"caller_number": number} if number else {},
                )
            )
            return response.json(collector.messages)

        return webhook
