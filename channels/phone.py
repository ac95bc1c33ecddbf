"""The phone line: the voice gateway posts recognised text here, with the caller's number.

POST /webhooks/phone/webhook {"sender": call id, "message": text,
                              "metadata": {"caller_number": "+33…"}}
"""

from __future__ import annotations

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from channels.guard import Handler, guarded


class PhoneOutputChannel(CollectingOutputChannel):
    """Collects the replies like the REST channel, under the name "phone".

    Rasa picks a response's `channel: phone` variant (words for the ear) by the output
    channel's name; REST's collector is named "collector".
    """

    @classmethod
    def name(cls) -> str:
        return "phone"


def _spoken(on_new_message: Handler) -> Handler:
    async def handle(message: UserMessage) -> None:
        collector = message.output_channel
        if isinstance(collector, CollectingOutputChannel):
            phone = PhoneOutputChannel()
            phone.messages = collector.messages  # the webhook returns the collector's list
            message.output_channel = phone
        await on_new_message(message)

    return handle


class PhoneInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "phone"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return super().blueprint(_spoken(guarded(on_new_message)))
