"""`make run`: start the assistant on its embedded defaults and stop everything on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.settings import get_settings  # noqa: E402
from scripts.stack import Stack, Supervisor  # noqa: E402
from scripts.train import model_path  # noqa: E402


def main() -> int:
    settings = get_settings()
    model = model_path()
    if not model.exists():
        print("No trained model: `make run` trains one first.", file=sys.stderr)
        return 1
    stopped = threading.Event()
    # Ctrl-C and SIGTERM alike, even while starting (a process started in the background
    # inherits SIGINT ignored, and a KeyboardInterrupt mid-start would leave children behind).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stopped.set())
    stack = Stack(model=model, var_dir=settings.var_dir, database_url=settings.database_url)
    print(
        "Starting the action server, the Rasa server (model loading takes about a minute), "
        "the web pages, the agents' console and the public entry (nginx)…",
        flush=True,
    )
    try:
        stack.start()
    except Exception as exc:  # tell the user which piece failed and where to look
        print(f"Could not start: {exc}. Logs are in {settings.var_dir / 'logs'}.", file=sys.stderr)
        return 1
    if stack.proxied:
        where = (
            f"  chat on the demo site of the département  {stack.proxy_url}/\n"
            f"  agents' console                           {stack.proxy_url}/console/"
            + ("" if "console" in stack.services else "  (not available)")
            + "\n"
            f"  (the proxy listens on {stack.proxy_host}:{stack.proxy_port}; every other service "
            "on 127.0.0.1 only)\n"
        )
    else:
        where = (
            "  (nginx is not installed: no public entry, services on loopback only; "
            "`sudo make system` installs it)\n"
            f"  chat on the demo site of the département  {stack.web_url}/\n"
            f"  agents' console                           {stack.console_url}/\n"
        )
    print(
        "\nThe assistant is running:\n"
        + where
        + f"  tickets database                          {settings.database_url}\n"
        f"  logs                                      {settings.var_dir / 'logs'}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    supervisor = Supervisor(stack)
    code = 0
    try:
        while not stopped.wait(1.0):
            for line in supervisor.check():
                print(f"{line} (see its log in {settings.var_dir / 'logs'}).", flush=True)
    except RuntimeError as exc:
        print(f"{exc}: stopping (see its log in {settings.var_dir / 'logs'}).", file=sys.stderr)
        code = 1
    print("\nStopping…", flush=True)
    stack.stop()
    print("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
