"""Statistics: contacts, share answered alone, callbacks within the deadline, median, export."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.hours import OpeningHours
from bot.settings import Settings
from bot.tickets import TicketStore, workflow
from bot.tickets.history import TicketEvent
from bot.tickets.workflow import Actor, lock_ticket
from bot.urgency import Priority
from console.charts import horizontal_bars, nice_axis, stacked_bars, stacked_columns
from console.stats import Period, build_report
from tests.console.conftest import Browser, days_ago

PARIS = ZoneInfo("Europe/Paris")
WEEK = Period(date(2026, 10, 5), date(2026, 10, 11))  # Monday to Sunday, UTC+2
AGENT = Actor("agnes", may_override=False)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def week(store: TicketStore, make_ticket: Callable[..., str], settings: Settings) -> dict[str, str]:
    """A known week of activity (see the figures in the tests)."""
    for i in range(3):
        store.record_interaction(
            f"web-{i}", "web", topic="apa", outcome="answered", at=at(5, 10, i)
        )
    store.record_interaction(
        "tel-1", "phone", topic="rsa", outcome="oriented", commune="Orly", at=at(6, 14)
    )
    store.record_interaction("tel-2", "phone", outcome="abandoned", at=at(6, 15))
    t1 = make_ticket(channel="phone", topic="apa", commune="Créteil", created_at=at(5, 9))
    t2 = make_ticket(
        channel="web",
        topic="rsa",
        commune="Vitry-sur-Seine",
        priority=Priority.URGENT,
        created_at=at(6, 10),
    )
    t3 = make_ticket(channel="phone", topic="college", commune="Créteil", created_at=at(7, 11))
    make_ticket(created_at=at(20, 10))  # outside the week
    store.record_interaction(
        "tel-3", "phone", topic="apa", outcome="callback", ticket_reference=t1, at=at(5, 9)
    )
    store.record_interaction(
        "web-9", "web", topic="rsa", outcome="callback", ticket_reference=t2, at=at(6, 10)
    )
    with store.Session.begin() as session:
        workflow.record_attempt(
            session, lock_ticket(session, t1), AGENT, "reached", None, settings, at(6, 9)
        )
        workflow.record_attempt(
            session, lock_ticket(session, t2), AGENT, "no_answer", None, settings, at(7, 9)
        )
        workflow.transfer(
            session, lock_ticket(session, t3), AGENT, "education", None, settings, at(7, 12)
        )
    return {"t1": t1, "t2": t2, "t3": t3}


def _report(engine: Engine, settings: Settings, period: Period = WEEK):
    from bot.db import session_factory

    with session_factory(engine)() as session:
        return build_report(
            session, period, OpeningHours(settings), PARIS, datetime.now(timezone.utc)
        )


def test_report_figures(engine: Engine, settings: Settings, week: dict[str, str]) -> None:
    report = _report(engine, settings)
    assert report.total == 8  # 7 conversations + 1 ticket without a conversation
    assert report.answered_alone == 4 and report.answered_share == 0.5
    assert dict(report.count_by("channel")) == {"phone": 4, "web": 4}
    assert dict(report.count_by("topic")) == {"apa": 4, "rsa": 2, "college": 1, "": 1}
    # Communes come from the conversation, else from its ticket.
    assert dict(report.count_by("commune")) == {
        "Créteil": 2,
        "Vitry-sur-Seine": 1,
        "Orly": 1,
        "": 4,
    }
    days, by_channel = report.per_day("channel")
    assert days[0] == "05/10" and len(days) == 7
    assert by_channel["web"][:3] == [3, 1, 0] and by_channel["phone"][:3] == [1, 2, 1]
    assert report.by_hour()[10] == 4 and sum(report.by_hour()) == 8
    assert report.by_weekday()[:3] == [4, 3, 1]
    everything = report.callbacks["all"]
    # t1: called Tuesday 9:00, 12 working hours after Monday 9:00, before its deadline;
    # t2 (urgent, due Tuesday 18:00): first call Wednesday 9:00, late (11 h);
    # t3: transferred without a call 1 working hour after it arrived, in time.
    assert (everything.total, everything.within, everything.late, everything.pending) == (
        3,
        2,
        1,
        0,
    )
    assert sorted(everything.hours_to_callback) == [1.0, 11.0, 12.0]
    assert everything.median_hours == 11.0
    assert report.callbacks["urgent"].late == 1 and report.callbacks["normal"].within == 2
    assert ("apa", 4, 3, 1) in report.topics_table()


def test_pending_and_late_without_any_call(
    engine: Engine, settings: Settings, make_ticket: Callable[..., str]
) -> None:
    make_ticket(created_at=days_ago(0))
    make_ticket(created_at=days_ago(14))
    today = datetime.now(PARIS).date()
    figures = _report(engine, settings, Period.last_days(today)).callbacks["all"]
    assert (figures.total, figures.within, figures.late, figures.pending) == (2, 0, 1, 1)
    assert figures.rate == 0.0 and figures.median_hours is None


def test_statistics_page_and_csv(
    browser_for: Callable[[str | None], Browser], week: dict[str, str]
) -> None:
    supervisor = browser_for("supervisor")
    page = supervisor.get("/statistiques?debut=2026-10-05&fin=2026-10-11")
    assert page.status_code == 200
    text = page.text
    assert 'id="kpi-contacts">8<' in text
    assert 'id="kpi-alone">50 %<' in text
    assert 'id="kpi-within">67 %<' in text
    assert 'id="kpi-median">11 h<' in text
    # Contacts (channel, topic, communes, hours), ratings (topic, fiche), inbox per week.
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 7
    assert "Vitry-sur-Seine" in text and "Collège" in text
    export = supervisor.get(
        "/statistiques/export.csv?table=rappels&debut=2026-10-05&fin=2026-10-11"
    )
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Priorité"
    assert rows[1] == ["Toutes", "3", "2", "1", "0", "66,7", "11,0"]
    days = supervisor.get(
        "/statistiques/export.csv?table=jours-canaux&debut=2026-10-05&fin=2026-10-11"
    )
    rows = list(csv.reader(io.StringIO(days.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Jour", "Téléphone", "Site web", "Total"]
    assert rows[1] == ["05/10/2026", "1", "3", "4"] and len(rows) == 8
    for bad in (
        "debut=2026-13-01",
        "debut=2026-10-11&fin=2026-10-01",
        "debut=2020-01-01&fin=2026-01-01",
    ):
        assert supervisor.get(f"/statistiques?{bad}").status_code == 400
    assert supervisor.get("/statistiques/export.csv?table=../etc").status_code == 400


def test_statistics_survive_the_retention_purge(
    app: Flask, engine: Engine, settings: Settings, week: dict[str, str], store: TicketStore
) -> None:
    before = _report(engine, settings)
    assert store.purge_personal_data(older_than_days=1) == 1  # t3 was closed
    after = _report(engine, settings)
    assert (after.total, after.answered_alone) == (before.total, before.answered_alone)
    assert after.callbacks["all"].hours_to_callback == before.callbacks["all"].hours_to_callback
    with store.Session() as session:
        assert session.execute(select(TicketEvent)).scalars().all()


def test_charts_escape_labels_and_scale() -> None:
    svg = stacked_columns("c", "Titre <b>", "desc", ["a<"], [("<script>", [3])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
    assert 'role="img"' in svg and '<title id="c-title">Titre &lt;b&gt;</title>' in svg
    bars = horizontal_bars("h", "t", "d", [("Créteil", 10), ("Orly", 5)])
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', bars)]
    assert widths[0] == pytest.approx(2 * widths[1])
    # Axis labels are whole numbers, even for small counts.
    ticks = re.findall(
        r'text-anchor="end" fill="#3a3a3a">([^<]+)<',
        stacked_columns("d", "t", "d", ["lun."], [("x", [3])]),
    )
    assert ticks == ["0", "1", "2", "3"]


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [(426, 500, 100), (3, 3, 1), (0, 4, 1), (7, 8, 2), (95, 100, 20), (1234, 1250, 250)],
)
def test_value_axis_is_close_to_the_maximum(value: float, top: float, step: float) -> None:
    assert nice_axis(value) == (top, step)


def test_a_long_legend_wraps_instead_of_being_cut() -> None:
    names = [f"Thème numéro {i} au nom assez long" for i in range(7)]
    svg = stacked_columns("l", "t", "d", ["lun."], [(name, [1]) for name in names], width=760)
    entries = re.findall(r'<rect x="(\d+)" y="(\d+)" width="12" height="12"', svg)
    assert len(entries) == len(names)
    assert len({y for _, y in entries}) >= 3  # several rows
    height = float(re.search(r'viewBox="0 0 760 ([\d.]+)"', svg).group(1))
    for name, (x, y) in zip(names, entries, strict=True):
        assert int(x) + 16 + 7.2 * len(name) <= 760 and int(y) + 12 <= height, name


RATINGS = (("Avis « Oui »", "#18753c"), ("Avis « Non »", "#b34000"), ("Sans avis", "#666666"))


def test_stacked_bars_scale_stack_and_name_every_part() -> None:
    long = "Aide au répit pour les proches aidants d'une personne âgée <dépendante>"
    svg = stacked_bars("s", "Avis", "desc", [("APA", [6, 2, 2]), (long, [1, 0, 4])], RATINGS)
    parts = re.findall(r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="18"', svg)
    apa = [(float(x), float(w)) for x, y, w in parts if y == "8"]
    assert len(apa) == 3 and apa[0][1] == pytest.approx(3 * apa[1][1])  # 6 Oui, 2 Non
    assert apa[1][0] == pytest.approx(apa[0][0] + apa[0][1])  # stacked, end to end
    assert len(parts) == 5  # a zero draws nothing
    # Each part says what it is in its tooltip; the whole name stays there, escaped.
    assert "<title>APA — Avis « Non » : 2</title>" in svg
    assert f"<title>{html.escape(long)} — Sans avis : 4</title>" in svg
    assert "<dépendante>" not in svg
    assert "…</text>" in svg  # shortened on the axis only
    # The legend names the three parts with their colours; the axis is in whole steps.
    for name, colour in RATINGS:
        assert f'fill="{colour}"/><text x=' in svg and f">{name}</text>" in svg
    ticks = re.findall(r'text-anchor="middle" fill="#3a3a3a">([^<]+)<', svg)
    assert ticks == ["0", "2", "4", "6", "8", "10"]
    assert "<text" in svg and ">10</text>" in svg and ">5</text>" in svg  # totals at bar ends


def test_stacked_bars_without_data_say_so() -> None:
    svg = stacked_bars("e", "Avis", "desc", [], RATINGS)
    assert "Aucune donnée sur la période." in svg and 'role="img"' in svg
