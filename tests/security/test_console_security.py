"""The console and its API, as an anonymous visitor, each role and each kind of token sees them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask

import console.accounts
from console.accounts import AccountStore
from tests.console.conftest import ACCOUNTS, PASSWORD, Browser

REF = "{ref}"
# (method, path) -> expected status for: anonymous, agent, supervisor, admin. Form POSTs carry
# the CSRF token of a logged-in session; a redirect (302) is what a browser gets after a form.
ROUTES: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("GET", "/"): (302, 302, 302, 302),
    ("GET", "/file"): (302, 200, 200, 200),
    ("GET", f"/demandes/{REF}"): (302, 200, 200, 200),
    ("POST", f"/demandes/{REF}/note"): (401, 302, 302, 302),
    ("POST", f"/demandes/{REF}/prise-en-charge"): (401, 302, 302, 302),
    ("POST", f"/demandes/{REF}/reattribution"): (401, 403, 302, 302),
    ("POST", f"/demandes/{REF}/appel"): (401, 302, 302, 302),
    ("POST", f"/demandes/{REF}/transfert"): (401, 302, 302, 302),
    ("POST", f"/demandes/{REF}/cloture"): (401, 302, 302, 302),
    ("GET", "/statistiques"): (302, 403, 200, 200),
    ("GET", "/statistiques/export.csv?table=themes"): (302, 403, 200, 200),
    ("GET", "/comptes"): (302, 403, 403, 200),
    ("POST", "/comptes"): (401, 403, 403, 302),
    ("POST", "/comptes/nobody/activation"): (401, 403, 403, 302),
    ("POST", "/comptes/nobody/desactivation"): (401, 403, 403, 302),
    ("POST", "/comptes/nobody/mot-de-passe"): (401, 403, 403, 302),
    ("POST", "/comptes/nobody/deverrouillage"): (401, 403, 403, 302),
    ("POST", "/comptes/jetons/nothing/revocation"): (401, 403, 403, 302),
    ("GET", "/file/etat"): (302, 200, 200, 200),
    ("GET", "/boite-a-questions"): (302, 403, 403, 200),
    ("GET", "/boite-a-questions/fiches-a-relire"): (302, 403, 403, 200),
    ("POST", "/boite-a-questions/qualifier"): (401, 403, 403, 400),  # sweep's form: no group
    ("GET", "/fiches"): (302, 403, 403, 200),
    ("GET", "/fiches/apa_amount"): (302, 403, 403, 200),
    ("POST", "/fiches/apa_amount"): (401, 403, 403, 422),  # the sweep's form is no fiche: refused
    ("GET", "/fiches/apa_amount/historique"): (302, 403, 403, 200),
    # The département's colour, logo and icon: the login page needs them, so they are public.
    ("GET", "/identite/theme.css"): (200, 200, 200, 200),
    ("GET", "/identite/favicon.svg"): (200, 200, 200, 200),
    ("GET", "/identite/logo"): (404, 404, 404, 404),  # no logo in the default identity
    ("GET", "/api/v1/documentation"): (401, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): (401, 200, 200, 200),
    ("GET", "/api/v1/tickets"): (401, 401, 401, 401),
    ("GET", f"/api/v1/tickets/{REF}"): (401, 401, 401, 401),
    ("GET", "/api/v1/inbox"): (401, 401, 401, 401),
    ("POST", f"/api/v1/tickets/{REF}/outcome"): (401, 401, 401, 401),
    ("GET", "/connexion"): (200, 302, 302, 302),
    ("POST", "/connexion"): (400, 302, 302, 302),  # anonymous: no CSRF token yet
    ("POST", "/deconnexion"): (401, 302, 302, 302),  # last: it ends the sessions
}
# The API with a token: read, write, both, expired.
API: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("GET", "/api/v1/tickets"): (200, 403, 200, 401),
    ("GET", f"/api/v1/tickets/{REF}"): (200, 403, 200, 401),
    ("POST", f"/api/v1/tickets/{REF}/outcome"): (403, 200, 200, 401),
    ("GET", "/api/v1/inbox"): (403, 403, 403, 401),  # needs the "inbox" scope
}


def test_every_route_is_in_the_table(app: Flask) -> None:
    """A new route must be added to the sweep (and so be thought about)."""
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in ("static", "auth.login_alias")
    }
    swept = {(m, re.sub(r"\?.*", "", p)) for m, p in [*ROUTES, *API]}
    patterns = {(m, re.sub(r"<[^>]+>", "X", r)) for m, r in routes}
    covered = {(m, re.sub(r"\{ref\}|nobody|nothing|apa_amount", "X", p)) for m, p in swept}
    missing = patterns - covered
    assert not missing, f"routes missing from the security sweep: {sorted(missing)}"


def test_route_sweep_anonymous_and_each_role(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    reference = make_ticket()
    browsers = [
        browser_for(None),
        browser_for("agent"),
        browser_for("supervisor"),
        browser_for("admin"),
    ]
    seen: dict[tuple[str, str], tuple[int, ...]] = {}
    for (method, path), _ in ROUTES.items():
        url = path.replace(REF, reference)
        codes = []
        for browser in browsers:
            if method == "GET":
                codes.append(browser.get(url).status_code)
            else:
                codes.append(browser.post(url, {"assignee": "agnes", "text": "x"}).status_code)
        seen[(method, path)] = tuple(codes)
    assert {k: v for k, v in seen.items() if v != ROUTES[k]} == {}


def test_api_tokens_have_scopes_and_expire(app: Flask, make_ticket: Callable[..., str]) -> None:
    accounts: AccountStore = app.extensions["triage"].accounts
    past = datetime.now(timezone.utc) - timedelta(days=2)
    tokens = [
        accounts.create_token("lecture", ("read",)),
        accounts.create_token("ecriture", ("write",)),
        accounts.create_token("crm", ("read", "write")),
        accounts.create_token("ancien", ("read", "write"), days=1, now=past),
    ]
    client = app.test_client()
    seen = {}
    for (method, path), _ in API.items():
        codes = []
        for token in tokens:
            url = path.replace(REF, make_ticket())
            headers = {"Authorization": f"Bearer {token}"}
            if method == "GET":
                codes.append(client.get(url, headers=headers).status_code)
            else:
                body = {"outcome": "answered", "comment": "vu"}
                codes.append(client.post(url, json=body, headers=headers).status_code)
        seen[(method, path)] = tuple(codes)
    assert {k: v for k, v in seen.items() if v != API[k]} == {}
    spec = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {tokens[0]}"})
    operations = spec.json["paths"]
    assert operations["/tickets"]["get"]["security"] == [{"bearer": ["read"]}]
    assert operations["/tickets/{reference}/outcome"]["post"]["security"] == [{"bearer": ["write"]}]


def test_integers_are_bounded(app: Flask) -> None:
    token = app.extensions["triage"].accounts.create_token("crm", ("read",))
    client = app.test_client()
    for after_id in (2**63, 10**30, -1):
        response = client.get(
            f"/api/v1/tickets?after_id={after_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 400, after_id
        assert "after_id" in response.json["detail"]


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "//evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "/nowhere",
    ],
)
def test_login_redirects_only_to_console_paths(
    browser_for: Callable[[str | None], Browser], target: str
) -> None:
    browser = browser_for(None)
    browser.token = re.search(
        r'name="csrf_token" value="([^"]+)"', browser.get("/connexion").text
    ).group(1)
    page = browser.client.get(f"/connexion?next={target}")
    assert page.status_code == 200
    form = {"username": ACCOUNTS["agent"][0], "password": PASSWORD}
    from urllib.parse import unquote

    response = browser.post("/connexion", {**form, "next": unquote(target)})
    assert response.status_code == 302
    # The console's home, which sends each role to its page (an agent to the queue).
    assert response.headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == "/file"


def test_login_keeps_a_console_path(browser_for: Callable[[str | None], Browser]) -> None:
    browser = browser_for(None)
    browser.token = re.search(
        r'name="csrf_token" value="([^"]+)"', browser.get("/connexion").text
    ).group(1)
    form = {"username": ACCOUNTS["agent"][0], "password": PASSWORD, "next": "/statistiques?x=1"}
    assert browser.post("/connexion", form).headers["Location"] == "/statistiques?x=1"


def test_head_is_not_a_login(app: Flask) -> None:
    client = app.test_client()
    response = client.head(
        "/connexion", data={"username": ACCOUNTS["agent"][0], "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/file").status_code == 302  # not logged in


def _attempt(app: Flask, username: str, password: str, address: str) -> Any:
    client = app.test_client()
    page = client.get("/connexion", environ_base={"REMOTE_ADDR": address})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/connexion",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_slow_down_without_locking_anyone_out(app: Flask) -> None:
    victim = ACCOUNTS["supervisor"][0]
    codes = [_attempt(app, victim, "mauvais", "198.51.100.7").status_code for _ in range(6)]
    assert codes[:3] == [401, 401, 401] and 429 in codes[3:]
    slowed = _attempt(app, victim, "mauvais", "198.51.100.7")
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    # The agent at their own desk still logs in: no hard lock anyone can trigger.
    assert _attempt(app, victim, PASSWORD, "203.0.113.9").status_code == 302
    # Spraying many accounts from one address is slowed down too.
    spray = [_attempt(app, f"compte{i}", "x", "198.51.100.8").status_code for i in range(14)]
    assert spray[:10] == [401] * 10 and spray[-1] == 429


def test_admins_are_alerted_of_repeated_failures(app: Flask) -> None:
    victim = ACCOUNTS["agent"][0]
    for i in range(10):
        _attempt(app, victim, "mauvais", f"192.0.2.{i}")
    actions = [e.action for e in app.extensions["triage"].audit.recent(50)]
    assert "login_alert" in actions


def test_unknown_disabled_and_wrong_password_look_the_same(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts: AccountStore = app.extensions["triage"].accounts
    accounts.set_active(ACCOUNTS["admin"][0], False, datetime.now(timezone.utc))
    verify = console.accounts._verify
    calls: list[int] = []

    def counting(password_hash: str, password: str) -> bool:
        calls.append(1)
        return verify(password_hash, password)

    monkeypatch.setattr(console.accounts, "_verify", counting)
    answers = []
    for index, (username, password) in enumerate(
        [
            ("inconnu", PASSWORD),
            (ACCOUNTS["agent"][0], "mauvais mot de passe"),
            (ACCOUNTS["admin"][0], PASSWORD),  # disabled, right password
            (ACCOUNTS["admin"][0], "mauvais mot de passe"),  # disabled, wrong password
        ]
    ):
        calls.clear()
        response = _attempt(app, username, password, f"192.0.2.{100 + index}")
        body = response.text.replace(username, "")
        body = re.sub(r'name="csrf_token" value="[^"]+"', "", body)
        answers.append((response.status_code, body, len(calls)))
    assert len(set(answers)) == 1, [(a[0], a[2]) for a in answers]
    assert answers[0][0] == 401 and answers[0][2] == 1  # one argon2 verification each


def test_session_cookie_secure_by_default_and_hsts_behind_tls(
    settings: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.app import create_app

    monkeypatch.delenv("TRIAGE_CONSOLE_SECURE_COOKIE", raising=False)
    app = create_app(settings, settings.database_url, secret="s" * 64, migrate=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    page = client.get("/connexion", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in page.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    app.extensions["triage"].engine.dispose()


def test_session_has_an_absolute_lifetime(browser_for: Callable[[str | None], Browser]) -> None:
    agent = browser_for("agent")
    assert agent.get("/file").status_code == 200
    with agent.client.session_transaction() as session:
        at = datetime.fromisoformat(session["login_at"]) - timedelta(hours=13)
        session["login_at"] = at.isoformat()
    assert agent.get("/file").status_code == 302


def test_csv_headers_cannot_be_formulas(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    # The channel column holds 16 characters: the stored formula the review found was this short.
    make_ticket(channel='=HYPERLINK("x")')
    today = datetime.now(timezone.utc).date().isoformat()
    export = browser_for("supervisor").get(
        f"/statistiques/export.csv?table=jours-canaux&debut={today}&fin={today}"
    )
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], rows[0]
    assert any("HYPERLINK" in c for c in rows[0])
