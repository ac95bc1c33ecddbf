"""The checks every channel applies before a message reaches Rasa (imports Rasa's channel types)."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.guard import MAX_MESSAGE_CHARS, guarded, problem_with


def run(handler, text):
    output = CollectingOutputChannel()
    asyncio.run(guarded(handler)(UserMessage(text, output, "citizen-1", input_channel="rest")))
    return [message.get("text") for message in output.messages]


def test_empty_and_over_long_messages_are_refused_in_french():
    assert "vide" in problem_with("")
    assert "vide" in problem_with(" \n\t")
    assert "trop long" in problem_with("x" * (MAX_MESSAGE_CHARS + 1))
    assert problem_with("x" * MAX_MESSAGE_CHARS) is None


def test_refused_messages_never_reach_the_dialogue():
    reached = []

    async def handler(message):
        reached.append(message.text)

    assert "vide" in run(handler, "")[0]
    assert reached == []


def test_silence_from_the_dialogue_is_replaced_by_an_apology():
    async def silent(message):  # what Rasa does when the action server is down
        return None

    [text] = run(silent, "bonjour")
    assert "incident technique" in text and "3994" in text


def test_a_crash_is_announced_and_an_answer_is_not_doubled():
    async def crashing(message):
        raise RuntimeError("boom")

    async def answering(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Bonjour !"})

    assert "incident technique" in run(crashing, "bonjour")[0]
    assert run(answering, "bonjour") == ["Bonjour !"]
