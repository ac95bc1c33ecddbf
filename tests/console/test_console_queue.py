"""The queue: order, time left, overdue marks, filters and search."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.tickets.models import Ticket
from bot.urgency import Priority
from console.queue import PAGE_SIZE
from tests.console.conftest import Browser, days_ago

ROW = re.compile(r'<tr data-reference="([^"]+)"( class="row-overdue")?')


def _rows(html: str) -> list[tuple[str, bool]]:
    return [(reference, bool(overdue)) for reference, overdue in ROW.findall(html)]


def test_urgent_first_then_earliest_deadline_and_overdue_marked(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    # Whole weeks apart: the deadlines differ whatever the weekday the test runs on; a week
    # holds more than the 48 working hours promised, so both older tickets are overdue.
    recent = make_ticket(created_at=days_ago(0))
    old = make_ticket(created_at=days_ago(14))
    said = [{"speaker": "citoyen", "text": "je n'ai plus rien à manger", "at": "x"}]
    urgent_recent = make_ticket(created_at=days_ago(0), priority=Priority.URGENT, transcript=said)
    middle = make_ticket(created_at=days_ago(7))
    page = browser_for("agent").get("/file")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert [r for r, _ in rows] == [urgent_recent, old, middle, recent]
    assert dict(rows) == {urgent_recent: False, old: True, middle: True, recent: False}
    assert "4 demandes" in page.text and "1 urgente" in page.text and "2 en retard" in page.text
    assert re.search(r"En retard</p>\s*<span class=\"overdue-text\">de \d+ h", page.text)
    assert "ouvrées" in page.text
    assert "Plus rien à manger" in page.text  # why it is urgent, from the core's rules


def test_filters_and_search(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    apa = make_ticket(topic="apa", commune="Créteil", citizen_name="Jeanne Martin")
    rsa = make_ticket(
        topic="rsa",
        intent="rsa_payment_issue",
        fiche_id=None,
        channel="web",
        commune="Vitry-sur-Seine",
        citizen_name="Paul Durand",
        phone="+33701020304",
    )
    browser = browser_for("agent")

    def references(query: str) -> list[str]:
        return [r for r, _ in _rows(browser.get(f"/file?{query}").text)]

    assert references("topic=rsa") == [rsa]
    assert references("channel=phone") == [apa]
    assert references("commune=Vitry-sur-Seine") == [rsa]
    assert references("q=martin") == [apa]
    assert references("q=07 01 02 03 04") == [rsa]
    assert references("q=%2B33701020304") == [rsa]
    prefix = rsa[:10]
    found = references(f"q={prefix}")
    assert rsa in found and all(r.startswith(prefix) for r in found)
    assert references(f"q={rsa}") == [rsa]
    assert references("q=%25") == []  # a LIKE wildcard is searched as text
    assert references("assignee=none") == [apa, rsa]


def test_status_and_assignee_filters(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    mine, other = make_ticket(), make_ticket()
    agent = browser_for("agent")
    assert agent.post(f"/demandes/{mine}/prise-en-charge").status_code == 302
    assert agent.post(f"/demandes/{other}/cloture", {"outcome": "answered"}).status_code == 302

    def references(query: str) -> list[str]:
        return [r for r, _ in _rows(agent.get(f"/file?{query}").text)]

    assert references("") == [mine]  # closed tickets leave the default view
    assert references("assignee=me") == [mine]
    assert references("status=closed") == [other]
    assert references("status=open") == []
    assert set(references("status=all")) == {mine, other}


def test_search_ignores_accents_and_case_on_names_and_communes(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    lefevre = make_ticket(citizen_name="Hélène Lefèvre", commune="Créteil")
    oeuvre = make_ticket(citizen_name="Cœur Ÿvonne", commune="L'Haÿ-les-Roses")
    plain = make_ticket(citizen_name="Paul Durand", commune="Ivry-sur-Seine")
    browser = browser_for("agent")

    def references(query: str) -> set[str]:
        return {r for r, _ in _rows(browser.get("/file", query_string={"q": query}).text)}

    assert references("lefevre") == {lefevre}
    assert references("LEFÈVRE") == {lefevre}
    assert references("helene lef") == {lefevre}
    assert references("creteil") == {lefevre}
    assert references("CRÉTEIL") == {lefevre}
    assert references("coeur") == {oeuvre}
    assert references("hay-les") == {oeuvre}
    assert references("yvonne") == {oeuvre}
    assert references("ivry") == {plain}
    assert references("lefevreX") == set()


def test_unknown_channel_or_commune_is_refused(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    make_ticket()
    browser = browser_for("agent")
    assert browser.get("/file?channel=phone").status_code == 200
    assert browser.get("/file?commune=Créteil").status_code == 200
    refused = browser.get("/file?channel=fax")
    assert refused.status_code == 400 and "Canal inconnu" in refused.text
    refused = browser.get("/file?commune=Paris")
    assert refused.status_code == 400 and "Commune inconnu" in refused.text


def test_pages_views_and_due_soon(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    made = [make_ticket(created_at=days_ago(0)) for _ in range(PAGE_SIZE + 2)]
    browser = browser_for("agent")
    first = browser.get("/file")
    assert len(_rows(first.text)) == PAGE_SIZE
    assert 'aria-label="Pages de la file"' in first.text and "Page suivante" in first.text
    second = [r for r, _ in _rows(browser.get("/file?page=2").text)]
    assert len(second) == 2 and set(second) | {r for r, _ in _rows(first.text)} == set(made)
    assert len(_rows(browser.get("/file?page=999").text)) == 2  # past the end: the last page
    assert browser.post(f"/demandes/{made[0]}/prise-en-charge").status_code == 302
    mine = browser.get("/file?assignee=me").text
    assert [r for r, _ in _rows(mine)] == [made[0]]
    assert "Agnès Agent" in mine  # the agent's name, not the login "agnes"


def test_due_soon_is_coloured(
    browser_for: Callable[[str | None], Browser],
    make_ticket: Callable[..., str],
    engine: Engine,
) -> None:
    soon, later = make_ticket(), make_ticket()
    with engine.begin() as connection:  # due in one calendar hour: within SOON_HOURS working
        connection.execute(  # hours whatever the time (outside opening hours, 0 h are left)
            update(Ticket)
            .where(Ticket.reference == soon)
            .values(due_at=datetime.now(timezone.utc) + timedelta(minutes=30))
        )
    html = browser_for("agent").get("/file").text
    assert f'<tr data-reference="{soon}" class="row-soon">' in html
    assert f'<tr data-reference="{later}">' in html
    assert "Bientôt dû" in html
