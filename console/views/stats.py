"""Statistics for supervisors: charts, tables, CSV export, over a chosen period."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from bot.hours import WEEKDAYS_FR
from bot.inbox.stats import inbox_per_week, satisfaction
from bot.tickets.models import utcnow
from console import charts
from console.labels import INTERACTION_OUTCOME_LABELS, channel_label, label, topic_label
from console.security import requires, signed_in_account
from console.services import services
from console.stats import Period, Report, build_report

blueprint = Blueprint("stats", __name__, url_prefix="/statistiques")
MAX_DAYS = 366
EXPORTS = {
    "jours-canaux": "Contacts par jour et par canal",
    "jours-themes": "Contacts par jour et par thème",
    "themes": "Contacts par thème",
    "issues": "Fin des conversations",
    "rappels": "Rappels et délais",
    "communes": "Contacts par commune",
    "heures": "Contacts par heure",
    "jours-semaine": "Contacts par jour de la semaine",
    "satisfaction-fiches": "Avis des citoyens par fiche",
    "satisfaction-themes": "Avis des citoyens par thème",
    "boite-semaines": "Boîte à questions par semaine",
}


def _period(today: date) -> Period:
    """The period asked for (debut, fin as YYYY-MM-DD), else the last 30 days."""
    default = Period.last_days(today)
    try:
        start = date.fromisoformat(request.args.get("debut") or default.start.isoformat())
        end = date.fromisoformat(request.args.get("fin") or default.end.isoformat())
    except ValueError:
        abort(400, description="Dates invalides : utilisez le format AAAA-MM-JJ.")
    if end < start:
        abort(400, description="La date de fin précède la date de début.")
    if (end - start).days >= MAX_DAYS:
        abort(400, description=f"La période est limitée à {MAX_DAYS} jours.")
    return Period(start, end)


def _report() -> Report:
    context = services()
    tz = context.settings.timezone
    now = utcnow()
    period = _period(now.astimezone(tz).date())
    with context.sessions() as session:
        return build_report(session, period, context.hours, tz, now)


def _rating_rows(rows: list[tuple[str, int, int, int]]) -> list[list[object]]:
    return [
        [name, given, yes, no, _percent(yes / (yes + no) if yes + no else None)]
        for name, given, yes, no in rows
    ]


@dataclass(frozen=True)
class InformationFigures:
    """The citizens' ratings and the inbox's volume over the report's period."""

    fiches: list[tuple[str, int, int, int]]  # (fiche title, answers given, Oui, Non)
    topics: list[tuple[str, int, int, int]]  # (topic label, …)
    weeks: list[tuple[date, int]]  # (Monday, messages that reached the inbox)


def information_figures(report: Report) -> InformationFigures:
    context = services()
    tz = context.settings.timezone
    start, end = report.period.bounds(tz)
    kb = context.knowledge

    def fiche_title(code: str | None) -> str:
        fiche = kb.get(code) if kb and code else None
        return fiche.title if fiche else (code or "—")

    with context.sessions() as session:
        fiches = satisfaction(session, start, end, "fiche_id")
        topics = satisfaction(session, start, end, "topic")
        weeks = inbox_per_week(session, start, end, tz)
    return InformationFigures(
        [(fiche_title(code), given, yes, no) for code, given, yes, no in fiches],
        [(topic_label(code), given, yes, no) for code, given, yes, no in topics],
        weeks,
    )


# Oui, Non, no rating: green, orange, grey (each at least 3:1 on white).
RATING_SERIES = (("Avis « Oui »", "#18753c"), ("Avis « Non »", "#b34000"), ("Sans avis", "#666666"))
MAX_FICHES_CHARTED = 15


def information_charts(figures: InformationFigures, report: Report) -> dict[str, Any]:
    span = f"du {report.period.start:%d/%m/%Y} au {report.period.end:%d/%m/%Y}"

    def rated(rows: list[tuple[str, int, int, int]]) -> list[tuple[str, list[float]]]:
        return [(name, [yes, no, given - yes - no]) for name, given, yes, no in rows]

    def summary(rows: list[tuple[str, int, int, int]]) -> str:
        given = sum(r[1] for r in rows)
        yes, no = sum(r[2] for r in rows), sum(r[3] for r in rows)
        useful = f", {round(100 * yes / (yes + no))} % des avis donnés utiles" if yes + no else ""
        return f"{given} réponses {span} : {yes} avis « Oui », {no} avis « Non »{useful}"

    weeks = figures.weeks
    return {
        "satisfaction_topics": charts.stacked_bars(
            "chart-satisfaction-topics",
            "Avis des citoyens sur les réponses, par thème",
            f"{summary(figures.topics)} ; détail dans le tableau.",
            rated(figures.topics),
            RATING_SERIES,
        ),
        "satisfaction_fiches": charts.stacked_bars(
            "chart-satisfaction-fiches",
            f"Avis des citoyens par fiche ({MAX_FICHES_CHARTED} fiches les plus données)",
            f"{summary(figures.fiches)} ; toutes les fiches dans le tableau.",
            rated(figures.fiches[:MAX_FICHES_CHARTED]),
            RATING_SERIES,
        ),
        "inbox_weeks": charts.stacked_columns(
            "chart-inbox-weeks",
            "Messages arrivés dans la boîte à questions, par semaine",
            f"{sum(n for _, n in weeks)} messages {span}, par semaine (du lundi au dimanche, "
            "la date est celle du lundi) ; détail dans le tableau.",
            [f"{week:%d/%m}" for week, _ in weeks],
            [("Messages arrivés", [n for _, n in weeks])],
            height=220,
        ),
    }


def information_tables(figures: InformationFigures) -> dict[str, Table]:
    """Answer satisfaction (per fiche, per topic) and the inbox's weekly volume."""
    headers = ["Réponses données", "Avis « Oui »", "Avis « Non »", "Utiles (%)"]
    fiches, topics, weeks = figures.fiches, figures.topics, figures.weeks
    return {
        "satisfaction-fiches": Table(
            EXPORTS["satisfaction-fiches"], ["Fiche", *headers], _rating_rows(fiches)
        ),
        "satisfaction-themes": Table(
            EXPORTS["satisfaction-themes"], ["Thème", *headers], _rating_rows(topics)
        ),
        "boite-semaines": Table(
            EXPORTS["boite-semaines"],
            ["Semaine du", "Messages arrivés"],
            [[f"{week:%d/%m/%Y}", n] for week, n in weeks],
        ),
    }


def _charts(report: Report) -> dict[str, Any]:
    days, by_channel = report.per_day("channel")
    _, by_topic = report.per_day("topic")
    span = f"du {report.period.start:%d/%m/%Y} au {report.period.end:%d/%m/%Y}"
    communes = [(name or "Commune inconnue", n) for name, n in report.count_by("commune")][:15]
    return {
        "channel": charts.stacked_columns(
            "chart-channel",
            "Contacts par jour et par canal",
            f"{report.total} contacts {span}, empilés par canal ; détail dans le tableau.",
            days,
            [(channel_label(code), values) for code, values in by_channel.items()],
        ),
        "topic": charts.stacked_columns(
            "chart-topic",
            "Contacts par jour et par thème",
            f"{report.total} contacts {span}, empilés par thème ; détail dans le tableau.",
            days,
            [(topic_label(code), values) for code, values in by_topic.items()],
        ),
        "communes": charts.horizontal_bars(
            "chart-communes",
            "Contacts par commune (15 premières)",
            "Nombre de contacts par commune déclarée ; détail dans le tableau.",
            communes,
        ),
        "hours": charts.stacked_columns(
            "chart-hours",
            "Contacts par heure de la journée",
            "Nombre de contacts selon l'heure locale de début ; détail dans le tableau.",
            [f"{h} h" for h in range(24)],
            [("Contacts", report.by_hour())],
            height=220,
        ),
    }


@blueprint.route("")
@requires("supervisor")
def index() -> Any:
    report = _report()
    information = information_figures(report)
    return render_template(
        "stats.html",
        report=report,
        charts={**_charts(report), **information_charts(information, report)},
        tables={**build_tables(report), **information_tables(information)},
        cell=cell,
        exports=EXPORTS,
    )


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[object]]


def _daily(report: Report, attribute: str, caption: str) -> Table:
    _, series = report.per_day(attribute)
    name = channel_label if attribute == "channel" else topic_label
    columns = list(series.values())
    rows = [
        [f"{day:%d/%m/%Y}", *(col[i] for col in columns), sum(col[i] for col in columns)]
        for i, day in enumerate(report.period.days())
    ]
    return Table(caption, ["Jour", *(name(code) for code in series), "Total"], rows)


def _percent(value: float | None) -> object:
    return "" if value is None else round(value * 100, 1)


def _hours(value: float | None) -> object:
    return "" if value is None else round(value, 2)


def build_tables(report: Report) -> dict[str, Table]:
    """Every figure of the page as a table: shown under the charts and exported as CSV."""
    priorities = {"all": "Toutes", "urgent": "Urgentes", "normal": "Normales"}
    return {
        "jours-canaux": _daily(report, "channel", EXPORTS["jours-canaux"]),
        "jours-themes": _daily(report, "topic", EXPORTS["jours-themes"]),
        "themes": Table(
            "Contacts par thème",
            ["Thème", "Contacts", "Répondus par l'assistant seul", "Demandes de rappel"],
            [[topic_label(t), *rest] for t, *rest in report.topics_table()],
        ),
        "issues": Table(
            "Fin des conversations",
            ["Issue", "Contacts"],
            [[label(INTERACTION_OUTCOME_LABELS, o), n] for o, n in report.count_by("outcome")],
        ),
        "rappels": Table(
            "Demandes de rappel reçues sur la période",
            [
                "Priorité",
                "Demandes",
                "Rappelées dans le délai",
                "Hors délai",
                "En attente (délai non échu)",
                "Dans le délai (%)",
                "Délai médian (heures ouvrées)",
            ],
            [
                [
                    priorities[k],
                    f.total,
                    f.within,
                    f.late,
                    f.pending,
                    _percent(f.rate),
                    _hours(f.median_hours),
                ]
                for k, f in report.callbacks.items()
            ],
        ),
        "communes": Table(
            "Contacts par commune",
            ["Commune", "Contacts"],
            [[c or "Commune inconnue", n] for c, n in report.count_by("commune")],
        ),
        "heures": Table(
            "Contacts par heure de début (heure locale)",
            ["Heure", "Contacts"],
            [[f"{h} h – {h + 1} h", n] for h, n in enumerate(report.by_hour())],
        ),
        "jours-semaine": Table(
            "Contacts par jour de la semaine",
            ["Jour", "Contacts"],
            [[d.capitalize(), n] for d, n in zip(WEEKDAYS_FR, report.by_weekday(), strict=True)],
        ),
    }


def cell(value: object) -> str:
    """French number formatting for tables and CSV (1 234 ; 85,5)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:.1f}".replace(".", ",")


def _csv_cell(value: object) -> object:
    """Numbers with a decimal comma; no spreadsheet formula from data ("=…" becomes text)."""
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(name: str, table: Table) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.headers])  # headers may hold data too
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    # The BOM lets spreadsheet software read the file as UTF-8.
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.route("/export.csv")
@requires("supervisor")
def export() -> Any:
    table = request.args.get("table", "")
    if table not in EXPORTS:
        abort(400, description="Tableau inconnu.")
    report = _report()
    services().audit.record(
        signed_in_account().username,
        "export",
        table=table,
        start=report.period.start.isoformat(),
        end=report.period.end.isoformat(),
    )
    name = f"statistiques-{table}-{report.period.start}-{report.period.end}.csv"
    tables = {**build_tables(report), **information_tables(information_figures(report))}
    return _csv(name, tables[table])
