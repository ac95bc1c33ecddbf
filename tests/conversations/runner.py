"""Conversations written as data (tests/conversations/*.yml), played against the real assistant.

Each conversation is sent turn by turn to the running Rasa server (REST channel for `chat`, the
`phone` channel with the caller's number for `phone`); after each turn the conversation store
(the SQL copy of Rasa's tracker, channels/tracker_store.py) says which responses and actions
the assistant used and what the slots hold; at the end the tickets database says what the agents
will read. `python -m tests.conversations.runner` starts its own assistant and prints the share
of conversations that pass (`make eval`); tests/conversations/test_conversations.py runs each one
as a pytest test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, select, text

from bot.db import make_engine, session_factory
from bot.keys import PHONE_TOKEN_HEADER, phone_token
from bot.text import fold
from bot.tickets import Ticket

HERE = Path(__file__).resolve().parent
SESSION_HEADER = "X-Triage-Session"  # channels/web.py: the signed id the chat channel issues
TURN_KEYS = {"user", "expect"}
EXPECT_KEYS = {"responses", "not_responses", "text", "not_text", "slots"}
TICKET_KEYS = {
    "name",
    "phone",
    "commune",
    "topic",
    "priority",
    "channel",
    "intent",
    "reason_contains",
    "reason_not_contains",
    "entities",
}
CONVERSATION_KEYS = {
    "id",
    "description",
    "channel",
    "caller_number",
    "turns",
    "ticket",
    "no_ticket",
    "known_failure",  # why it fails today: an expected failure until fixed (strict xfail)
}
CHANNELS = {"chat": "rest", "phone": "phone"}


def load_conversations(folder: Path = HERE) -> list[dict[str, Any]]:
    """Every conversation of every *.yml file in the folder, checked for unknown keys."""
    conversations: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conversation in data.get("conversations") or []:
            problems = check_format(conversation)
            if problems:
                raise ValueError(f"{path.name}: {conversation.get('id')}: {'; '.join(problems)}")
            conversations.append({**conversation, "file": path.name})
    ids = [c["id"] for c in conversations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"conversation ids used twice: {duplicates}")
    return conversations


def check_format(conversation: dict[str, Any]) -> list[str]:
    problems = [f"unknown key {key!r}" for key in set(conversation) - CONVERSATION_KEYS]
    if not conversation.get("id") or not conversation.get("turns"):
        problems.append("id and turns are required")
    if conversation.get("channel", "chat") not in CHANNELS:
        problems.append(f"channel must be one of {sorted(CHANNELS)}")
    for index, turn in enumerate(conversation.get("turns") or [], start=1):
        problems += [f"turn {index}: unknown key {key!r}" for key in set(turn) - TURN_KEYS]
        expect = turn.get("expect") or {}
        problems += [f"turn {index}: unknown check {key!r}" for key in set(expect) - EXPECT_KEYS]
        if "user" not in turn:
            problems.append(f"turn {index}: no user message")
    ticket = conversation.get("ticket") or {}
    problems += [f"ticket: unknown field {key!r}" for key in set(ticket) - TICKET_KEYS]
    if ticket and conversation.get("no_ticket"):
        problems.append("ticket and no_ticket together")
    return problems


@dataclass
class TurnResult:
    replies: list[dict[str, Any]]
    names: list[str]  # responses (utter_…) and actions run in this turn
    slots: dict[str, Any]

    @property
    def text(self) -> str:
        return "\n".join(reply.get("text") or "" for reply in self.replies)


@dataclass
class ConversationStore:
    """Read access to the assistant's conversation store (SQL copy of the trackers)."""

    url: str
    _engine: Any = field(default=None, init=False)

    def events(self, sender: str) -> list[dict[str, Any]]:
        if self._engine is None:
            self._engine = create_engine(self.url)
        with self._engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender},
            )
            return [json.loads(row[0]) for row in rows]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def names_since_last_user(events: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot":
            utter = (event.get("metadata") or {}).get("utter_action")
            if utter:
                names.append(utter)
        elif kind == "action" and event.get("name") not in (None, "action_listen"):
            names.append(event["name"])
    return list(reversed(names))


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            slots[event["name"]] = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            slots = {}
    return slots


@dataclass
class Player:
    rasa_url: str
    store: ConversationStore

    def say(
        self, sender: str, channel: str, message: str, caller: str | None
    ) -> tuple[TurnResult, str]:
        """The turn's result and the sender id to continue the conversation with."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        headers = {"Content-Type": "application/json"}
        if channel == "phone":
            body["metadata"] = {"caller_number": caller} if caller else {}
            headers[PHONE_TOKEN_HEADER] = phone_token()  # as the voice gateway does
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/{CHANNELS[channel]}/webhook",
            data=json.dumps(body).encode(),
            headers=headers,
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            replies = json.loads(response.read())
            # The chat channel issues the conversation's signed id; the next message continues it.
            sender = response.headers.get(SESSION_HEADER) or sender
        events = self.store.events(conversation_id(sender))
        return TurnResult(replies, names_since_last_user(events), slot_values(events)), sender


def conversation_id(sender: str) -> str:
    """The id the conversation store knows: a chat session's token without its signature."""
    return sender.split(".")[0]


def _contains(haystack: str, needle: str) -> bool:
    return fold(needle) in fold(haystack)


def check_turn(result: TurnResult, expect: dict[str, Any]) -> list[str]:
    problems = []
    for name in expect.get("responses") or []:
        if name not in result.names:
            problems.append(f"expected {name} among {result.names}")
    for name in expect.get("not_responses") or []:
        if name in result.names:
            problems.append(f"did not expect {name} among {result.names}")
    for part in expect.get("text") or []:
        if not _contains(result.text, part):
            problems.append(f"expected text {part!r}")
    for part in expect.get("not_text") or []:
        if _contains(result.text, part):
            problems.append(f"did not expect text {part!r}")
    for slot, wanted in (expect.get("slots") or {}).items():
        if result.slots.get(slot) != wanted:
            problems.append(f"slot {slot} = {result.slots.get(slot)!r}, expected {wanted!r}")
    return problems


def tickets_for(database_url: str, references: list[str]) -> list[Ticket]:
    if not references:
        return []
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            query = select(Ticket).where(Ticket.reference.in_(references))
            return list(session.execute(query).scalars())
    finally:
        engine.dispose()


def check_ticket(tickets: list[Ticket], wanted: dict[str, Any]) -> list[str]:
    if len(tickets) != 1:
        return [f"expected one ticket, found {len(tickets)}"]
    ticket = tickets[0]
    columns = {
        "name": ticket.citizen_name,
        "phone": ticket.phone,
        "commune": ticket.commune,
        "topic": ticket.topic,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "intent": ticket.intent,
    }
    problems = [
        f"ticket {key} = {columns[key]!r}, expected {value!r}"
        for key, value in wanted.items()
        if key in columns and columns[key] != value
    ]
    reason = ticket.reason or ""
    for part in wanted.get("reason_contains") or []:
        if not _contains(reason, part):
            problems.append(f"ticket reason lacks {part!r}: {reason!r}")
    for part in wanted.get("reason_not_contains") or []:
        if _contains(reason, part):
            problems.append(f"ticket reason has {part!r}: {reason!r}")
    for name, value in (wanted.get("entities") or {}).items():
        values = [str(v) for v in (ticket.entities or {}).get(name, [])]
        if not any(_contains(v, str(value)) for v in values):
            problems.append(f"ticket entity {name} lacks {value!r}: {values}")
    return problems


def play(
    conversation: dict[str, Any], player: Player, database_url: str, show: bool = False
) -> list[str]:
    """Every failed check of one conversation, each naming its turn; empty when it passes."""
    sender = f"scenario-{uuid.uuid4().hex[:16]}"
    channel = conversation.get("channel", "chat")
    caller = conversation.get("caller_number")
    problems: list[str] = []
    result = None
    for index, turn in enumerate(conversation["turns"], start=1):
        result, sender = player.say(sender, channel, str(turn["user"]), caller)
        if show:
            print(f"  > {turn['user']}\n    {result.names}\n    {result.text!r}")
        for problem in check_turn(result, turn.get("expect") or {}):
            problems.append(f"turn {index} ({turn['user'][:40]!r}): {problem}")
            problems.append(f"    reply: {result.text[:300]!r}")
    references = sorted(
        {
            e["value"]
            for e in player.store.events(conversation_id(sender))
            if e.get("event") == "slot" and e.get("name") == "ticket_reference" and e.get("value")
        }
    )
    tickets = tickets_for(database_url, references)
    if conversation.get("no_ticket") and tickets:
        problems.append(f"expected no ticket, found {references}")
    if conversation.get("ticket"):
        problems += check_ticket(tickets, conversation["ticket"])
    return problems


def conversations_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / 'conversations.db'}"


def main(argv: list[str] | None = None) -> int:
    """Start an assistant, play every conversation, print the share that passed."""
    from triage.stack import Stack
    from triage.train import model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", help="only conversations whose id contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    parser.add_argument("--show", action="store_true", help="print every turn's replies")
    parser.add_argument("--check", action="store_true", help="exit 1 when one fails")
    args = parser.parse_args(argv)
    conversations = [c for c in load_conversations() if not args.k or args.k in c["id"]]
    model = model_path()
    if not model.exists():
        print(f"no trained model for the current data ({model.name}): run `make model`")
        return 2
    # Every simulated citizen comes from 127.0.0.1: lift the per-address limit, not the others.
    os.environ.setdefault("TRIAGE_CHAT_RATE_ADDRESS", "100000")
    with tempfile.TemporaryDirectory(prefix="scenarios-") as tmp:
        var_dir = Path(tmp)
        stack = Stack.isolated(model, var_dir, with_console=False)
        stack.start()
        store = ConversationStore(conversations_url(var_dir))
        player = Player(stack.rasa_url, store)
        failed: dict[str, list[str]] = {}
        try:
            for conversation in conversations:
                problems = play(conversation, player, stack.database_url, args.show)
                status = "ok  " if not problems else "FAIL"
                print(f"{status} {conversation['file']}: {conversation['id']}")
                if problems:
                    failed[conversation["id"]] = problems
                    for problem in problems if args.verbose else problems[:2]:
                        print(f"       {problem}")
        finally:
            store.close()
            stack.stop()
    passed = len(conversations) - len(failed)
    share = 100 * passed / len(conversations) if conversations else 0.0
    print(f"\nscenarios: {passed}/{len(conversations)} passed ({share:.1f} %)")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
