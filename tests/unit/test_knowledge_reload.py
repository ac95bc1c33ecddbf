"""Publishing a fiche without restarting: the process-wide knowledge base (what the action
server answers from) follows the fiche files. A real copy of knowledge/, real loader."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import knowledge, settings
from bot.fiche_search import get_fiche_index
from bot.knowledge import get_knowledge_base

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    monkeypatch.setenv("TRIAGE_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setattr(knowledge, "RELOAD_CHECK_SECONDS", 0.0)
    settings.get_settings.cache_clear()
    get_knowledge_base.cache_clear()
    yield folder
    settings.get_settings.cache_clear()
    get_knowledge_base.cache_clear()


def publish(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    later = time.time() + 2  # a distinct mtime even on a coarse file system clock
    os.utime(path, (later, later))


def test_a_published_fiche_is_answered_without_restart(live_dir: Path) -> None:
    before = get_knowledge_base()
    fiche = before.fiches[0]
    assert get_knowledge_base() is before  # nothing changed: no reload
    index = get_fiche_index()
    publish(live_dir / "fiches" / fiche.path.name, f"title: {fiche.title}", "title: Titre publié")
    started = time.perf_counter()
    after = get_knowledge_base()
    reload_ms = (time.perf_counter() - started) * 1000
    print(f"knowledge base reloaded in {reload_ms:.0f} ms ({len(after.fiches)} fiches)")
    assert after is not before and after.get(fiche.id).title == "Titre publié"
    assert get_fiche_index() is not index


def test_a_broken_fiche_keeps_the_previous_base(live_dir: Path) -> None:
    before = get_knowledge_base()
    fiche = before.fiches[0]
    publish(live_dir / "fiches" / fiche.path.name, "last_review:", "derniere_relecture:")
    assert get_knowledge_base() is before


def test_checking_costs_little_between_reloads(live_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(knowledge, "RELOAD_CHECK_SECONDS", 1.0)
    get_knowledge_base()
    started = time.perf_counter()
    for _ in range(1000):
        get_knowledge_base()
    per_call_us = (time.perf_counter() - started) * 1000
    print(f"get_knowledge_base between checks: {per_call_us:.1f} µs a call")
    assert per_call_us < 100
