"""The console's server (waitress) under idle connections: a hundred sockets that send nothing
must not stop it from answering agents."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from triage.stack import ROOT, free_port, wait_http

IDLE_CONNECTIONS = 150


def test_idle_connections_do_not_take_the_console_down(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TRIAGE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'triage.db'}",
        "TRIAGE_CONSOLE_SECURE_COOKIE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    idle: list[socket.socket] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/connexion", 60, process)
        for _ in range(IDLE_CONNECTIONS):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=15) as page:
            assert page.status == 200
    finally:
        for sock in idle:
            sock.close()
        process.terminate()
        process.wait(timeout=15)
