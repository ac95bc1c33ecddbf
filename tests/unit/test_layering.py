"""The phone gateway starts without the application package or the console.

`python -m voice` is what `make run` starts for the phone line; importing the console would
compute a password hash (argon2) at start-up and tie the phone line to the agents' web app.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(*args: str) -> set[str]:
    """Top-level names of the modules a `python -X importtime` run imports."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_the_phone_gateway_imports_neither_console_nor_application() -> None:
    modules = imported_modules("-m", "voice", "--help")
    assert "voice" in modules  # the measure itself works
    assert not modules & {"console", "argon2", "triage", "channels", "actions", "web"}


def test_the_command_line_still_offers_every_concern() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "triage.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for command in ("db", "kb", "agents", "purge", "voice"):
        assert command in run.stdout
