"""The chat and phone channels of the running assistant, as a forger sends to them."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.keys import PHONE_TOKEN_HEADER, phone_token
from tests.e2e.chat import Citizen
from tests.security.helpers import request, session_of, stored_events

pytestmark = [pytest.mark.stack]
FORGED = '=HYPERLINK("http://evil.example","x")'


def test_channel_and_caller_are_set_by_the_server(assistant_stack) -> None:
    answer = request(
        f"{assistant_stack.rasa_url}/webhooks/rest/webhook",
        {
            "sender": f"test-{uuid.uuid4().hex}",
            "message": "bonjour",
            "input_channel": FORGED,
            "metadata": {"channel": FORGED, "caller_number": "+33611111111", "page": "/apa"},
        },
    )
    assert answer.status == 200
    token = answer.headers["X-Triage-Session"]
    [user] = [
        e for e in stored_events(assistant_stack.var_dir, session_of(token)) if e["event"] == "user"
    ]
    assert user["input_channel"] == "rest"
    given = {k: v for k, v in user["metadata"].items() if k not in ("assistant_id", "model_id")}
    assert given == {"page": "/apa"}


def test_the_phone_channel_needs_the_gateway_secret(assistant_stack) -> None:
    url = f"{assistant_stack.rasa_url}/webhooks/phone/webhook"
    body = {
        "sender": f"call-{uuid.uuid4().hex[:8]}",
        "message": "bonjour",
        "metadata": {"caller_number": "+33611111111"},
    }
    for headers in ({}, {PHONE_TOKEN_HEADER: "devine"}, {PHONE_TOKEN_HEADER: ""}):
        refused = request(url, body, headers=headers)
        assert refused.status == 401, headers
        assert "passerelle téléphonique" in refused.json()[0]["text"]
    secret = {PHONE_TOKEN_HEADER: phone_token()}
    assert request(url, body, headers=secret).status == 200
    assert request(url, {**body, "sender": "x" * 10_000}, headers=secret).status == 400
    [user] = [
        e for e in stored_events(assistant_stack.var_dir, body["sender"]) if e["event"] == "user"
    ]
    assert user["input_channel"] == "phone"
    given = {k: v for k, v in user["metadata"].items() if k not in ("assistant_id", "model_id")}
    assert given == {"caller_number": "+33611111111"}


def test_a_reused_or_made_up_sender_id_gets_a_new_conversation(assistant_stack) -> None:
    victim = Citizen(assistant_stack.rasa_url)
    victim.say("je conteste la décision de la CAF sur mon RSA, je veux parler à quelqu'un")
    victim.say("oui")
    victim.say("Lucie Fabre")
    assert "numéro" in victim.text.lower(), victim.text
    bare = session_of(victim.sender)
    forged = f"{bare}.{'A' * 22}"
    store = assistant_stack.var_dir / "conversations.db"
    before = store.stat().st_size  # the session's stack holds every earlier test's conversations
    for sender in (bare, forged, victim.sender.upper(), "x" * 1_000_000):
        intruder = Citizen(assistant_stack.rasa_url, sender=sender)
        intruder.say("06 12 34 56 78")
        assert session_of(intruder.sender) != bare
        assert "Lucie" not in intruder.text
    growth = store.stat().st_size - before
    assert growth < 500_000, growth  # the 1 MB id was never stored
    victim.say("06 98 76 54 32")
    assert "commune" in victim.text.lower(), victim.text  # the victim's form went on untouched


@pytest.mark.parametrize(
    "raw",
    [b'{"sender": "a", "message": 42}', b'{"message": ["a"]}', b"[]", b"{not json", b'"texte"'],
)
def test_malformed_bodies_get_a_french_400(assistant_stack, raw: bytes) -> None:
    answer = request(f"{assistant_stack.rasa_url}/webhooks/rest/webhook", raw=raw)
    assert answer.status == 400
    assert "Votre message n'a pas pu être lu" in answer.json()[0]["text"]


def test_cors_only_for_the_configured_sites(assistant_stack) -> None:
    url = f"{assistant_stack.rasa_url}/webhooks/rest/webhook"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    evil = request(url, method="OPTIONS", headers={"Origin": "https://evil.example", **preflight})
    assert "Access-Control-Allow-Origin" not in evil.headers, evil.headers
    site = assistant_stack.proxy_url
    allowed = request(url, method="OPTIONS", headers={"Origin": site, **preflight})
    assert allowed.headers.get("Access-Control-Allow-Origin") == site


def test_chat_messages_are_rate_limited(assistant_stack) -> None:
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say(" ")  # blank: answered by the channel itself, quickly
    codes = []
    for _ in range(40):
        answer = request(
            f"{assistant_stack.rasa_url}/webhooks/rest/webhook",
            {"sender": citizen.sender, "message": " "},
        )
        codes.append(answer.status)
    assert 429 in codes, codes
    limited = request(
        f"{assistant_stack.rasa_url}/webhooks/rest/webhook",
        {"sender": citizen.sender, "message": " "},
    )
    assert limited.status == 429 and "Patientez" in limited.json()[0]["text"]


async def _socketio_exchange(url: str, origin: str) -> tuple[list, list, bool]:
    import socketio

    async def client(headers: dict[str, str]) -> tuple[socketio.AsyncClient, list, asyncio.Queue]:
        sio = socketio.AsyncClient(reconnection=False)
        received: list = []
        confirmed: asyncio.Queue = asyncio.Queue()
        sio.on("bot_uttered", lambda data: received.append(data))
        sio.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await sio.connect(url, headers=headers, transports=["polling"], wait_timeout=20)
        return sio, received, confirmed

    victim, victim_heard, victim_confirmed = await client({"Origin": origin})
    await victim.emit("session_request", {"session_id": None})
    victim_token = await asyncio.wait_for(victim_confirmed.get(), 20)
    intruder, intruder_heard, intruder_confirmed = await client({"Origin": origin})
    await intruder.emit("session_request", {"session_id": session_of(victim_token)})
    intruder_token = await asyncio.wait_for(intruder_confirmed.get(), 20)
    assert session_of(intruder_token) != session_of(victim_token)
    # Even naming the victim's session in the message changes nothing: the socket's own counts.
    await intruder.call(
        "user_uttered", {"message": "bonjour", "session_id": victim_token}, timeout=60
    )
    await asyncio.sleep(1.0)
    await victim.disconnect()
    await intruder.disconnect()
    refused = socketio.AsyncClient(reconnection=False)
    try:
        await refused.connect(
            url,
            headers={"Origin": "https://evil.example"},
            transports=["polling"],
            wait_timeout=10,
        )
        connected = True
        await refused.disconnect()
    except socketio.exceptions.ConnectionError:
        connected = False
    return victim_heard, intruder_heard, connected


def test_socketio_sessions_are_per_socket_and_per_site(assistant_stack) -> None:
    victim_heard, intruder_heard, evil_connected = asyncio.run(
        _socketio_exchange(assistant_stack.rasa_url, assistant_stack.proxy_url)
    )
    assert intruder_heard, "the intruder's own message got no answer"
    assert victim_heard == [], "answers to another socket reached the victim"
    assert not evil_connected, "a page of another site opened the chat"


def test_annuler_leaves_nothing_in_the_conversation_store(assistant_stack) -> None:
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("je conteste la décision de la CAF sur mon RSA, je veux parler à quelqu'un")
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    citizen.say("Armelle Quintard")
    citizen.say("06 31 42 53 64")
    citizen.say("annuler")
    assert "annulé" in citizen.text, citizen.text
    kept = str(stored_events(assistant_stack.var_dir, session_of(citizen.sender)))
    assert "Quintard" not in kept and "31 42 53" not in kept and "631425364" not in kept
