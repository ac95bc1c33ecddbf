"""Start and stop the assistant's processes: action server, Rasa server, web pages, console, voice.

Used by `make run` (triage/run.py) and by the end-to-end tests (tests/conftest.py), so that both
run the assistant the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typing_extensions import Self

from bot.keys import PHONE_SECRET_ENV, phone_secret_file, read_or_create
from bot.logsafe import LogWriter
from bot.settings import Settings, get_settings
from channels.sessions import SITE_ORIGINS_ENV, origin_of, site_origins
from triage import ROOT
from triage.proxy import ProxyPlan, nginx_binary, write_config

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    timeout: float = 60.0
    process: subprocess.Popen | None = None
    # An optional service that cannot start is left out; the others run without it.
    optional: bool = False

    def start(self, env: dict[str, str], log_dir: Path) -> None:
        self.launch(env, log_dir)
        self.wait()

    def launch(self, env: dict[str, str], log_dir: Path) -> None:
        # Every line the process writes is redacted (no personal data) into a private, rotated
        # file: bot/logsafe.py.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        LogWriter(log_dir, self.name).pump(self.process.stdout)

    def wait(self) -> None:
        wait_http(self.health_url, self.timeout, self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    """The assistant's processes on chosen ports, sharing one database and one var/ folder."""

    model: Path
    var_dir: Path
    database_url: str
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8081
    console_port: int = 8090
    with_console: bool = True
    # The reverse proxy (triage/proxy.py), the only listener meant for citizens; skipped when
    # nginx is not installed. TLS when TRIAGE_TLS_CERT and TRIAGE_TLS_KEY name the files.
    proxy_port: int = 8080
    proxy_host: str = "0.0.0.0"
    tls_port: int = 8443
    with_proxy: bool = True
    # The phone line (voice/gateway.py): AudioSocket for Asterisk and its small HTTP side.
    with_voice: bool = False
    audiosocket_port: int = 9092
    voice_http_port: int = 8091
    # RASA_REPLICAS: more Rasa servers behind the proxy, on these ports (rasa2, rasa3…). They
    # share the conversations (TRIAGE_CONVERSATIONS_URL, REDIS_URL) and Redis's lock store.
    more_rasa_ports: tuple[int, ...] = ()
    redis_url: str | None = None
    conversations_url: str | None = None
    services: dict[str, Service] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    # The environment and the deployment values (TLS, public address, site origins) come from it.
    settings: Settings = field(default_factory=get_settings)

    @classmethod
    def isolated(cls, model: Path, var_dir: Path, **options: Any) -> Self:
        """The assistant on free ports with its own SQLite file in `var_dir` (tests, benchmarks)."""
        return cls(
            model=model,
            var_dir=var_dir,
            database_url=f"sqlite:///{var_dir / 'triage.db'}",
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port(),
            console_port=free_port(),
            proxy_port=free_port(),
            tls_port=free_port(),
            audiosocket_port=free_port(),
            voice_http_port=free_port(),
            **options,
        )

    @staticmethod
    def replica_ports(replicas: int, first: int | None = None) -> tuple[int, ...]:
        """Ports of the replicas after the first: first+1, first+2… or free ones."""
        return tuple(first + i if first else free_port() for i in range(1, replicas))

    @property
    def rasa_services(self) -> list[str]:
        return ["rasa", *(f"rasa{i}" for i in range(2, len(self.more_rasa_ports) + 2))]

    @property
    def tls(self) -> tuple[str, str] | None:
        cert, key = self.settings.tls_cert, self.settings.tls_key
        return (cert, key) if cert and key else None

    @property
    def proxy_url(self) -> str:
        """The address citizens use: TRIAGE_PUBLIC_URL (the département's domain) or the proxy's."""
        if self.settings.public_url:
            return self.settings.public_url
        if self.tls:
            return f"https://127.0.0.1:{self.tls_port}"
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def local_proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def proxied(self) -> bool:
        return "proxy" in self.services

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    def site_origins(self) -> list[str]:
        """Pages allowed to talk to the chat: the département's site, the proxy, the web server."""
        extra = [self.proxy_url, self.local_proxy_url, self.web_url]
        return sorted({*site_origins(self.settings), *(o for o in map(origin_of, extra) if o)})

    @property
    def voice_url(self) -> str:
        return f"http://127.0.0.1:{self.voice_http_port}"

    def env(self) -> dict[str, str]:
        shared = {"REDIS_URL": self.redis_url, "TRIAGE_CONVERSATIONS_URL": self.conversations_url}
        return {
            # Plain HTTP on loopback (make run, tests) cannot keep a Secure cookie; behind TLS the
            # console's cookie is Secure (its default).
            "TRIAGE_CONSOLE_SECURE_COOKIE": "1" if self.tls else "0",
            **self.settings.environment,
            SITE_ORIGINS_ENV: " ".join(self.site_origins()),
            PHONE_SECRET_ENV: str(phone_secret_file()),
            "DATABASE_URL": self.database_url,
            "TRIAGE_VAR_DIR": str(self.var_dir),
            "ACTION_SERVER_URL": f"{self.actions_url}/webhook",
            # rasa-sdk binds SANIC_HOST, 0.0.0.0 by default, and has no authentication: anyone who
            # reaches it can run any action (a ticket with made-up fields). Loopback only.
            "SANIC_HOST": "127.0.0.1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
            **{name: value for name, value in shared.items() if value},
        }

    def _define(self) -> None:
        self.services["actions"] = Service(
            "actions",
            [
                sys.executable,
                "-m",
                "triage.actions_server",
                "--actions",
                "actions",
                "--port",
                str(self.actions_port),
            ],
            f"{self.actions_url}/health",
        )
        ports = (self.rasa_port, *self.more_rasa_ports)
        for name, port in zip(self.rasa_services, ports, strict=True):
            self.services[name] = self.rasa_service(name, port)
        self.services["web"] = Service(
            "web",
            [
                sys.executable,
                "-m",
                "web.server",
                "--port",
                str(self.web_port),
                "--rasa-url",
                self.proxy_url if self.with_proxy and nginx_binary() else self.rasa_url,
            ],
            f"{self.web_url}/",
        )
        if self.with_console and (ROOT / "console" / "__main__.py").exists():
            self.services["console"] = Service(
                "console",
                [sys.executable, "-m", "console", "--port", str(self.console_port)],
                f"{self.console_url}/login",
            )
        nginx = nginx_binary()
        if self.with_proxy and nginx:
            prefix = self.var_dir / "proxy"
            plan = ProxyPlan(
                listen_host=self.proxy_host,
                http_port=self.proxy_port,
                web_port=self.web_port,
                rasa_port=self.rasa_port,
                more_rasa_ports=self.more_rasa_ports,
                console_port=self.console_port,
                tls_port=self.tls_port if self.tls else None,
                tls_cert=self.tls[0] if self.tls else None,
                tls_key=self.tls[1] if self.tls else None,
            )
            config = write_config(plan, prefix)
            self.services["proxy"] = Service(
                "proxy",
                [nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr"],
                f"{self.local_proxy_url}/healthz",
            )
        if self.with_voice:
            self.add_voice()

    def rasa_service(self, name: str, port: int) -> Service:
        return Service(
            name,
            [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(self.model),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "--cors",
                *self.site_origins(),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
            ],
            f"http://127.0.0.1:{port}/webhooks/rest/",
            timeout=180.0,
        )

    def add_voice(self) -> None:
        """The phone gateway, on loopback, talking to this stack's Rasa server."""
        self.services["voice"] = Service(
            "voice",
            [
                sys.executable,
                "-m",
                "voice",
                "--rasa-url",
                self.rasa_url,
                "--host",
                "127.0.0.1",
                "--audiosocket-port",
                str(self.audiosocket_port),
                "--http-port",
                str(self.voice_http_port),
            ],
            f"{self.voice_url}/health",
            timeout=240.0,  # two speech models to load and warm up
            optional=True,
        )

    def start(self) -> None:
        # Set-up: the secret the phone channel and the voice gateway share (0600).
        read_or_create(phone_secret_file())
        self._define()
        env = self.env()
        log_dir = self.var_dir / "logs"
        try:
            for name, service in list(self.services.items()):
                if name in self.rasa_services[1:]:
                    continue  # started with the first replica
                try:
                    if name == "rasa":
                        self._start_replicas(env, log_dir)
                    else:
                        service.start(env, log_dir)
                except (RuntimeError, TimeoutError, OSError) as exc:
                    if not service.optional:
                        raise
                    service.stop()
                    del self.services[name]
                    self.unavailable[name] = str(exc)
        except Exception:
            self.stop()
            raise

    def _start_replicas(self, env: dict[str, str], log_dir: Path) -> None:
        """The Rasa servers load their model side by side, not one after the other."""
        replicas = [self.services[name] for name in self.rasa_services]
        for replica in replicas:
            replica.launch(env, log_dir)
        for replica in replicas:
            replica.wait()

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    def stop_service(self, name: str) -> None:
        self.services[name].stop()

    def start_service(self, name: str) -> None:
        self.services[name].start(self.env(), self.var_dir / "logs")


@dataclass
class Supervisor:
    """Restarts a service whose process died, so that one crash does not stop the assistant at
    night; gives up on a service that dies `max_restarts` times within `window_s` (a fault a
    restart will not cure: its log says why)."""

    stack: Stack
    max_restarts: int = 5
    window_s: float = 600.0
    restarts: dict[str, list[float]] = field(default_factory=dict)

    def dead(self) -> list[str]:
        return [
            name
            for name, service in self.stack.services.items()
            if service.process is not None and service.process.poll() is not None
        ]

    def check(self) -> list[str]:
        """Restart the dead services; what was done, one line each. Raises RuntimeError when a
        service keeps dying."""
        done = []
        for name in self.dead():
            now = time.monotonic()
            recent = [t for t in self.restarts.get(name, []) if now - t < self.window_s]
            if len(recent) >= self.max_restarts and self.stack.services[name].optional:
                del self.stack.services[name]
                self.stack.unavailable[name] = "kept stopping"
                done.append(f"{name} stopped {len(recent) + 1} times: left out")
                continue
            if len(recent) >= self.max_restarts:
                raise RuntimeError(
                    f"{name} stopped {len(recent) + 1} times within {self.window_s / 60:.0f} min"
                )
            self.restarts[name] = [*recent, now]
            code = self.stack.services[name].process.returncode  # type: ignore[union-attr]
            try:
                self.stack.start_service(name)
            except (RuntimeError, TimeoutError, OSError) as exc:
                done.append(f"{name} stopped (exit code {code}); restarting it failed: {exc}")
            else:
                done.append(f"{name} stopped (exit code {code}); restarted")
        return done
