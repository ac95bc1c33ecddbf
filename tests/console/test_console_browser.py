"""Real browser tests: Playwright drives Debian's headless Chromium through the console.

The console runs in a thread of the test process (werkzeug server) on the test databases; the
last test talks to the real assistant (the `assistant_stack` fixture: Rasa, action server and
console processes) and follows its ticket into the console. Screenshots and axe-core reports
are saved in reports/screenshots/ (console--*.png). Skips with the reason when Playwright or
Chromium is missing.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.db import make_engine, session_factory
from bot.urgency import Priority
from console.accounts import AccountStore
from tests.conftest import AXE, DOCS_SCREENSHOTS, SCREENSHOTS
from tests.console.conftest import ACCOUNTS, PASSWORD, days_ago

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_console(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []

    def keep(message: Any) -> None:
        if message.type == "error":
            errors.append(f"{message.text} @ {page.url} {message.location}")

    page.on("console", keep)
    yield page
    context.close()
    blocked = [e for e in errors if "Content Security Policy" in e]
    # A blocked script would break a page: fail. A blocked inline style was seen once in many
    # runs, from no markup of ours (no style attribute anywhere): reported, not failed.
    assert not [e for e in blocked if "directive 'script-src" in e], blocked
    for message in blocked:
        warnings.warn(f"CSP blocked: {message}", stacklevel=1)


def shot(page: Any, request: pytest.FixtureRequest, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    page.screenshot(path=str(SCREENSHOTS / f"console--{name}--{step}.png"), full_page=True)


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """With the keyboard only, as a screen-reader or keyboard user would."""
    page.goto(f"{base}/file")
    assert "/connexion" in page.url
    page.focus("#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/file$"))


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"^[^?]*/connexion$"))


def run_axe(page: Any, name: str) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations found by axe-core (full report saved)."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing (axe-core is vendored by the web tests)")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate is allowed by the CSP
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report = SCREENSHOTS / f"console--axe--{name}.json"
    report.write_text(json.dumps(result["violations"], indent=2, ensure_ascii=False), "utf-8")
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_agent_works_the_queue_and_supervisor_sees_the_figures(
    page: Any,
    live_console: str,
    make_ticket: Callable[..., str],
    request: pytest.FixtureRequest,
) -> None:
    overdue = make_ticket(
        created_at=days_ago(14),
        citizen_name="Lucie Bernard",
        reason="Mon APA n'est plus versée depuis deux mois.",
    )
    week_old = make_ticket(created_at=days_ago(7), phone="+33700000001", citizen_name="Omar Haddad")
    fresh = make_ticket(
        phone="+33700000002",
        citizen_name="Nina Roux",
        topic="college",
        intent="college_canteen_debt",
        fiche_id="college_canteen_debt",
    )
    urgent = make_ticket(
        priority=Priority.URGENT,
        phone="+33700000003",
        citizen_name="Karim Benali",
        topic="rsa",
        intent="rsa_urgent",
        fiche_id="rsa_urgent",
        reason="Plus rien à manger.",
    )

    log_in(page, live_console, ACCOUNTS["agent"][0])
    shot(page, request, "1-queue")
    rows = page.locator("tr[data-reference]")
    assert [rows.nth(i).get_attribute("data-reference") for i in range(rows.count())] == [
        urgent,
        overdue,
        week_old,
        fresh,
    ]
    assert page.locator("tr.row-overdue").count() == 2
    assert "2 en retard" in page.locator("#queue-summary").inner_text()

    page.get_by_role("link", name=overdue).click()
    page.wait_for_url(re.compile(overdue))
    assert page.get_by_role("heading", level=1).inner_text() == f"Demande {overdue}"
    assert (
        "Mon APA n'est plus versée depuis deux mois." in page.locator("#ticket-reason").inner_text()
    )
    assert page.locator("#earlier-alert").count() == 0
    page.locator("label[for=result-no_answer]").click()  # the label is the 44 px target
    assert page.get_by_label("Pas de réponse").is_checked()
    page.get_by_role("button", name="Enregistrer l'appel").click()
    page.wait_for_load_state()
    assert (
        "Tentative d'appel enregistrée : pas de réponse."
        in page.locator(".alert--success").inner_text()
    )
    page.get_by_label("Clore avec l'issue").select_option("answered")
    page.get_by_label("Ce qui a été fait (facultatif)").fill(
        "Paiement relancé auprès de la paierie."
    )
    page.get_by_role("button", name="Clore la demande").click()
    page.wait_for_load_state()
    assert page.locator("#ticket-status").text_content().startswith("Clos")
    assert "Réponse apportée" in page.locator("#ticket-outcome").text_content()
    assert "Paiement relancé auprès de la paierie." in page.locator("#history").inner_text()
    shot(page, request, "2-ticket-closed")

    page.get_by_role("link", name="File d'attente").first.click()
    rows = page.locator("tr[data-reference]")
    assert rows.count() == 3 and overdue not in page.locator("#queue").inner_text()
    log_out(page)

    log_in(page, live_console, ACCOUNTS["supervisor"][0])
    page.get_by_role("link", name="Statistiques").click()
    page.wait_for_url(re.compile("/statistiques"))
    # 4 tickets in the last 30 days: the overdue one called late, the week-old one late without
    # any call, two still within their deadline.
    assert page.locator("#kpi-contacts").inner_text() == "4"
    assert page.locator("#kpi-within").inner_text() == "0 %"
    assert "(0 sur 2)" in page.locator("#kpis").inner_text()
    # The four ticket charts, then the citizens' ratings per topic and per fiche and the inbox's
    # messages per week.
    assert page.locator("svg.chart").count() == 7
    shot(page, request, "3-statistics")


def test_keyboard_and_accessibility(
    page: Any,
    live_console: str,
    make_ticket: Callable[..., str],
    request: pytest.FixtureRequest,
) -> None:
    reference = make_ticket(priority=Priority.URGENT)
    make_ticket(created_at=days_ago(14))
    page.goto(f"{live_console}/connexion")
    shot(page, request, "login")
    found = {"login": run_axe(page, "login")}
    # The first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Contenu"
    log_in(page, live_console, ACCOUNTS["admin"][0])
    found["queue"] = run_axe(page, "queue")
    page.goto(f"{live_console}/demandes/{reference}")
    found["ticket"] = run_axe(page, "ticket")
    page.goto(f"{live_console}/statistiques")
    found["statistics"] = run_axe(page, "statistics")
    page.goto(f"{live_console}/comptes")
    found["accounts"] = run_axe(page, "accounts")
    shot(page, request, "accounts")
    page.goto(f"{live_console}/api/v1/documentation")
    found["api"] = run_axe(page, "api")
    # Narrow screen and 400 % zoom (320 px): the menu wraps, in view, and nothing scrolls sideways.
    for width, height in ((390, 844), (320, 256)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_console}/demandes/{reference}")
        menu = page.get_by_role("navigation", name="Menu principal")
        assert menu.get_by_role("link", name="Statistiques").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        found[f"ticket-{width}px"] = run_axe(page, f"ticket-{width}px")
        shot(page, request, f"ticket-{width}px")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert found == {name: [] for name in found}
    # Every form control has a label a screen reader can announce.
    page.goto(f"{live_console}/demandes/{reference}")
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabeled == []


@pytest.mark.stack
@pytest.mark.slow
def test_ticket_from_a_real_conversation(
    assistant_stack: Any, browser: Any, request: pytest.FixtureRequest
) -> None:
    from tests.e2e.chat import Citizen
    from tests.e2e.test_chat import book_callback

    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say("j'ai fait ma demande d'APA pour mon père il y a deux mois et toujours rien")
    reference = book_callback(
        citizen, name="Hélène Garnier", phone="06 11 22 33 44", commune="ivry"
    )

    engine = make_engine(assistant_stack.database_url)
    try:
        AccountStore(session_factory(engine)).create(
            "agent.e2e", "Agent E2E", "supervisor", PASSWORD
        )
    finally:
        engine.dispose()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        base = assistant_stack.console_url
        log_in(page, base, "agent.e2e")
        assert reference in page.locator("#queue").inner_text()
        page.get_by_role("link", name=reference).click()
        page.wait_for_url(re.compile(reference))
        body = page.locator("main").inner_text()
        for expected in (
            "Hélène Garnier",
            "06 11 22 33 44",
            "Ivry-sur-Seine",
            "apa_file_status",
            "toujours rien",
        ):
            assert expected in body, expected
        assert page.locator("#transcript li").count() >= 4
        shot(page, request, "1-ticket-from-conversation")
        page.get_by_label("Clore avec l'issue").select_option("file_updated")
        page.get_by_role("button", name="Clore la demande").click()
        page.wait_for_load_state()
        assert "Dossier traité" in page.locator("#ticket-outcome").text_content()
        page.get_by_role("link", name="Statistiques").click()
        page.wait_for_url(re.compile("/statistiques"))
        assert int(page.locator("#kpi-contacts").inner_text()) >= 1
        assert "(1 sur 1)" in page.locator("#kpis").inner_text()
        assert "APA" in page.locator("#table-topics").inner_text()
        shot(page, request, "2-statistics")
    finally:
        context.close()


LAPTOP = {"width": 1280, "height": 800}


def doc_shot(page: Any, name: str) -> None:
    """The first screen as an agent sees it, kept in docs/screenshots/ for readers."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"console-{name}.png"))


def test_queue_is_a_worklist_that_fits_a_laptop_and_signals_urgent_tickets(
    app: Flask,
    page: Any,
    live_console: str,
    make_ticket: Callable[..., str],
) -> None:
    app.config["QUEUE_REFRESH_SECONDS"] = 1
    long_reason = "Mon dossier d'allocation personnalisée d'autonomie est bloqué depuis " * 4
    for i in range(30):
        make_ticket(
            created_at=days_ago(i % 9),
            citizen_name=f"Marie-Françoise de La Tour-Lefèvre {i}",
            commune="Villeneuve-Saint-Georges" if i % 2 else "Le Plessis-Trévise",
            reason=long_reason,
            phone=f"+3361234{i:04d}",
        )
    page.set_viewport_size(LAPTOP)
    log_in(page, live_console, ACCOUNTS["agent"][0])
    # Nothing wider than the screen; every column of the table inside its area.
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                   table: document.querySelector('#queue table').getBoundingClientRect().right,
                   area: document.querySelector('main').getBoundingClientRect().right,
                   headers: [...document.querySelectorAll('#queue th')].map(
                       th => th.getBoundingClientRect().right)})"""
    )
    assert widths["page"] <= LAPTOP["width"], widths
    assert max(widths["headers"]) <= widths["area"] and widths["table"] <= widths["area"]
    # Filters folded: the first rows are on the first screen.
    assert not page.locator("#filters").evaluate("d => d.open")
    first_row = page.locator("tr[data-reference]").first.bounding_box()
    assert first_row["y"] + first_row["height"] <= LAPTOP["height"], first_row
    assert page.locator("tr[data-reference]").count() == 25
    assert page.get_by_role("navigation", name="Pages de la file").is_visible()
    doc_shot(page, "queue-1280x800")
    # Accent-free search finds the accented names.
    page.locator("#q").fill("lefevre 7")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=lefevre"))
    assert page.locator("tr[data-reference]").count() == 1
    page.goto(f"{live_console}/file")
    # A new urgent ticket: announced in the alert region and listed without reloading the page.
    urgent = make_ticket(
        priority=Priority.URGENT, citizen_name="Karim Benali", phone="+33700000009"
    )
    alert = page.get_by_role("alert")
    alert.filter(has_text=urgent).wait_for(timeout=10_000)
    assert "Nouvelle demande urgente" in alert.inner_text()
    assert page.title().startswith("(Urgent)")
    page.locator(f'tr[data-reference="{urgent}"]').wait_for(timeout=10_000)
    assert page.locator("tr[data-reference]").first.get_attribute("data-reference") == urgent
    assert run_axe(page, "worklist-queue") == []


def submit(page: Any) -> None:
    """Enter, then wait for the page it leads to (its scripts run before the next key)."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_path_through_the_call_workflow(
    page: Any,
    live_console: str,
    make_ticket: Callable[..., str],
    request: pytest.FixtureRequest,
) -> None:
    earlier = [
        make_ticket(created_at=days_ago(30 + i), reason=f"Demande ancienne {i}") for i in range(5)
    ]
    reference = make_ticket(  # urgent: first in the queue, before the overdue older ones
        priority=Priority.URGENT,
        citizen_name="Jeanne Martin",
        reason="Refus de l'APA pour ma mère.",
        transcript=[
            {"speaker": "assistant", "text": "Récapitulatif :\nNom : Jeanne Martin", "at": "x"},
            {"speaker": "citoyen", "text": "[bouton] Oui, je confirme", "at": "x"},
        ],
    )
    page.set_viewport_size(LAPTOP)
    log_in(page, live_console, ACCOUNTS["agent"][0])
    # Queue: "j" reaches the first row's link, Enter opens the ticket.
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == reference
    submit(page)
    assert re.search(f"/demandes/{reference}$", page.url)
    # Who, phone, deadline, attempts and last note on the first screen.
    card = page.locator("#call-card").bounding_box()
    assert card["y"] + card["height"] <= LAPTOP["height"], card
    assert page.locator("#earlier-alert li").count() == 3
    assert "Et 2 demandes plus anciennes" in page.locator("#earlier-more").inner_text()
    assert not any(page.get_by_label(label).is_checked() for label in ("Joint", "Pas de réponse"))
    doc_shot(page, "ticket-1280x800")
    # "p": focus on « Prendre en charge », Enter claims.
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "claim"
    submit(page)
    assert "Vous avez pris en charge la demande." in page.get_by_role("status").first.inner_text()
    # "a": the call result; arrows choose « Pas de réponse »; a comment; Enter records it.
    page.keyboard.press("a")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Pas de réponse").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Messagerie pleine")
    submit(page)
    message = page.locator(".alert--success").inner_text()
    assert (
        "Tentative d'appel enregistrée : pas de réponse." in message
        and "Rappel prévu le" in message
    )
    assert page.locator("#call-planned").is_visible()
    assert "1 sur 3 sans succès" in page.locator("#call-attempts").inner_text()
    # "n": a note, Tab to its button, Enter.
    page.keyboard.press("n")
    page.keyboard.type("Rappeler après 14 h.")
    page.keyboard.press("Tab")
    submit(page)
    assert "Rappeler après 14 h." in page.locator("#call-last-note").inner_text()
    assert "Agnès Agent" in page.locator("#history").inner_text()
    # "c": the outcome list; pick with the keyboard, Tab, type, Tab, Enter closes.
    page.keyboard.press("c")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Dossier relancé.")
    page.keyboard.press("Tab")
    submit(page)
    assert page.locator("#ticket-status").text_content().startswith("Clos")
    assert earlier[0] not in page.locator("#call-card").inner_text()
    # History before the transcript; the recap's line breaks and the button's title kept.
    history, transcript = page.locator("#history"), page.locator("#transcript")
    assert history.bounding_box()["y"] < transcript.bounding_box()["y"]
    assert (
        "Oui, je confirme" in transcript.inner_text() and "[bouton]" not in transcript.inner_text()
    )
    assert (
        transcript.locator(".preserve-lines").first.evaluate("e => getComputedStyle(e).whiteSpace")
        == "pre-line"
    )
    assert run_axe(page, "worklist-ticket") == []
    shot(page, request, "ticket-after-call")


def test_statistics_screenshot_for_the_docs(
    page: Any, live_console: str, make_ticket: Callable[..., str]
) -> None:
    for i in range(12):
        make_ticket(
            created_at=days_ago(i % 6),
            channel="web" if i % 3 else "phone",
            topic=("apa", "rsa", "college", "imagine_r")[i % 4],
            commune=("Créteil", "Vitry-sur-Seine", "Ivry-sur-Seine")[i % 3],
        )
    page.set_viewport_size(LAPTOP)
    log_in(page, live_console, ACCOUNTS["supervisor"][0])
    page.goto(f"{live_console}/statistiques")
    # Every legend entry inside its chart's drawing.
    outside = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => {
                const r = t.getBoundingClientRect();
                return r.right > box.right + 1 || r.bottom > box.bottom + 1;
            }).map(t => t.textContent);
        })"""
    )
    assert outside == []
    page.locator("svg.chart").first.scroll_into_view_if_needed()
    doc_shot(page, "statistics-1280x800")
