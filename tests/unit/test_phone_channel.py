"""The phone channel names its output "phone", so responses' `channel: phone` variants apply."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from channels.guard import guarded
from channels.phone import PhoneOutputChannel

RESPONSES = {
    "utter_emergency_fire": [
        {"text": "Appelez le 18 (pompiers)."},
        {"channel": "phone", "text": "Appelez le 18, les pompiers. Je répète : le 18."},
    ]
}


def test_phone_replies_use_the_spoken_variant_and_reach_the_webhook_reply() -> None:
    nlg = TemplatedNaturalLanguageGenerator(RESPONSES)
    tracker = DialogueStateTracker("call-1", slots=[])

    async def dialogue(message: UserMessage) -> None:
        channel = message.output_channel.name()
        reply = await nlg.generate("utter_emergency_fire", tracker, channel)
        await message.output_channel.send_response(message.sender_id, reply)

    collector = PhoneOutputChannel()  # what the phone webhook collects and returns
    message = UserMessage("il y a le feu", collector, "call-1", input_channel="phone")
    asyncio.run(guarded(dialogue)(message))
    assert [m["text"] for m in collector.messages] == [
        "Appelez le 18, les pompiers. Je répète : le 18."
    ]
