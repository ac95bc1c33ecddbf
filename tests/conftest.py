"""Shared fixtures: the running assistant for end-to-end, browser and voice tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from triage.stack import Stack
from triage.train import model_path

ROOT = Path(__file__).resolve().parent.parent
# The console's cookie is Secure by default; the tests talk plain HTTP on loopback (the security
# tests check the default with the variable removed).
os.environ.setdefault("TRIAGE_CONSOLE_SECURE_COOKIE", "0")
# Every simulated citizen comes from 127.0.0.1: the per-address limit (300 messages a minute) would
# throttle the scenario suite, not a citizen. The per-conversation limit stays as deployed.
os.environ.setdefault("TRIAGE_CHAT_RATE_ADDRESS", "100000")
SHARED = ROOT.parent / "shared"
SCREENSHOTS = ROOT / "reports" / "screenshots"
# The pictures of docs/screenshots/ are rewritten only when asked (TRIAGE_DOCS_SCREENSHOTS=1):
# a test run must not leave changed files in the checkout.
_DOCS_ASKED = os.environ.get("TRIAGE_DOCS_SCREENSHOTS") == "1"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots" if _DOCS_ASKED else SCREENSHOTS
AXE = ROOT / "tests" / "web" / "vendor" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), vendored
CHROMIUM = Path(os.environ.get("TRIAGE_CHROMIUM", "/usr/bin/chromium"))
# Headless Debian Chromium on a machine with no network: no background traffic, no sandbox (root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class RunningAssistant(Stack):
    """The stack as the tests see it, with the switches the failure tests need."""

    def stop_rasa(self) -> None:
        self.stop_service("rasa")

    def start_rasa(self) -> None:
        self.start_service("rasa")

    def stop_actions(self) -> None:
        self.stop_service("actions")

    def start_actions(self) -> None:
        self.start_service("actions")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    model = model_path()
    if not model.exists():
        pytest.skip(f"no trained model for the current data ({model.name}): run `make model`")
    return model


@pytest.fixture(scope="session")
def assistant_stack(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    """Action server, Rasa server, web pages and console on free ports, on a fresh SQLite file."""
    var_dir = tmp_path_factory.mktemp("var")
    stack = RunningAssistant.isolated(trained_model, var_dir)
    try:
        stack.start()
    except Exception as exc:
        logs = "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted((var_dir / "logs").glob("*.log"))
        )
        stack.stop()
        pytest.fail(f"the assistant did not start: {exc}\n{logs}")
    yield stack
    stack.stop()
    artefacts = ROOT / "reports" / "logs"
    artefacts.mkdir(parents=True, exist_ok=True)
    for log in (var_dir / "logs").glob("*.log"):
        shutil.copy(log, artefacts / log.name)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (reference texts and speech recordings) is not beside the project")
    return SHARED


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright (skips, saying why, when either is missing).

    Module scope: while Playwright's sync API is open it keeps an event loop running on the main
    thread, and later tests that call asyncio.run() (Rasa's parsing, the channels) would fail.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -r requirements/web.txt)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Point the process-wide settings and ticket store at a database and at tmp_path."""
    from bot import services, settings

    def configure(database_url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("TRIAGE_VAR_DIR", str(tmp_path))
        settings.get_settings.cache_clear()
        services.get_store.cache_clear()

    yield configure
    settings.get_settings.cache_clear()
    services.get_store.cache_clear()
