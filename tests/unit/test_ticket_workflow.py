"""The ticket's rules (bot/tickets/workflow.py) on a real SQLite file and PostgreSQL database.

No console here: the functions are called as the console and the CRM API call them, in a unit
of work of their own, and what they stored is read back in another session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import session_factory, upgrade
from bot.settings import Settings
from bot.tickets import TicketStore, workflow
from bot.tickets.history import TicketEvent, ticket_history
from bot.tickets.models import Outcome, Ticket, TicketStatus
from bot.tickets.workflow import Actor, WorkflowError, lock_ticket
from tests.unit.test_tickets import draft

AGENT = Actor("agnes", may_override=False)
COLLEAGUE = Actor("bruno", may_override=False)
SUPERVISOR = Actor("sophie", may_override=True)
CRM = Actor("api:crm", may_override=True)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)

Act = Callable[[Callable[[Session, Ticket], Any]], Any]


@pytest.fixture
def sessions(engine: Engine) -> Callable[[], Session]:
    upgrade(engine)
    return session_factory(engine)


@pytest.fixture
def reference(engine: Engine, store_settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A fresh open ticket, created by the assistant's store."""
    upgrade(engine)
    yield TicketStore(engine, store_settings, tmp_path / "outbox").create(draft()).reference


@pytest.fixture
def act(sessions: Callable[[], Session], reference: str) -> Act:
    """Run one workflow call on the ticket in a unit of work, as the console does."""

    def run(call: Callable[[Session, Ticket], Any]) -> Any:
        with sessions() as session, session.begin():
            ticket = lock_ticket(session, reference)
            assert ticket is not None
            return call(session, ticket)

    return run


def stored(sessions: Callable[[], Session], reference: str) -> tuple[Ticket, list[Any]]:
    """The ticket and its history (kind, account, detail, text) as another session reads them."""
    with sessions() as session:
        ticket = session.execute(select(Ticket).where(Ticket.reference == reference)).scalar_one()
        events = ticket_history(session, ticket.id, with_views=True)
        return ticket, [(e.kind, e.account, e.detail, e.text) for e in events]


def refused(act: Act, call: Callable[[Session, Ticket], Any], message: str) -> None:
    with pytest.raises(WorkflowError, match=message):
        act(call)


def test_claim_takes_an_open_ticket_once(act: Act, sessions, reference: str) -> None:
    act(lambda s, t: workflow.claim(s, t, AGENT, NOW))
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.assignee, ticket.updated_at) == ("claimed", "agnes", NOW)
    assert events == [("claim", "agnes", {}, None)]
    refused(act, lambda s, t: workflow.claim(s, t, AGENT, NOW), "déjà prise en charge par vous")
    refused(act, lambda s, t: workflow.claim(s, t, COLLEAGUE, NOW), "par agnes")
    assert len(stored(sessions, reference)[1]) == 1


def test_a_colleagues_ticket_is_refused_unless_supervisor(act: Act, sessions, reference) -> None:
    act(lambda s, t: workflow.claim(s, t, AGENT, NOW))
    refused(
        act,
        lambda s, t: workflow.resolve(s, t, COLLEAGUE, "answered", None, NOW),
        "prise en charge par agnes",
    )
    assert stored(sessions, reference)[0].status == "claimed"
    # A supervisor acts on it without taking it over.
    act(lambda s, t: workflow.resolve(s, t, SUPERVISOR, Outcome.ANSWERED, "Fait.", NOW))
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.outcome, ticket.assignee) == ("closed", "answered", "agnes")
    assert events[-1] == ("resolve", "sophie", {"outcome": "answered"}, "Fait.")


def test_the_crm_closes_an_open_ticket_without_claiming_it(act: Act, sessions, reference) -> None:
    act(lambda s, t: workflow.resolve(s, t, CRM, "appointment", None, NOW))
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.outcome, ticket.assignee) == ("closed", "appointment", None)
    assert ticket.closed_at == NOW
    assert events == [("resolve", "api:crm", {"outcome": "appointment"}, None)]


def test_failed_attempts_close_the_ticket_as_unreachable(
    act: Act, sessions, reference: str, settings: Settings
) -> None:
    assert settings.max_failed_attempts == 3
    assert settings.min_minutes_between_failed_attempts == 120

    def attempt(result: str, hours: float) -> Callable[[Session, Ticket], bool]:
        at = NOW + timedelta(hours=hours)  # Monday from 9:30 (UTC), spread over the day
        return lambda s, t: workflow.record_attempt(s, t, AGENT, result, None, settings, at)

    closed = [act(attempt(r, h)) for r, h in (("no_answer", 0), ("reached", 1), ("voicemail", 3))]
    assert closed == [False, False, False]  # a reached call is no failure
    ticket = stored(sessions, reference)[0]
    assert ticket.status == "claimed"
    # The next call is planned 2 h after the latest failure (rounded), in opening hours.
    assert ticket.next_call_at == NOW + timedelta(hours=5)
    assert act(attempt("no_answer", 6)) is True
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.outcome, ticket.assignee) == ("closed", "unreachable", "agnes")
    assert ticket.next_call_at is None
    assert [(e[0], e[1], e[2].get("result", e[2])) for e in events] == [
        ("claim", "agnes", {}),
        ("attempt", "agnes", "no_answer"),
        ("attempt", "agnes", "reached"),
        ("attempt", "agnes", "voicemail"),
        ("attempt", "agnes", "no_answer"),
        ("resolve", "agnes", {"outcome": "unreachable", "failed_attempts": 3, "automatic": True}),
    ]
    assert events[1][2]["next_call_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert "next_call_at" not in events[2][2]
    refused(act, attempt("reached", 7), "déjà close")


def test_three_failures_minutes_apart_do_not_close_the_ticket(
    act: Act, sessions, reference: str, settings: Settings
) -> None:
    for minutes in (0, 4, 9):
        at = NOW + timedelta(minutes=minutes)
        assert not act(
            lambda s, t, at=at: workflow.record_attempt(
                s, t, AGENT, "no_answer", None, settings, at
            )
        )
    assert stored(sessions, reference)[0].status == "claimed"
    too_soon = NOW + timedelta(minutes=40)
    refused(
        act,
        lambda s, t: workflow.record_attempt(
            s, t, AGENT, "no_answer", None, settings, NOW + timedelta(minutes=10), too_soon
        ),
        "Trop tôt pour rappeler",
    )


def test_a_wrong_number_last_closes_as_wrong_number(
    act: Act, sessions, reference: str, settings: Settings
) -> None:
    for hours, result in enumerate(("no_answer", "voicemail", "wrong_number")):
        at = NOW + timedelta(hours=3 * hours)
        act(
            lambda s, t, r=result, at=at: workflow.record_attempt(s, t, AGENT, r, "x", settings, at)
        )
    assert stored(sessions, reference)[0].outcome == Outcome.WRONG_NUMBER


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, t, _: workflow.resolve(s, t, AGENT, "transferred", None, NOW), "Issue"),
        (lambda s, t, _: workflow.resolve(s, t, AGENT, "unreachable", None, NOW), "Issue"),
        (lambda s, t, _: workflow.resolve(s, t, AGENT, "Réponse apportée", None, NOW), "Issue"),
        (lambda s, t, c: workflow.record_attempt(s, t, AGENT, "maybe", None, c, NOW), "Résultat"),
        (lambda s, t, c: workflow.transfer(s, t, AGENT, "nowhere", None, c, NOW), "Service"),
        (lambda s, t, _: workflow.add_note(s, t, AGENT, "  ", NOW), "vide"),
        (lambda s, t, _: workflow.add_note(s, t, AGENT, "x" * 2001, NOW), "trop long"),
        (lambda s, t, _: workflow.reassign(s, t, AGENT, "bruno", {"bruno"}, NOW), "superviseurs"),
        (lambda s, t, _: workflow.reassign(s, t, SUPERVISOR, "zoe", {"bruno"}, NOW), "inconnu"),
    ],
    ids=[
        "resolve-as-transferred",
        "resolve-as-unreachable",
        "resolve-with-a-label",
        "unknown-attempt-result",
        "unknown-service",
        "empty-note",
        "note-too-long",
        "reassign-by-an-agent",
        "reassign-to-a-stranger",
    ],
)
def test_refused_actions_change_nothing(
    act: Act, sessions, reference: str, settings: Settings, call: Any, message: str
) -> None:
    """Outcomes the workflow sets itself, or labels, are not resolutions an agent may choose."""
    refused(act, lambda s, t: call(s, t, settings), message)
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.outcome, ticket.assignee, events) == ("open", None, None, [])


def test_transfer_closes_and_notes_stay_possible_after(
    act: Act, sessions, reference: str, settings: Settings
) -> None:
    service = settings.services[0].id
    act(lambda s, t: workflow.transfer(s, t, AGENT, service, " Dossier APA. ", settings, NOW))
    later = NOW + timedelta(days=2)
    act(lambda s, t: workflow.add_note(s, t, AGENT, "La citoyenne a rappelé.", later))
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.outcome, ticket.updated_at) == ("closed", "transferred", later)
    assert events == [
        ("claim", "agnes", {}, None),
        ("transfer", "agnes", {"service": service}, "Dossier APA."),
        ("note", "agnes", {}, "La citoyenne a rappelé."),
    ]
    refused(act, lambda s, t: workflow.reassign(s, t, SUPERVISOR, None, set(), NOW), "close")


def test_reassign_to_an_agent_then_back_to_the_queue(act: Act, sessions, reference) -> None:
    act(lambda s, t: workflow.reassign(s, t, SUPERVISOR, "bruno", {"bruno"}, NOW))
    assert stored(sessions, reference)[0].status == TicketStatus.CLAIMED
    act(lambda s, t: workflow.reassign(s, t, SUPERVISOR, None, {"bruno"}, NOW))
    ticket, events = stored(sessions, reference)
    assert (ticket.status, ticket.assignee) == ("open", None)
    assert [e[2] for e in events] == [{"from": None, "to": "bruno"}, {"from": "bruno", "to": None}]


def test_stored_codes_are_the_plain_strings(act: Act, sessions, reference: str) -> None:
    """The enums change nothing in the database: a raw read finds the same strings as before."""
    act(lambda s, t: workflow.resolve(s, t, AGENT, Outcome.NO_NEED, None, NOW))
    with sessions() as session:
        row = session.execute(
            select(Ticket.status, Ticket.outcome).where(Ticket.reference == reference)
        ).one()
        kinds = session.execute(select(TicketEvent.kind).order_by(TicketEvent.id)).scalars()
        assert [type(v) for v in row] == [str, str] and tuple(row) == ("closed", "no_need")
        assert list(kinds) == ["claim", "resolve"]
