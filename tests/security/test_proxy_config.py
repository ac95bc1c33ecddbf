"""The public entry's configuration (triage/proxy.py) as nginx itself reads it, with and
without TLS; skipped, saying why, when nginx is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from triage.proxy import ProxyPlan, nginx_binary, write_config


@pytest.fixture(scope="module")
def nginx() -> str:
    found = nginx_binary()
    if not found:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return found


def check(nginx: str, plan: ProxyPlan, prefix: Path) -> str:
    config = write_config(plan, prefix)
    result = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return config.read_text()


def test_plain_http_configuration(nginx: str, tmp_path: Path) -> None:
    text = check(nginx, ProxyPlan("0.0.0.0", 18080, 18081, 15005, 18090), tmp_path)
    # The phone channel is never proxied: /webhooks/ answers 404 but for the REST chat channel.
    assert "location /webhooks/ { return 404; }" in text
    assert "/webhooks/phone" not in text
    assert "limit_req zone=chat" in text and "client_header_timeout" in text
    assert "$remote_addr" not in text.split("log_format private")[1].split(";")[0]


def test_tls_configuration(nginx: str, tmp_path: Path) -> None:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=assistant.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    plan = ProxyPlan("0.0.0.0", 18080, 18081, 15005, 18090, 18443, str(cert), str(key))
    text = check(nginx, plan, tmp_path / "prefix")
    assert "listen 0.0.0.0:18443 ssl" in text and "Strict-Transport-Security" in text
    assert "return 301 https://" in text


def test_replicas_share_the_chat_and_socketio_stays_on_one(nginx: str, tmp_path: Path) -> None:
    plan = ProxyPlan("0.0.0.0", 18080, 18081, 15005, 18090, more_rasa_ports=(15006,))
    text = check(nginx, plan, tmp_path)
    rest = text.split("upstream rasa_rest")[1].split("}")[0]
    socketio = text.split("upstream rasa_socketio")[1].split("}")[0]
    for upstream in (rest, socketio):
        assert "127.0.0.1:15005" in upstream and "127.0.0.1:15006" in upstream
    assert "least_conn" in rest and "hash $remote_addr consistent" in socketio
    assert "proxy_pass http://rasa_socketio;" in text and "proxy_pass http://rasa_rest;" in text
