"""triage/stack.py Supervisor: what `make run` does when one of the assistant's processes dies.

Real processes (a small HTTP server stands for a service), killed for real."""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.stack import Service, Stack, Supervisor, free_port


def http_service(name: str) -> Service:
    port = free_port()
    return Service(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        f"http://127.0.0.1:{port}/",
        timeout=20,
    )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(model=tmp_path / "none.tar.gz", var_dir=tmp_path, database_url="sqlite://")
    stack.services = {"actions": http_service("actions"), "web": http_service("web")}
    for service in stack.services.values():
        service.start(stack.env(), tmp_path / "logs")
    yield stack
    stack.stop()


def kill(service: Service) -> None:
    assert service.process is not None
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait()


def answers(service: Service) -> bool:
    with urllib.request.urlopen(service.health_url, timeout=5) as response:
        return response.status == 200


def test_a_dead_service_is_restarted_and_the_others_are_left_alone(stack: Stack) -> None:
    supervisor = Supervisor(stack)
    assert supervisor.check() == []
    web_pid = stack.services["web"].process.pid  # type: ignore[union-attr]
    kill(stack.services["actions"])
    assert supervisor.dead() == ["actions"]
    assert supervisor.check() == ["actions stopped (exit code -9); restarted"]
    assert answers(stack.services["actions"]) and supervisor.dead() == []
    assert stack.services["web"].process.pid == web_pid  # type: ignore[union-attr]


def test_a_service_that_keeps_dying_stops_the_assistant(stack: Stack) -> None:
    supervisor = Supervisor(stack, max_restarts=2, window_s=600)
    for _ in range(2):
        kill(stack.services["actions"])
        assert supervisor.check()[0].endswith("restarted")
    kill(stack.services["actions"])
    with pytest.raises(RuntimeError, match="actions stopped 3 times within 10 min"):
        supervisor.check()


def test_a_restart_that_fails_is_said_and_tried_again(stack: Stack) -> None:
    supervisor = Supervisor(stack)
    actions = stack.services["actions"]
    kill(actions)
    actions.command = [sys.executable, "-c", "raise SystemExit(3)"]
    [line] = supervisor.check()
    assert line.startswith("actions stopped (exit code -9); restarting it failed")
    assert supervisor.dead() == ["actions"]  # the next check tries again
    assert supervisor.check()[0].startswith("actions stopped (exit code 3)")
