"""`make run`: start the assistant on its embedded defaults and stop everything on Ctrl-C."""

from __future__ import annotations

import json
import signal
import sys
import threading
import urllib.request

from bot.settings import Settings, get_settings
from triage.stack import Stack, Supervisor
from triage.train import model_path


def replicas(settings: Settings) -> tuple[int, str | None]:
    """RASA_REPLICAS (1 by default), or 0 and why it cannot be honoured."""
    count = settings.rasa_replicas
    if count < 1:
        return 0, "RASA_REPLICAS: give a number of Rasa servers, 1 or more"
    if count > 1 and not settings.redis_url:
        return 0, (
            "RASA_REPLICAS above 1 needs REDIS_URL (redis://host:6379/0): the replicas share "
            "their conversations and locks there"
        )
    return count, None


def durable_conversations(count: int, settings: Settings) -> str | None:
    """Where replicas keep the durable copy of conversations: TRIAGE_CONVERSATIONS_URL, else the
    tickets' PostgreSQL database; on one machine the default SQLite file is shared as it is."""
    if count == 1 or settings.environment.get("TRIAGE_CONVERSATIONS_URL"):
        return None  # the settings' own conversations_url
    url = settings.database_url
    return url if url.startswith("postgresql") else None


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
    count, problem = replicas(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    stack = Stack(
        model=model,
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        with_voice=True,
        more_rasa_ports=Stack.replica_ports(count, first=5005),
        conversations_url=durable_conversations(count, settings),
        settings=settings,
    )
    print(
        "Starting the action server, the Rasa server (model loading takes about a minute), "
        "the web pages, the agents' console, the phone line and the public entry (nginx)…",
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
        + f"{phone_line(stack)}"
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


def phone_line(stack: Stack) -> str:
    """Where Asterisk connects, which recogniser and voice answer, how to get the other."""
    if "voice" not in stack.services:
        reason = stack.unavailable.get("voice", "not started")
        return (
            f"  phone line                                not available ({reason}; "
            "`make models` installs its speech models)\n"
        )
    try:
        with urllib.request.urlopen(f"{stack.voice_url}/health", timeout=5) as response:
            health = json.load(response)
    except (OSError, ValueError):
        health = {}
    recognizer = health.get("recognizer", "?")
    other = (
        "Whisper base instead: TRIAGE_VOICE_ENGINE=whisper make run"
        if recognizer == "vosk"
        else "Vosk French (lighter, streaming): copy vosk-model-small-fr-0.22.zip here, then "
        "TRIAGE_VOSK_ARCHIVE=vosk-model-small-fr-0.22.zip make models"
    )
    names = {"vosk": "Vosk French", "whisper": "Whisper base"}
    return (
        f"  phone line (Asterisk AudioSocket)         127.0.0.1:{stack.audiosocket_port}, "
        f"dialplan side {stack.voice_url}\n"
        f"    listens with {names.get(recognizer, recognizer)}, speaks with "
        f"{health.get('voice', '?')}\n"
        f"    for {other}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
