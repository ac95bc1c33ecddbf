"""`make run`: start the assistant on its embedded defaults and stop everything on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.settings import get_settings  # noqa: E402
from scripts.stack import Stack  # noqa: E402
from scripts.train import model_path  # noqa: E402


def main() -> int:
    settings = get_settings()
    model = model_path()
    if not model.exists():
        print("No trained model: `make run` trains one first.", file=sys.stderr)
        return 1
    stack = Stack(model=model, var_dir=settings.var_dir, database_url=settings.database_url)
    print(
        "Starting the action server, the Rasa server (model loading takes about a minute), "
        "the web pages and the agents' console…",
        flush=True,
    )
    try:
        stack.start()
    except Exception as exc:  # tell the user which piece failed and where to look
        print(f"Could not start: {exc}. Logs are in {settings.var_dir / 'logs'}.", file=sys.stderr)
        return 1
    print(
        "\nThe assistant is running:\n"
        f"  chat on the demo site of the département  {stack.web_url}/\n"
        f"  agents' console                           {stack.console_url}/"
        + ("" if "console" in stack.services else "  (not available)")
        + "\n"
        f"  Rasa server (REST, socket.io)             {stack.rasa_url}\n"
        f"  tickets database                          {settings.database_url}\n"
        f"  logs                                      {settings.var_dir / 'logs'}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1.0):
            for name, service in stack.services.items():
                if service.process and service.process.poll() is not None:
                    print(f"{name} stopped unexpectedly (see its log); stopping.", file=sys.stderr)
                    stopped.set()
    except KeyboardInterrupt:
        pass
    print("\nStopping…", flush=True)
    stack.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
