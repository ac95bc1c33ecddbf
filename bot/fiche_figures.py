"""Fiche figures against the dated legal references: which fiches give an amount that changed.

`knowledge/figures.yml` says, for each figure a fiche gives, which legal parameters it comes from
(OpenFisca France's YAML files, each value dated: `values: {2026-04-01: {value: 651.69}}`). The
mapping is data, written by the information team and validated here: the fiche exists, the
figure is written in its answer, the parameter is a plain relative path. A figure is "outdated"
when one of its parameters has a dated value later than the fiche's `valid_from`: the fiche is
then listed « à relire » with the reason in French (« montant du 1er avril 2025 ; les
références ont une valeur au 1er avril 2026 »).

The references (`Settings.reference_dir`, ../shared/reference/openfisca/parameters by default)
are absent from most deployments: the check then says it was not made, and never fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from bot.hours import MONTHS_FR
from bot.knowledge import Fiche

FIGURES_FILE = "figures.yml"
_PARAMETER = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
_KEYS = {"fiche", "figure", "what", "parameters"}
# libyaml's safe loader when built in: the review page's 16 comparisons take 30 ms, not 160.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FigureMapError(ValueError):
    """knowledge/figures.yml is wrong; the message names the entry and the field."""


@dataclass(frozen=True)
class FigureSource:
    fiche: str
    figure: str  # as the fiche writes it: "651,69 €"
    what: str  # what it is, in French: "RSA d'une personne seule sans enfant"
    parameters: tuple[str, ...]  # relative paths without ".yaml"; the figure is their product


@dataclass(frozen=True)
class OutdatedFigure:
    source: FigureSource
    valid_from: date  # the fiche's
    newer: date  # the newest dated value of a parameter, after valid_from
    parameter: str

    @property
    def reason(self) -> str:
        return (
            f"{self.source.what} ({self.source.figure}) : montant du {french_day(self.valid_from)}"
            f" ; les références ont une valeur au {french_day(self.newer)}"
        )


@dataclass
class FigureCheck:
    """The comparison's outcome for the review page."""

    reference_dir: Path
    available: bool  # False: the references are absent, nothing was compared
    compared: int = 0  # figures compared
    outdated: list[OutdatedFigure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # parameters absent from the references

    def reasons(self) -> dict[str, list[str]]:
        """Fiche id -> the French reasons its figures are outdated."""
        found: dict[str, list[str]] = {}
        for item in self.outdated:
            found.setdefault(item.source.fiche, []).append(item.reason)
        return found


def french_day(day: date) -> str:
    """ "1er avril 2026", "15 mars 2025"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


def _folded_spaces(text: str) -> str:
    """Figures compared with any kind of space: "1 288,13 €" as typed or with a narrow space."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def parse_figure_map(document: Any, fiches: Iterable[Fiche], where: str) -> list[FigureSource]:
    """The validated entries of figures.yml; FigureMapError names the entry and the field."""
    by_id = {f.id: f for f in fiches}
    if not isinstance(document, dict) or not isinstance(document.get("figures"), list):
        raise FigureMapError(f"{where}: expected a mapping with a list 'figures'")
    sources: list[FigureSource] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(document["figures"]):
        entry = f"{where}: figures[{index}]"
        if not isinstance(raw, dict):
            raise FigureMapError(f"{entry}: expected a mapping, got {raw!r}")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise FigureMapError(f"{entry}: field '{unknown[0]}' is not a figure field (typo?)")
        for key in ("fiche", "figure", "what"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise FigureMapError(f"{entry}: field '{key}' must be a non-empty text")
        fiche = by_id.get(raw["fiche"].strip())
        if fiche is None:
            raise FigureMapError(f"{entry}: field 'fiche': no fiche '{raw['fiche']}'")
        figure = raw["figure"].strip()
        if _folded_spaces(figure) not in _folded_spaces(fiche.answer):
            raise FigureMapError(
                f"{entry}: field 'figure': '{figure}' is not in the answer of fiche '{fiche.id}'"
            )
        parameters = raw.get("parameters")
        if not isinstance(parameters, list) or not parameters:
            raise FigureMapError(f"{entry}: field 'parameters' must be a non-empty list")
        for parameter in parameters:
            if not isinstance(parameter, str) or not _PARAMETER.match(parameter):
                raise FigureMapError(
                    f"{entry}: field 'parameters': {parameter!r} is not a relative parameter "
                    "path like prestations_sociales/…/montant_de_base_du_rsa (no '.yaml')"
                )
        if (fiche.id, figure) in seen:
            raise FigureMapError(f"{entry}: figure '{figure}' of '{fiche.id}' is listed twice")
        seen.add((fiche.id, figure))
        sources.append(FigureSource(fiche.id, figure, raw["what"].strip(), tuple(parameters)))
    return sources


def load_figure_map(knowledge_dir: Path, fiches: Iterable[Fiche]) -> list[FigureSource]:
    path = knowledge_dir / FIGURES_FILE
    if not path.is_file():
        return []
    return parse_figure_map(yaml.safe_load(path.read_text(encoding="utf-8")), fiches, str(path))


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def dated_values(reference_dir: Path, parameter: str) -> dict[date, Decimal | None] | None:
    """A parameter's values by date (None: the parameter ended), or None when it is absent."""
    path = reference_dir / f"{parameter}.yaml"
    if not path.is_file():
        return None
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    raw = document.get("values") if isinstance(document, dict) else None
    if not isinstance(raw, dict):
        return None
    values: dict[date, Decimal | None] = {}
    for key, item in raw.items():
        day = _day(key)
        value = item.get("value") if isinstance(item, dict) else item
        if day is not None:
            values[day] = None if value is None else Decimal(str(value))
    return values or None


def value_on(values: dict[date, Decimal | None], day: date) -> Decimal | None:
    """The value in force on `day`: the one of the latest date not after it."""
    earlier = [d for d in values if d <= day]
    return values[max(earlier)] if earlier else None


def expected_figure(source: FigureSource, reference_dir: Path, day: date) -> Decimal | None:
    """The product of the source's parameters on `day`, in cents; None when one is missing."""
    total = Decimal(1)
    for parameter in source.parameters:
        values = dated_values(reference_dir, parameter)
        value = value_on(values, day) if values else None
        if value is None:
            return None
        total *= value
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)


def check_figures(
    sources: Iterable[FigureSource], fiches: Iterable[Fiche], reference_dir: Path
) -> FigureCheck:
    """Compare each figure's fiche `valid_from` with its parameters' newest dated value."""
    check = FigureCheck(reference_dir, available=reference_dir.is_dir())
    if not check.available:
        return check
    valid_from = {f.id: f.valid_from for f in fiches}
    cache: dict[str, dict[date, Decimal | None] | None] = {}
    for source in sources:
        if source.fiche not in valid_from:
            continue
        check.compared += 1
        newest: tuple[date, str] | None = None
        for parameter in source.parameters:
            if parameter not in cache:
                cache[parameter] = dated_values(reference_dir, parameter)
            values = cache[parameter]
            if values is None:
                if parameter not in check.missing:
                    check.missing.append(parameter)
                continue
            latest = max(values)
            if latest > valid_from[source.fiche] and (newest is None or latest > newest[0]):
                newest = (latest, parameter)
        if newest:
            check.outdated.append(
                OutdatedFigure(source, valid_from[source.fiche], newest[0], newest[1])
            )
    return check
