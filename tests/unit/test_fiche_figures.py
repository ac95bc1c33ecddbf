"""Fiche figures against dated references: the mapping's validation, the comparison on a
reference folder written here, absent references, and the shipped mapping on the real ones."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.fiche_figures import (
    FigureMapError,
    FigureSource,
    check_figures,
    dated_values,
    expected_figure,
    french_day,
    load_figure_map,
    parse_figure_map,
)
from bot.knowledge import KnowledgeBase
from bot.settings import DEFAULT_REFERENCE_DIR, PROJECT_ROOT, load_settings

BASE = "prestations_sociales/solidarite_insertion/minima_sociaux/rsa/rsa_m/montant_de_base_du_rsa"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(PROJECT_ROOT / "knowledge", load_settings(env={}))


def entry(**changes: Any) -> dict[str, Any]:
    raw = {"fiche": "rsa_amount", "figure": "651,69 €", "what": "RSA", "parameters": [BASE]}
    return {**raw, **changes}


def write_parameter(root: Path, parameter: str, values: dict[str, float | None]) -> None:
    path = root / f"{parameter}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"description": "test", "values": {d: {"value": v} for d, v in values.items()}}
    # Dates unquoted, as OpenFisca writes them (YAML reads them as dates).
    path.write_text(yaml.safe_dump(document).replace("'", ""), encoding="utf-8")


# --- the mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (entry(fiche="rsa_nope"), "no fiche 'rsa_nope'"),
        (entry(figure="651,70 €"), "'651,70 €' is not in the answer of fiche 'rsa_amount'"),
        (entry(parameters=[]), "'parameters' must be a non-empty list"),
        (entry(parameters=[f"{BASE}.yaml"]), "is not a relative parameter path"),
        (entry(parameters=[f"../{BASE}"]), "is not a relative parameter path"),
        (entry(parameters=[f"/{BASE}"]), "is not a relative parameter path"),
        (entry(what=""), "field 'what' must be a non-empty text"),
        (entry(valid_from="2026-04-01"), "field 'valid_from' is not a figure field"),
        ("rsa_amount", "expected a mapping"),
    ],
)
def test_a_wrong_entry_is_refused_naming_it(kb: KnowledgeBase, raw: Any, message: str) -> None:
    with pytest.raises(FigureMapError, match="figures\\[0\\]") as caught:
        parse_figure_map({"figures": [raw]}, kb.fiches, "figures.yml")
    assert message in str(caught.value)


def test_a_figure_listed_twice_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(FigureMapError, match="listed twice"):
        parse_figure_map({"figures": [entry(), entry()]}, kb.fiches, "figures.yml")


def test_figures_are_found_whatever_the_spaces(kb: KnowledgeBase) -> None:
    # apa_amount writes "1 288,13 €" with a plain space; a narrow no-break space matches too.
    raw = entry(fiche="apa_amount", figure="1\u202f288,13 €")
    assert parse_figure_map({"figures": [raw]}, kb.fiches, "f")[0].fiche == "apa_amount"


def test_the_shipped_mapping_is_valid(kb: KnowledgeBase) -> None:
    sources = load_figure_map(PROJECT_ROOT / "knowledge", kb.fiches)
    assert len(sources) >= 10
    assert {s.fiche for s in sources} >= {"rsa_amount", "apa_amount", "apa_participation"}


def test_no_mapping_file_means_no_figure(kb: KnowledgeBase, tmp_path: Path) -> None:
    assert load_figure_map(tmp_path, kb.fiches) == []


# --- the comparison -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2026, 4, 1), "1er avril 2026"), (date(2025, 3, 15), "15 mars 2025")],
)
def test_french_day(day: date, text: str) -> None:
    assert french_day(day) == text


def test_a_figure_older_than_the_newest_reference_value_is_listed_with_its_reason(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    write_parameter(tmp_path, BASE, {"2025-04-01": 646.52, "2026-04-01": 651.69})
    source = FigureSource("rsa_amount", "646,52 €", "RSA d'une personne seule", (BASE,))
    fiche = kb.get("rsa_amount")
    assert fiche is not None
    old = [dataclasses.replace(fiche, valid_from=date(2025, 4, 1))]
    check = check_figures([source], old, tmp_path)
    assert check.available and check.compared == 1 and not check.missing
    assert check.reasons() == {
        "rsa_amount": [
            "RSA d'une personne seule (646,52 €) : montant du 1er avril 2025 ; "
            "les références ont une valeur au 1er avril 2026"
        ]
    }
    # The same figure dated from the newest value is up to date.
    assert check_figures([source], kb.fiches, tmp_path).outdated == []


def test_the_newest_of_several_parameters_is_named(kb: KnowledgeBase, tmp_path: Path) -> None:
    rate = "rsa/taux"
    write_parameter(tmp_path, BASE, {"2026-04-01": 651.69})
    write_parameter(tmp_path, rate, {"2009-06-01": 0.12, "2027-01-01": 0.13})
    check = check_figures([FigureSource("rsa_amount", "78,20 €", "Forfait", (BASE, rate))],
                          kb.fiches, tmp_path)  # fmt: skip
    assert [(o.parameter, o.newer) for o in check.outdated] == [(rate, date(2027, 1, 1))]


def test_absent_references_are_said_not_compared(kb: KnowledgeBase, tmp_path: Path) -> None:
    source = FigureSource("rsa_amount", "651,69 €", "RSA", (BASE,))
    check = check_figures([source], kb.fiches, tmp_path / "absent")
    assert not check.available and check.compared == 0 and check.outdated == []


def test_a_parameter_missing_from_the_references_is_reported(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    check = check_figures([FigureSource("rsa_amount", "651,69 €", "RSA", (BASE,))],
                          kb.fiches, tmp_path)  # fmt: skip
    assert check.available and check.missing == [BASE] and check.outdated == []


def test_dated_values_read_openfisca_files(tmp_path: Path) -> None:
    write_parameter(tmp_path, "p", {"2024-01-01": 1.5, "2025-01-01": None})
    assert dated_values(tmp_path, "p") == {date(2024, 1, 1): Decimal("1.5"), date(2025, 1, 1): None}
    (tmp_path / "broken.yaml").write_text("description: no values\n", encoding="utf-8")
    assert dated_values(tmp_path, "broken") is None and dated_values(tmp_path, "none") is None


# --- the shipped mapping against the real references -------------------------------------


@pytest.mark.skipif(not DEFAULT_REFERENCE_DIR.is_dir(), reason="../shared/reference is absent")
def test_shipped_figures_are_the_references_values_and_up_to_date(kb: KnowledgeBase) -> None:
    sources = load_figure_map(PROJECT_ROOT / "knowledge", kb.fiches)
    for source in sources:
        fiche = kb.get(source.fiche)
        assert fiche is not None
        expected = expected_figure(source, DEFAULT_REFERENCE_DIR, fiche.valid_from)
        written = Decimal(source.figure.replace(" ", "").replace("€", "").replace(",", "."))
        assert expected == written, f"{source.fiche} {source.figure}: references give {expected}"
    check = check_figures(sources, kb.fiches, DEFAULT_REFERENCE_DIR)
    assert check.missing == [] and check.compared == len(sources)
    assert check.outdated == [], check.reasons()
