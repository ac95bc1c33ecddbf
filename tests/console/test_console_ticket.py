"""The ticket page (everything the assistant learned, earlier tickets) and the agents' actions."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import select

from bot.hours import OpeningHours
from bot.settings import Settings
from bot.tickets.history import TicketEvent
from bot.tickets.models import Ticket
from bot.urgency import Priority
from console.labels import hours_fr
from tests.console.conftest import ACCOUNTS, Browser, days_ago

AGENT, SUPERVISOR = ACCOUNTS["agent"][0], ACCOUNTS["supervisor"][0]


def _ticket(app: Flask, reference: str) -> Ticket:
    with app.extensions["triage"].sessions() as session:
        return session.execute(select(Ticket).filter_by(reference=reference)).scalar_one()


def _events(app: Flask, reference: str) -> list[tuple[str, str, dict]]:
    with app.extensions["triage"].sessions() as session:
        rows = session.execute(
            select(TicketEvent.kind, TicketEvent.account, TicketEvent.detail)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.reference == reference)
            .order_by(TicketEvent.id)
        )
        return [tuple(row) for row in rows]


def test_ticket_page_shows_everything_and_is_audited(
    app: Flask,
    settings: Settings,
    browser_for: Callable[[str | None], Browser],
    make_ticket: Callable[..., str],
) -> None:
    first = make_ticket(created_at=days_ago(30), reason="Première demande sur l'APA.")
    reference = make_ticket(
        citizen_name="Jeanne Martin",
        reason="Refus de l'APA pour ma mère, GIR 5 contesté.",
        entities={"age": 82, "dossier_number": "123456"},
        priority=Priority.URGENT,
        transcript=[
            {
                "speaker": "citoyen",
                "text": "On a refusé l'APA à ma mère",
                "at": "2026-11-20T09:15:00+00:00",
            },
            {
                "speaker": "assistant",
                "text": "Je note votre demande de rappel.",
                "at": "2026-11-20T09:15:30+00:00",
            },
        ],
    )
    page = browser_for("agent").get(f"/demandes/{reference}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for expected in (
        "Jeanne Martin",
        "06 12 34 56 78",
        "Créteil",
        "Refus de l'APA pour ma mère, GIR 5 contesté.",
        "apa_contest",
        "confiance 91 %",
        "Contester une décision d'APA",  # the fiche's title from the knowledge base
        "On a refusé l'APA à ma mère",
        "Je note votre demande de rappel.",
        "10:15",  # transcript time, local (Paris is UTC+1 in November)
        "Numéro de dossier",
        "123456",
        "</strong> situation urgente signalée.",  # an urgent ticket without distress words
        "Ce citoyen a déjà fait 1 demande avec ce numéro",
        first,
        "Première demande sur l'APA.",
    ):
        assert expected in text, expected
    assert _events(app, reference) == [("view", AGENT, {})]


def _spread_attempts(app: Flask, reference: str, hours_apart: float = 3) -> None:
    """Move the ticket's recorded attempts back in time, `hours_apart` from each other."""
    with app.extensions["triage"].unit_of_work() as session:
        events = session.execute(
            select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.reference == reference, TicketEvent.kind == "attempt")
            .order_by(TicketEvent.id.desc())
        ).scalars()
        for back, event in enumerate(events, start=1):
            event.at = datetime.now(timezone.utc) - timedelta(hours=hours_apart * back)


def test_claim_attempts_and_automatic_closing(
    app: Flask,
    settings: Settings,
    browser_for: Callable[[str | None], Browser],
    make_ticket: Callable[..., str],
) -> None:
    reference = make_ticket()
    agent = browser_for("agent")
    agent.post(f"/demandes/{reference}/prise-en-charge")
    assert (_ticket(app, reference).status, _ticket(app, reference).assignee) == ("claimed", AGENT)
    # Three failures minutes apart count as one: the ticket stays open.
    for result in ["no_answer", "voicemail", "no_answer"]:
        agent.post(f"/demandes/{reference}/appel", {"result": result, "comment": "essai"})
    ticket = _ticket(app, reference)
    assert settings.max_failed_attempts == 3
    assert settings.min_minutes_between_failed_attempts == 120
    assert ticket.status == "claimed" and ticket.next_call_at is not None
    page = html.unescape(agent.get(f"/demandes/{reference}").text)
    assert "1 sur 3 sans succès comptée (2 trop rapprochées, non comptées)" in page
    agent.post(f"/demandes/{reference}/appel", {"result": "reached"})
    assert _ticket(app, reference).next_call_at is None  # reached: nothing planned
    # Spread over the day instead, 1 h 30 apart: failures 6 h, 4 h 30 and 3 h ago (the middle
    # one too close to the first), the reached call 1 h 30 ago; one more failure now is the 3rd.
    _spread_attempts(app, reference, hours_apart=1.5)
    page = agent.post(
        f"/demandes/{reference}/appel", {"result": "no_answer"}, follow_redirects=True
    )
    ticket = _ticket(app, reference)
    assert (ticket.status, ticket.outcome) == ("closed", "unreachable")
    assert ticket.closed_at is not None and ticket.next_call_at is None
    assert "la demande est close (injoignable)" in html.unescape(page.text)
    kinds = [(k, d) for k, _, d in _events(app, reference) if k not in ("view", "attempt")]
    assert kinds == [
        ("claim", {}),
        ("resolve", {"outcome": "unreachable", "failed_attempts": 3, "automatic": True}),
    ]
    # Closed: no more attempts.
    agent.post(f"/demandes/{reference}/appel", {"result": "no_answer"})
    assert len([e for e in _events(app, reference) if e[0] == "attempt"]) == 5


def test_rappeler_a_plans_the_next_call_no_sooner_than_the_gap(
    app: Flask,
    settings: Settings,
    browser_for: Callable[[str | None], Browser],
    make_ticket: Callable[..., str],
) -> None:
    reference = make_ticket()
    agent = browser_for("agent")
    tz = settings.timezone
    earliest = OpeningHours(settings).next_opening(datetime.now(timezone.utc) + timedelta(hours=2))
    too_soon = datetime.now(tz) + timedelta(minutes=30)
    page = agent.post(
        f"/demandes/{reference}/appel",
        {"result": "no_answer", "next_call_at": too_soon.strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=True,
    )
    assert "Trop tôt pour rappeler" in html.unescape(page.text)
    assert _ticket(app, reference).next_call_at is None  # refused: nothing recorded
    wanted = (earliest.astimezone(tz) + timedelta(days=1)).replace(second=0, microsecond=0)
    page = agent.post(
        f"/demandes/{reference}/appel",
        {"result": "voicemail", "next_call_at": wanted.strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=True,
    )
    assert f"Rappel prévu le {wanted.strftime('%d/%m/%Y à %H:%M')}" in html.unescape(page.text)
    assert _ticket(app, reference).next_call_at == wanted
    assert 'id="call-planned"' in page.text
    assert f"Rappel prévu le {wanted.strftime('%d/%m %H:%M')}" in agent.get("/file").text
    # Left empty: the earliest allowed moment.
    agent.post(f"/demandes/{reference}/appel", {"result": "no_answer", "next_call_at": ""})
    planned = _ticket(app, reference).next_call_at
    assert planned is not None and planned >= earliest - timedelta(minutes=5)
    unreadable = agent.post(
        f"/demandes/{reference}/appel",
        {"result": "no_answer", "next_call_at": "demain"},
        follow_redirects=True,
    )
    assert "Date de rappel illisible" in unreadable.text


def test_wrong_number_closes_as_wrong_number(
    app: Flask, browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    reference = make_ticket()
    agent = browser_for("agent")
    for _ in range(2):
        agent.post(f"/demandes/{reference}/appel", {"result": "wrong_number"})
        _spread_attempts(app, reference)
    agent.post(f"/demandes/{reference}/appel", {"result": "wrong_number"})
    assert _ticket(app, reference).outcome == "wrong_number"


def test_resolve_transfer_note_and_reassign(
    app: Flask, browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    resolved, transferred = make_ticket(), make_ticket()
    agent, supervisor = browser_for("agent"), browser_for("supervisor")

    agent.post(f"/demandes/{resolved}/note", {"text": "Rappeler après 14 h."})
    agent.post(f"/demandes/{resolved}/cloture", {"outcome": "answered", "comment": "Expliqué."})
    ticket = _ticket(app, resolved)
    assert (ticket.status, ticket.outcome, ticket.assignee) == ("closed", "answered", AGENT)

    supervisor.post(f"/demandes/{transferred}/reattribution", {"assignee": AGENT})
    assert _ticket(app, transferred).assignee == AGENT
    # Someone else's ticket: a supervisor may still act on it.
    supervisor.post(f"/demandes/{transferred}/transfert", {"service": "autonomie"})
    ticket = _ticket(app, transferred)
    assert (ticket.status, ticket.outcome) == ("closed", "transferred")
    events = [(k, a, d) for k, a, d in _events(app, transferred) if k != "view"]
    assert events == [
        ("reassign", SUPERVISOR, {"from": None, "to": AGENT}),
        ("transfer", SUPERVISOR, {"service": "autonomie"}),
    ]
    page = html.unescape(agent.get(f"/demandes/{resolved}").text)
    assert "Rappeler après 14 h." in page and "Expliqué." in page


def test_an_agent_cannot_work_on_a_colleagues_ticket(
    app: Flask, browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    reference = make_ticket()
    supervisor, agent = browser_for("supervisor"), browser_for("agent")
    supervisor.post(f"/demandes/{reference}/prise-en-charge")
    page = agent.post(
        f"/demandes/{reference}/cloture", {"outcome": "answered"}, follow_redirects=True
    )
    assert f"prise en charge par {SUPERVISOR}" in html.unescape(page.text)
    assert _ticket(app, reference).status == "claimed"
    # Unknown codes are refused, nothing changes.
    agent_ticket = make_ticket()
    agent.post(f"/demandes/{agent_ticket}/cloture", {"outcome": "'; DROP TABLE tickets; --"})
    agent.post(f"/demandes/{agent_ticket}/transfert", {"service": "nowhere"})
    agent.post(f"/demandes/{agent_ticket}/appel", {"result": "maybe"})
    assert _ticket(app, agent_ticket).status == "open"
    assert agent.get("/demandes/000000-000000").status_code == 404


def test_injected_html_and_sql_show_as_text(
    app: Flask, browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    name = "<script>alert('nom')</script>Robert'); DROP TABLE tickets;--"
    reason = "<img src=x onerror=\"alert(1)\"> 1' OR '1'='1"
    reference = make_ticket(
        citizen_name=name,
        reason=reason,
        entities={"<b>clé</b>": "<i>valeur</i>"},
        transcript=[{"speaker": "citoyen", "text": "<iframe src=//evil></iframe>", "at": "x"}],
    )
    agent = browser_for("agent")
    agent.post(f"/demandes/{reference}/note", {"text": "<script>document.cookie</script>"})
    for url in (f"/demandes/{reference}", "/file", f"/file?q={name[:20]}"):
        page = agent.get(url).text
        for raw in ("<script>alert", "<img src=x", "<iframe", "<b>clé", "<i>valeur", "<script>doc"):
            assert raw not in page, (url, raw)
    page = agent.get(f"/demandes/{reference}").text
    assert html.escape(name, quote=False) in page.replace("&#39;", "'")
    assert "&lt;script&gt;document.cookie&lt;/script&gt;" in page
    # The SQL was stored and searched as plain data: the tables are all there.
    with app.extensions["triage"].sessions() as session:
        assert session.execute(select(Ticket.citizen_name)).scalar_one() == name
    assert agent.get("/file?q=' OR 1=1 --").status_code == 200


def test_time_left_uses_working_hours(
    app: Flask,
    settings: Settings,
    browser_for: Callable[[str | None], Browser],
    make_ticket: Callable[..., str],
) -> None:
    reference = make_ticket()
    ticket = _ticket(app, reference)
    hours = OpeningHours(settings)
    before = hours.working_hours_between(datetime.now(timezone.utc), ticket.due_at)
    page = html.unescape(browser_for("agent").get(f"/demandes/{reference}").text)
    after = hours.working_hours_between(datetime.now(timezone.utc), ticket.due_at)
    shown = {f"{hours_fr(value)} ouvrées restantes" for value in (before, after)}
    assert any(text in page for text in shown), shown


def test_the_page_is_built_around_the_call(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    older = [make_ticket(created_at=days_ago(40 - i), reason=f"Demande {i}") for i in range(5)]
    recap = "Récapitulatif :\nNom : Jeanne Martin\nTéléphone : 06 12 34 56 78"
    reference = make_ticket(
        citizen_name="Jeanne Martin",
        transcript=[
            {"speaker": "assistant", "text": recap, "at": "2026-11-20T09:15:00+00:00"},
            {"speaker": "citoyen", "text": "[bouton] Oui, j'accepte", "at": "x"},
        ],
    )
    agent = browser_for("agent")
    agent.post(f"/demandes/{reference}/note", {"text": "Rappeler après 14 h."})
    page = html.unescape(agent.get(f"/demandes/{reference}").text)
    main = page[page.index("<main") :]
    # Who, phone, deadline, attempts and the last note come before anything else.
    card = main[main.index('id="call-card"') : main.index("</section>")]
    for expected in (
        "Jeanne Martin",
        "06 12 34 56 78",
        "Échéance",
        "Tentatives",
        "Rappeler après 14 h.",
    ):
        assert expected in card, expected
    assert "Agnès Agent" in card and ">agnes<" not in page  # names, not logins
    # Three earlier requests listed, the others counted; history before the transcript.
    assert "déjà fait 5 demandes" in main
    assert sum(ref in main for ref in older) == 3 and "Et 2 demandes plus anciennes" in main
    assert main.index('id="history"') < main.index('id="transcript"')
    # The recap keeps its line breaks; a button shows its title, not "[bouton] …".
    assert f'<span class="turn__text preserve-lines">{recap}</span>' in main
    assert "[bouton]" not in main and '<span class="turn__button">Oui, j\'accepte</span>' in main
    # No call result chosen in advance.
    form = main[main.index('id="attempt-form"') : main.index('id="resolve-form"')]
    assert form.count('name="result"') == 4 and "checked" not in form
