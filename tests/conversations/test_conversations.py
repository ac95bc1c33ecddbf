"""The conversation scenarios (tests/conversations/*.yml), one test each, on one running stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conversations.runner import (
    ConversationStore,
    Player,
    check_format,
    conversations_url,
    load_conversations,
    play,
)

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CONVERSATIONS = load_conversations()


@pytest.fixture(scope="module")
def player(assistant_stack) -> Iterator[Player]:
    store = ConversationStore(conversations_url(assistant_stack.var_dir))
    yield Player(assistant_stack.rasa_url, store)
    store.close()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_conversation(conversation, player, assistant_stack) -> None:
    problems = play(conversation, player, assistant_stack.database_url)
    assert not problems, "\n".join(problems)


def test_format_errors_are_reported() -> None:
    broken = {"id": "x", "turns": [{"user": "oui", "expect": {"respons": []}}], "tiket": {}}
    assert check_format(broken) == ["unknown key 'tiket'", "turn 1: unknown check 'respons'"]
