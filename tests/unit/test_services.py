"""The shared ticket store starts no thread by itself; its outbox retry is started explicitly."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bot import services


@pytest.fixture
def store_on(configured: Any, tmp_path: Path) -> Path:
    configured(f"sqlite:///{tmp_path / 'triage.db'}")
    return tmp_path


def flushers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "outbox-flusher" and t.is_alive()]


def test_opening_the_store_starts_no_thread(store_on: Path) -> None:
    before = len(flushers())
    store = services.get_store()
    assert store.outbox_dir == store_on / "outbox"
    assert len(flushers()) == before


def test_the_outbox_retry_runs_until_stopped(
    store_on: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "OUTBOX_RETRY_SECONDS", 0.01)
    calls = threading.Event()
    store = services.get_store()
    monkeypatch.setattr(store, "flush_outbox", lambda: calls.set() or 0)
    stop = threading.Event()
    thread = services.start_outbox_flusher(store, stop)
    assert calls.wait(5), "the outbox was never retried"
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
