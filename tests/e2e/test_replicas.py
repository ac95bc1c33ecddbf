"""Two Rasa replicas sharing conversations: a Redis server of their own (redis-server, started
and stopped for real), PostgreSQL for the durable copy, the real model and action server.

Skipped, saying why, when redis-server is not installed or PostgreSQL cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import RunningAssistant
from tests.e2e.chat import Citizen
from tests.e2e.test_chat import book_callback, finish_after_name, tickets_of
from triage.stack import Service, free_port

pytestmark = [pytest.mark.stack, pytest.mark.slow]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Replicas(RunningAssistant):
    redis: Service

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in (self.rasa_port, *self.more_rasa_ports)]


def redis_service(var_dir: Path) -> Service:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    # No persistence: a restarted Redis is an empty one, the worst case for the conversations.
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir"]
    return Service("redis", [*command, str(var_dir)], f"redis://127.0.0.1:{port}/0")


def start_redis(redis: Service, var_dir: Path) -> None:
    import redis as client

    redis.launch(os.environ.copy(), var_dir / "logs")
    connection = client.Redis.from_url(redis.health_url)
    for _ in range(50):
        try:
            connection.ping()
            return
        except client.exceptions.ConnectionError:
            threading.Event().wait(0.1)
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="module")
def conversations_db() -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"replicas_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.__class__.__name__}")
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def replicas(
    trained_model: Path, conversations_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    var_dir = tmp_path_factory.mktemp("replicas")
    redis = redis_service(var_dir)
    start_redis(redis, var_dir)
    stack = Replicas.isolated(
        trained_model,
        var_dir,
        with_console=False,
        more_rasa_ports=(free_port(),),
        redis_url=redis.health_url,
        conversations_url=conversations_db,
    )
    stack.redis = redis
    try:
        stack.start()
    except Exception as exc:
        stack.stop()
        redis.stop()
        pytest.fail(f"the replicas did not start: {exc}")
    yield stack
    stack.stop()
    redis.stop()


class AlternatingCitizen(Citizen):
    """Each message to the next replica in turn."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(urls[0])
        self.urls = urls
        self.sent = 0

    def say(self, text: str) -> list[dict]:
        self.rasa_url = self.urls[self.sent % len(self.urls)]
        self.sent += 1
        return super().say(text)


def test_a_form_alternating_replicas_ends_in_one_complete_ticket(replicas: Replicas) -> None:
    citizen = AlternatingCitizen(replicas.urls())
    citizen.say("je conteste la décision de la CAF sur mon RSA, je veux parler à quelqu'un")
    reference = book_callback(citizen, name="Lucie Bernard", phone="0698765432", commune="Vitry")
    assert citizen.sent == 7  # the question, consent, name, number, commune, time, confirmation
    [ticket] = tickets_of(replicas, reference)
    assert (ticket.citizen_name, ticket.phone, ticket.topic) == (
        "Lucie Bernard",
        "+33698765432",
        "rsa",
    )
    assert "Vitry" in ticket.commune and ticket.callback_slot_start and ticket.consent_at


def stored_events(url: str, sender_id: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender_id}
        ).scalars()
        events = [json.loads(row) for row in rows]
    engine.dispose()
    return events


def test_two_messages_sent_at_the_same_moment_are_processed_in_order(
    replicas: Replicas,
) -> None:
    first = Citizen(replicas.urls()[0])
    first.say("bonjour")
    second = Citizen(replicas.urls()[1], sender=first.sender)
    questions = [
        (first, "combien touche-t-on au RSA quand on est seul ?"),
        (second, "quel est le montant de l'APA pour une personne en GIR 3 ?"),
    ]
    threads = [threading.Thread(target=c.say, args=(q,)) for c, q in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "651,69" in first.text and second.text, (first.text, second.text)
    events = stored_events(replicas.conversations_url or "", first.sender.split(".")[0])
    kinds = [
        e["text"] if e["event"] == "user" else e.get("name")
        for e in events
        if e["event"] == "user" or (e["event"] == "action" and e.get("name") == "action_listen")
    ]
    # Every message is in the conversation once, each answered before the next is read.
    users = [k for k in kinds if k != "action_listen"]
    assert sorted(users) == sorted(["bonjour", *(q for _, q in questions)]), kinds
    assert all(a != b for a, b in pairwise(kinds)), kinds


def test_redis_down_is_announced_and_no_ticket_is_lost(replicas: Replicas) -> None:
    citizen = Citizen(replicas.local_proxy_url)
    citizen.say("je veux contester la décision de la caf pour mon rsa, je veux être rappelé")
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    citizen.say("Paul Durand")
    replicas.redis.stop()
    try:
        citizen.say("06 11 22 33 44")
        assert "renvoyez ce message" in citizen.text, citizen.text
    finally:
        start_redis(replicas.redis, replicas.var_dir)  # empty: no persistence
    # The conversation comes back from PostgreSQL; the citizen sends the number again.
    ticket = finish_after_name(citizen, replicas, "Paul Durand", "06 11 22 33 44", "Ivry")
    assert (ticket.citizen_name, ticket.phone) == ("Paul Durand", "+33611223344")


def test_a_replica_killed_mid_form_the_citizen_finishes_on_the_other(replicas: Replicas) -> None:
    citizen = Citizen(replicas.local_proxy_url)  # through nginx, as citizens are
    citizen.say("je veux parler à un conseiller pour l'APA de ma mère")
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    citizen.say("Jeanne Martin")
    killed = replicas.services["rasa"].process
    assert killed is not None
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    ticket = finish_after_name(citizen, replicas, "Jeanne Martin", "07 11 22 33 44", "Créteil")
    assert (ticket.citizen_name, ticket.phone, ticket.topic) == (
        "Jeanne Martin",
        "+33711223344",
        "apa",
    )
