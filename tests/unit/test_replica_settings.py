"""scripts/run.py: RASA_REPLICAS and where replicas keep conversations; make run's defaults kept."""

from __future__ import annotations

import pytest

from scripts.run import durable_conversations, replicas
from scripts.stack import Stack


def test_make_run_defaults_to_one_replica_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_REPLICAS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert replicas() == (1, None)
    assert Stack.replica_ports(1, first=5005) == ()


def test_two_replicas_need_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_REPLICAS", "2")
    monkeypatch.delenv("REDIS_URL", raising=False)
    count, problem = replicas()
    assert count == 0 and problem and "REDIS_URL" in problem
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert replicas() == (2, None)
    assert Stack.replica_ports(3, first=5005) == (5006, 5007)


def test_a_wrong_count_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_REPLICAS", "zero")
    assert replicas()[0] == 0


def test_replicas_keep_conversations_in_the_tickets_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIAGE_CONVERSATIONS_URL", raising=False)
    postgres = "postgresql://triage@127.0.0.1/triage"
    assert durable_conversations(1, postgres) is None  # one replica: as before
    assert durable_conversations(2, postgres) == postgres
    assert durable_conversations(2, "sqlite:///var/triage.db") is None  # the shared SQLite file
    monkeypatch.setenv("TRIAGE_CONVERSATIONS_URL", "postgresql://other/db")
    assert durable_conversations(2, postgres) == "postgresql://other/db"
