"""The running assistant as the network sees it: one public entry (the proxy), logs without
personal data."""

from __future__ import annotations

import stat
import time

import psutil
import pytest

from tests.e2e.chat import Citizen
from tests.security.helpers import request

pytestmark = [pytest.mark.stack]
LOOPBACK = {"127.0.0.1", "::1"}
NAME, PHONE = "Honorine Vasseur", "06 47 58 69 70"
PHONE_FORMS = ("06 47 58 69 70", "0647586970", "+33647586970", "647586970", "47 58 69 70")


def listening(pid: int) -> set[str]:
    process = psutil.Process(pid)
    return {
        conn.laddr.ip
        for member in [process, *process.children(recursive=True)]
        for conn in member.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }


@pytest.fixture
def proxy(assistant_stack):
    if not assistant_stack.proxied:
        pytest.skip("nginx is not installed (apt-get install nginx-light): no public entry")
    return assistant_stack.local_proxy_url


def test_only_the_proxy_listens_beyond_loopback(assistant_stack, proxy) -> None:
    for name, service in assistant_stack.services.items():
        addresses = listening(service.process.pid)
        assert addresses, f"{name} listens on nothing"
        if name != "proxy":
            assert addresses <= LOOPBACK, f"{name} listens on {sorted(addresses)}"
    assert not listening(assistant_stack.services["proxy"].process.pid) <= LOOPBACK


def test_the_proxy_serves_the_site_the_chat_and_the_console(assistant_stack, proxy) -> None:
    page = request(f"{proxy}/")
    assert page.status == 200 and "chat-widget.js" in page.text
    assert f'data-server="{assistant_stack.proxy_url}"' in page.text
    assert request(f"{proxy}/widget/chat-widget.js").status == 200
    handshake = request(f"{proxy}/socket.io/?EIO=4&transport=polling")
    assert handshake.status == 200 and '"sid"' in handshake.text
    citizen = Citizen(proxy)
    citizen.say("bonjour")
    assert citizen.last and citizen.last[0].get("text")
    login = request(f"{proxy}/console/connexion")
    assert login.status == 200 and 'action="/console/connexion"' in login.text
    assert request(f"{proxy}/console/file").headers.get("Location", "").startswith("/console/")


def test_the_proxy_hides_the_phone_channel_and_rasa(proxy) -> None:
    body = {"sender": "call-1", "message": "bonjour", "metadata": {"caller_number": "+33611"}}
    assert request(f"{proxy}/webhooks/phone/webhook", body).status == 404
    assert request(f"{proxy}/webhooks/rest/webhook", method="GET").status in (403, 405)
    assert request(f"{proxy}/conversations/x/tracker").status in (403, 404, 405)


def test_logs_hold_no_name_or_number_after_a_callback(assistant_stack) -> None:
    base = assistant_stack.local_proxy_url if assistant_stack.proxied else assistant_stack.rasa_url
    citizen = Citizen(base)
    citizen.say("je conteste la décision de la CAF sur mon RSA, je veux parler à quelqu'un")
    assert "Acceptez-vous" in citizen.text, citizen.text
    citizen.say("oui")
    citizen.say(NAME)
    citizen.say(PHONE)
    citizen.say("Vitry")
    citizen.say(citizen.buttons()[0]["payload"])
    assert NAME in citizen.text, citizen.text
    citizen.click("je confirme")
    assert "référence" in citizen.text, citizen.text
    time.sleep(1)  # the log pumps write asynchronously
    logs = assistant_stack.var_dir / "logs"
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    files = sorted(logs.glob("*.log*"))
    assert {f.name for f in files} >= {"rasa.log", "actions.log", "web.log"}
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        text = file.read_text(errors="replace")
        for needle in ("Vasseur", "Honorine", *PHONE_FORMS):
            assert needle not in text, f"{needle!r} in {file.name}"


# Last in the file: its flood leaves this address's chat allowance empty for about ten seconds.
def test_the_proxy_limits_sizes_and_rates(proxy) -> None:
    big = request(f"{proxy}/webhooks/rest/webhook", raw=b'{"message": "' + b"a" * 40_000 + b'"}')
    assert big.status == 413
    codes = [request(f"{proxy}/webhooks/rest/webhook", raw=b"{}").status for _ in range(40)]
    assert 429 in codes, codes
    time.sleep(2)  # let the bucket refill for the other tests
