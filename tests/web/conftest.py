"""Browser fixtures for the chat widget's tests.

Playwright drives Debian's Chromium (/usr/bin/chromium, or $TRIAGE_CHROMIUM); the tests skip
with the reason when either is missing. Every page leaves a screenshot in reports/screenshots/.

Two back ends:
- `stack`: the running assistant (the `assistant_stack` fixture of tests/conftest.py: Rasa, the
  action server, web.server, a temporary database);
- `scripted_stack`: Rasa's real socket.io channel in front of a scripted responder
  (scripted_rasa.py) and web.server, for the widget's behaviour without a trained model.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AXE, SCREENSHOTS
from tests.web.widget import Chat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@dataclass
class Snapshots:
    """Names and saves the screenshots of one test."""

    test: str

    def take(self, page: Any, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_slug(self.test)}--{_slug(step)}.png"
        page.screenshot(path=str(path))
        return path


@pytest.fixture
def snapshots(request: pytest.FixtureRequest) -> Snapshots:
    return Snapshots(request.node.name)


@pytest.fixture
def new_page(browser: Any, snapshots: Snapshots) -> Iterator[Callable[..., Any]]:
    """Opens pages in fresh browser contexts (a fresh sessionStorage each); closes them after,
    with a last screenshot. Errors of the page's scripts fail the test."""
    opened: list[tuple[Any, Any, list[str]]] = []

    def make(**options: Any) -> Any:
        settings = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 800}, **options}
        context = browser.new_context(**settings)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        opened.append((context, page, errors))
        return page

    yield make
    for index, (context, page, errors) in enumerate(opened):
        try:
            snapshots.take(page, f"final-{index}")
        finally:
            context.close()
        assert not errors, f"script errors in the page: {errors}"


# ------------------------------------------------------------------------------ back ends


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout_s} s")
        time.sleep(0.2)


class ScriptedStack:
    """scripted_rasa.py in a subprocess plus web.server in a thread, on free ports."""

    def __init__(self, log_dir: Path) -> None:
        from bot.settings import get_settings
        from web.server import make_server

        self.rasa_port = free_port()
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.log = log_dir / "scripted_rasa.log"
        self.database_url = f"sqlite:///{log_dir / 'triage.db'}"  # answers and their ratings
        self.process: subprocess.Popen[bytes] | None = None
        self.web = make_server("127.0.0.1", 0, self.rasa_url, get_settings())
        self.web_url = f"http://127.0.0.1:{self.web.server_address[1]}"
        threading.Thread(target=self.web.serve_forever, daemon=True).start()
        self.start_rasa()

    def start_rasa(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(HERE / "scripted_rasa.py"), "--port", str(self.rasa_port)],
                cwd=ROOT,
                # The page's origin is the one site allowed to open the chat (channels/web.py).
                env={
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "TRIAGE_SITE_ORIGINS": self.web_url,
                    "DATABASE_URL": self.database_url,
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_http(f"{self.rasa_url}/socket.io/?EIO=4&transport=polling", timeout_s=90)

    def stop_rasa(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop_rasa()
        self.web.shutdown()
        self.web.server_close()


@pytest.fixture(scope="session")
def scripted_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedStack]:
    try:
        import rasa.core.channels.socketio  # noqa: F401
    except ImportError:
        pytest.skip("rasa is not installed in this environment")
    stack = ScriptedStack(tmp_path_factory.mktemp("scripted_rasa"))
    yield stack
    stack.close()


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Any:
    """The running assistant, from tests/conftest.py; skipped with the reason until it exists."""
    try:
        return request.getfixturevalue("assistant_stack")
    except pytest.FixtureLookupError:
        pytest.skip("the assistant_stack fixture (tests/conftest.py) is not available")


# ------------------------------------------------------------------------------ the widget


@pytest.fixture
def chat_factory(new_page: Callable[..., Any]) -> Callable[..., Chat]:
    def make(url: str, **options: Any) -> Chat:
        page = new_page(**options)
        page.goto(url)
        chat = Chat(page)
        chat.launcher.wait_for(state="visible")
        return chat

    return make


# ------------------------------------------------------------------------------ axe-core

SERIOUS = ("serious", "critical")


def run_axe(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page, widget included; save the full result
    in reports/screenshots/ and return the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # The page's CSP forbids injected <script> elements; evaluating the source is allowed.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report = SCREENSHOTS / f"axe--{_slug(name)}.json"
    report.write_text(json.dumps(result["violations"], indent=2, ensure_ascii=False), "utf-8")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def axe() -> Callable[[Any, str], list[dict[str, Any]]]:
    return run_axe
