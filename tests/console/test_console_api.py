"""The CRM's JSON API: token authentication, reading tickets, pushing outcomes, OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.tickets.history import TicketEvent
from bot.tickets.models import Ticket
from console.accounts import ApiToken
from console.openapi import spec
from tests.console.conftest import Browser


@pytest.fixture
def token(app: Flask) -> str:
    return app.extensions["triage"].accounts.create_token("crm", ("read", "write"))


@pytest.fixture
def api(app: Flask, token: str) -> Callable[..., Any]:
    client: FlaskClient = app.test_client()

    def call(method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_tokens_are_required_and_stored_hashed(app: Flask, token: str) -> None:
    client = app.test_client()
    assert client.get("/api/v1/tickets").status_code == 401
    response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer trg_wrong"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    with app.extensions["triage"].sessions() as session:
        row = session.execute(select(ApiToken)).scalar_one()
        assert token not in row.token_hash and len(row.token_hash) == 64
        assert row.last_used_at is not None
    app.extensions["triage"].accounts.revoke_token("crm", row.last_used_at)
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_list_and_page(api: Callable[..., Any], make_ticket: Callable[..., str]) -> None:
    references = [make_ticket() for _ in range(3)]
    first = api("GET", "/tickets?limit=2").json
    assert [t["reference"] for t in first["items"]] == references[:2]
    rest = api("GET", f"/tickets?limit=2&after_id={first['next_after_id']}").json
    assert [t["reference"] for t in rest["items"]] == references[2:]
    assert rest["next_after_id"] is None
    assert api("GET", "/tickets?status=closed").json["items"] == []
    assert api("GET", "/tickets?updated_since=2000-01-01T00:00:00%2B00:00").json["items"]
    assert api("GET", "/tickets?updated_since=2000-01-01").status_code == 400  # no zone
    assert api("GET", "/tickets?limit=abc").status_code == 400
    assert api("GET", "/tickets?status=deleted").status_code == 400


def test_read_one_ticket_is_audited(
    app: Flask, api: Callable[..., Any], make_ticket: Callable[..., str]
) -> None:
    earlier = make_ticket()
    reference = make_ticket(citizen_name="Jeanne <b>Martin</b>")
    body = api("GET", f"/tickets/{reference}").json
    assert body["citizen_name"] == "Jeanne <b>Martin</b>"  # JSON carries data as it is
    assert body["phone"] == "+33612345678" and body["topic"] == "apa"
    assert body["transcript"][0]["speaker"] == "citoyen"
    assert body["earlier_references"] == [earlier]
    assert api("GET", "/tickets/nope").status_code == 404
    with app.extensions["triage"].sessions() as session:
        events = session.execute(select(TicketEvent.kind, TicketEvent.account)).all()
    assert events == [("view", "api:crm")]


def test_push_outcome(app: Flask, api: Callable[..., Any], make_ticket: Callable[..., str]) -> None:
    reference, other = make_ticket(), make_ticket()
    response = api(
        "POST", f"/tickets/{reference}/outcome", json={"outcome": "answered", "comment": "OK"}
    )
    assert response.status_code == 200
    assert response.json["status"] == "closed" and response.json["outcome"] == "answered"
    assert response.json["events"][-1]["kind"] == "resolve"
    assert response.json["events"][-1]["account"] == "api:crm"
    again = api("POST", f"/tickets/{reference}/outcome", json={"outcome": "answered"})
    assert again.status_code == 409
    transfer = api(
        "POST", f"/tickets/{other}/outcome", json={"outcome": "transferred", "service": "insertion"}
    )
    assert transfer.status_code == 200 and transfer.json["outcome"] == "transferred"
    third = make_ticket()
    for body in ({}, {"outcome": "bravo"}, {"outcome": "transferred"}, {"outcome": 3}, [1]):
        assert api("POST", f"/tickets/{third}/outcome", json=body).status_code == 400, body
    assert api("POST", "/tickets/nope/outcome", json={"outcome": "answered"}).status_code == 404
    with app.extensions["triage"].sessions() as session:
        assert (
            session.execute(select(Ticket.status).filter_by(reference=third)).scalar_one() == "open"
        )


def test_openapi_describes_every_api_route(
    app: Flask, api: Callable[..., Any], browser_for: Callable[[str | None], Browser]
) -> None:
    document = api("GET", "/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.documentation":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    # Every $ref points at a defined component.
    refs = set(
        re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', __import__("json").dumps(document))
    )
    for kind, name in refs:
        assert name in document["components"][kind]
    page = browser_for("agent").get("/api/v1/documentation")
    assert page.status_code == 200 and "/tickets/{reference}/outcome" in page.text
    assert spec("x")["info"]["title"].startswith("x")


def test_list_filters_accept_only_known_channels_and_communes(
    api: Callable[..., Any], make_ticket: Callable[..., str]
) -> None:
    web = make_ticket(channel="web", commune="Vitry-sur-Seine")
    phone = make_ticket(channel="phone", commune="Créteil")
    listed = api("GET", "/tickets?channel=web").json["items"]
    assert [t["reference"] for t in listed] == [web]
    listed = api("GET", "/tickets?commune=Cr%C3%A9teil").json["items"]
    assert [t["reference"] for t in listed] == [phone]
    refused = api("GET", "/tickets?channel=fax")
    assert refused.status_code == 400 and "Canal inconnu" in refused.json["detail"]
    assert api("GET", "/tickets?commune=Paris").status_code == 400
