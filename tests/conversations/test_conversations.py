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


def _marked(conversation: dict) -> object:
    """A conversation known to fail is a strict xfail: it says why, and fails once it passes."""
    reason = conversation.get("known_failure")
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(conversation, marks=marks, id=conversation["id"])


@pytest.mark.parametrize("conversation", [_marked(c) for c in CONVERSATIONS])
def test_conversation(conversation, player, assistant_stack) -> None:
    problems = play(conversation, player, assistant_stack.database_url)
    assert not problems, "\n".join(problems)


def test_format_errors_are_reported() -> None:
    broken = {"id": "x", "turns": [{"user": "oui", "expect": {"respons": []}}], "tiket": {}}
    assert check_format(broken) == ["unknown key 'tiket'", "turn 1: unknown check 'respons'"]
