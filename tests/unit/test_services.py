"""The shared ticket store starts no thread by itself; its outbox retry is started explicitly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import services, settings


@pytest.fixture
def store_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'triage.db'}")
    monkeypatch.setenv("TRIAGE_VAR_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    services.get_store.cache_clear()
    yield tmp_path
    settings.get_settings.cache_clear()
    services.get_store.cache_clear()


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
