"""triage/run.py: RASA_REPLICAS and where replicas keep conversations; make run's defaults kept."""

from __future__ import annotations

from bot.settings import load_settings
from triage.run import durable_conversations, replicas
from triage.stack import Stack

POSTGRES = "postgresql://triage@127.0.0.1/triage"


def test_make_run_defaults_to_one_replica_without_redis() -> None:
    settings = load_settings(env={})
    assert replicas(settings) == (1, None)
    assert Stack.replica_ports(1, first=5005) == ()
    assert durable_conversations(1, settings) is None  # as before: conversations.db


def test_two_replicas_need_redis() -> None:
    count, problem = replicas(load_settings(env={"RASA_REPLICAS": "2"}))
    assert count == 0 and problem and "REDIS_URL" in problem
    scaled = load_settings(env={"RASA_REPLICAS": "2", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert replicas(scaled) == (2, None)
    assert Stack.replica_ports(3, first=5005) == (5006, 5007)


def test_a_wrong_count_is_refused() -> None:
    assert replicas(load_settings(env={"RASA_REPLICAS": "zero"}))[0] == 0


def test_replicas_keep_conversations_in_the_tickets_postgresql() -> None:
    scaled = {"RASA_REPLICAS": "2", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert durable_conversations(2, load_settings(env={**scaled, "DATABASE_URL": POSTGRES})) == (
        POSTGRES
    )
    assert durable_conversations(2, load_settings(env=scaled)) is None  # the shared SQLite file
    given = load_settings(env={**scaled, "TRIAGE_CONVERSATIONS_URL": "postgresql://other/db"})
    assert durable_conversations(2, given) is None  # the settings' own, from the environment
    assert given.conversations_url == "postgresql://other/db"
