"""What every channel does before and after Rasa handles a message.

- An empty or over-long message gets a clear French answer and never reaches the NLU.
- If the dialogue produced no answer at all (the action server crashed or is unreachable: Rasa
  logs the error and carries on silently), the citizen is told so instead of facing silence.
  The message itself is already in the tracker, so nothing the citizen wrote is lost.
- If the shared store of the replicas (Redis) is down, the message was not handled at all: the
  citizen is asked to send it again in a moment; the conversation so far is kept (SQL copy).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.settings import get_settings
from channels.lock_store import ConversationStoreDown

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
Handler = Callable[[UserMessage], Awaitable[Any]]


def problem_with(text: str | None) -> str | None:
    """The French answer to a message that cannot be handled, or None when it is fine."""
    if text is None or not text.strip():
        return (
            "Votre message est vide. Écrivez votre question, par exemple : "
            "« Comment demander l'APA ? »"
        )
    if len(text) > MAX_MESSAGE_CHARS:
        return (
            f"Votre message est trop long ({len(text)} caractères, "
            f"{MAX_MESSAGE_CHARS} au maximum). "
            "Pouvez-vous le résumer en quelques phrases ?"
        )
    return None


def unavailable_message() -> str:
    settings = get_settings()
    return (
        "Désolé, je ne peux pas vous répondre pour le moment à cause d'un incident technique. "
        "Votre message est bien reçu. Réessayez dans quelques minutes ou appelez le "
        f"{settings.contact_phone}."
    )


def not_handled_message() -> str:
    settings = get_settings()
    return (
        "Désolé, un incident technique m'empêche de traiter votre message. Votre conversation "
        "est conservée : renvoyez ce message dans quelques minutes, ou appelez le "
        f"{settings.contact_phone}."
    )


def guarded(on_new_message: Handler) -> Handler:
    """Wrap Rasa's message handler with the checks above."""

    async def handle(message: UserMessage) -> None:
        problem = problem_with(message.text)
        if problem:
            await message.output_channel.send_text_message(message.sender_id, problem)
            return
        sent = 0
        send_response = message.output_channel.send_response

        async def counting_send(recipient_id: str, response: dict[str, Any]) -> None:
            nonlocal sent
            sent += 1
            await send_response(recipient_id, response)

        message.output_channel.send_response = counting_send
        try:
            await on_new_message(message)
        except ConversationStoreDown:
            logger.error("a %s message was not handled: Redis is down", message.input_channel)
            await send_response(message.sender_id, {"text": not_handled_message()})
            return
        except Exception:
            logger.exception("message from %s could not be handled", message.input_channel)
        if sent == 0:
            logger.error(
                "no answer produced for a %s message: is the action server up?",
                message.input_channel,
            )
            await send_response(message.sender_id, {"text": unavailable_message()})

    return handle
