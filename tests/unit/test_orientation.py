"""Out-of-scope orientation: the shipped orientation.yml, matching, emergencies, broken files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.orientation import (
    OrientationError,
    OrientationGuide,
    compile_keyword,
    get_orientation_guide,
    orient,
)
from bot.settings import PROJECT_ROOT, Settings, load_settings

ORIENTATION = PROJECT_ROOT / "knowledge" / "orientation.yml"


@pytest.fixture(scope="module")
def or_settings() -> Settings:
    return load_settings(env={})


@pytest.fixture(scope="module")
def guide(or_settings: Settings) -> OrientationGuide:
    return OrientationGuide.load(ORIENTATION, or_settings)


def test_shipped_file_loads(guide: OrientationGuide) -> None:
    ids = [entry.id for entry in guide.entries]
    assert len(ids) >= 25 and len(set(ids)) == len(ids)
    assert guide.generic.id == "generic"
    emergencies = {entry.id for entry in guide.entries if entry.emergency}
    assert {"suicide", "child_in_danger", "domestic_violence", "police_emergency"} <= emergencies
    for entry in guide.entries:
        assert "{" not in entry.answer and entry.keywords, entry.id


def test_passport_goes_to_the_mairie(guide: OrientationGuide) -> None:
    result = guide.orient("je dois refaire mon passeport")
    assert result.id == "identity_documents"
    assert "mairie" in result.answer and not result.emergency and not result.generic
    assert any("ants.gouv.fr" in link.url for link in result.links)


def test_suicide_gives_3114_as_an_emergency(guide: OrientationGuide) -> None:
    result = guide.orient("je veux me suicider")
    assert result.emergency and "3114" in result.answer
    assert guide.orient("J'ai envie de mourir").id == "suicide"


def test_unmatched_text_gets_the_generic_entry(guide: OrientationGuide) -> None:
    result = guide.orient("Quel temps fera-t-il demain à Créteil ?")
    assert result.generic and result.id == "generic" and result.score == 0
    for topic in ("APA", "RSA", "Imagine R", "collèges", "mairie"):
        assert topic in result.answer
    assert guide.orient("").generic and guide.orient("   !!! ").generic


@pytest.mark.parametrize(
    ("text", "expected", "must_say"),
    [
        ("mon enfant est en danger", "child_in_danger", "119"),
        ("mon mari me frappe", "domestic_violence", "3919"),
        ("je dors dehors ce soir", "emergency_shelter", "115"),
        ("on m'agresse au secours", "police_emergency", "17"),
        ("ma mère âgée est maltraitée dans son EHPAD", "elder_abuse", "3977"),
        ("comment déclarer mes IMPÔTS", "taxes", "impots.gouv.fr"),
        ("j'ai perdu ma carte vitale", "health_insurance", "ameli"),
        ("je demande l'APL", "housing_aid", "CAF"),
        ("demande de logement social HLM", "social_housing", "demande-logement-social"),
        ("je viens d'être licencié par mon employeur", "work_law", "prud'hommes"),
        ("je suis au chômage", "unemployment", "France Travail"),
        ("ma retraite n'est pas arrivée", "pension", "caisse de retraite"),
        ("dossier MDPH pour l'AAH", "disability", "MDPH"),
        ("allocations familiales", "family_benefits", "CAF"),
        ("inscrire mon fils en maternelle", "primary_school_childcare", "mairie"),
        ("la cantine du lycée", "lycee", "Région"),
        ("refaire ma carte grise", "driving_licence_vehicle", "ANTS"),
        ("un acte de naissance", "civil_status", "mairie"),
        ("je veux m'inscrire sur les listes électorales", "elections", "mairie"),
        ("les encombrants ne sont pas ramassés", "waste_roads", "mairie"),
        ("renouveler mon titre de séjour", "foreigners", "préfecture"),
        ("un permis de construire", "urbanism", "mairie"),
    ],
)
def test_orientation_table(
    guide: OrientationGuide, text: str, expected: str, must_say: str
) -> None:
    result = guide.orient(text)
    assert result.id == expected, (text, result.id, result.matched)
    assert must_say in result.answer


def test_matching_ignores_accents_case_and_punctuation(guide: OrientationGuide) -> None:
    ids = {guide.orient(t).id for t in ("IMPÔTS", "impots", "Impôts !", "mes impôts...")}
    assert ids == {"taxes"}


def test_longer_phrase_wins_over_a_word(guide: OrientationGuide) -> None:
    # "harcèlement" alone points to violence; "harcèlement au travail" to the work inspectorate.
    assert guide.orient("harcèlement au travail").id == "work_law"
    assert guide.orient("pension alimentaire").id == "family_benefits"


def test_placeholders_are_substituted(guide: OrientationGuide, or_settings: Settings) -> None:
    assert or_settings.short_name in guide.orient("MDPH").answer
    generic = guide.orient("blablabla")
    assert or_settings.contact_phone in generic.answer
    assert or_settings.website in [link.url for link in generic.links]


def test_module_level_orient_uses_the_shipped_file() -> None:
    get_orientation_guide.cache_clear()
    assert orient("je dois refaire mon passeport").id == "identity_documents"


def test_keyword_syntax() -> None:
    stem = compile_keyword("suicid*")
    assert stem is not None and stem.parts[0].search("me suicider")
    word = compile_keyword("impot")
    assert word is not None and word.parts[0].search("mes impots")
    assert not word.parts[0].search("impotence")
    both = compile_keyword("enfant & danger")
    assert both is not None and both.weight == 2 and len(both.parts) == 2
    assert compile_keyword(" * & ") is None


# --- ties and broken files (written into tmp_path) ---------------------------------------------


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "orientation.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _minimal() -> dict[str, Any]:
    return {
        "generic": {"id": "generic", "title": "Autre", "answer": "Voyez la mairie."},
        "entries": [
            {"id": "calm", "keywords": ["dehors"], "title": "Calme", "answer": "Mairie."},
            {
                "id": "alarm",
                "keywords": ["dehors"],
                "title": "Urgence",
                "answer": "Appelez le 115.",
                "emergency": True,
            },
        ],
    }


def test_emergency_wins_a_tie(tmp_path: Path, or_settings: Settings) -> None:
    guide = OrientationGuide.load(_write(tmp_path, _minimal()), or_settings)
    assert guide.orient("je dors dehors").id == "alarm"


def test_a_higher_score_beats_an_emergency(tmp_path: Path, or_settings: Settings) -> None:
    data = _minimal()
    data["entries"][0]["keywords"] = ["dors dehors"]
    guide = OrientationGuide.load(_write(tmp_path, data), or_settings)
    assert guide.orient("je dors dehors").id == "calm"


def _break(change: Any) -> dict[str, Any]:
    data = _minimal()
    change(data)
    return data


BROKEN = [
    ("missing_keywords", lambda d: d["entries"][0].pop("keywords"), "'keywords'"),
    ("empty_keywords", lambda d: d["entries"][0].__setitem__("keywords", []), "keywords"),
    ("unknown_field", lambda d: d["entries"][0].__setitem__("motcles", ["x"]), "'motcles'"),
    ("duplicate_id", lambda d: d["entries"][1].__setitem__("id", "calm"), "'calm'"),
    ("bad_id", lambda d: d["entries"][0].__setitem__("id", "Calme!"), "entries[0].id"),
    ("emergency_text", lambda d: d["entries"][1].__setitem__("emergency", "oui"), "emergency"),
    (
        "bad_url",
        lambda d: d["generic"].__setitem__("links", [{"label": "x", "url": "ftp://x"}]),
        "generic (generic).links[0].url",
    ),
    (
        "unknown_placeholder",
        lambda d: d["generic"].__setitem__("answer", "Appelez {numero}."),
        "generic (generic).answer",
    ),
    (
        "keyword_twice",
        lambda d: d["entries"][0].__setitem__("keywords", ["dehors", "Dehors"]),
        "keywords[1]",
    ),
    ("empty_answer", lambda d: d["entries"][0].__setitem__("answer", ""), "answer"),
    ("generic_with_keywords", lambda d: d["generic"].__setitem__("keywords", ["x"]), "'keywords'"),
    ("no_entries", lambda d: d.__setitem__("entries", []), "entries"),
    ("extra_top_level", lambda d: d.__setitem__("autres", []), "top-level"),
]


@pytest.mark.parametrize(("case", "change", "where"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_names_file_and_field(
    tmp_path: Path, or_settings: Settings, case: str, change: Any, where: str
) -> None:
    path = _write(tmp_path, _break(change))
    with pytest.raises(OrientationError) as error:
        OrientationGuide.load(path, or_settings)
    message = str(error.value)
    assert str(path) in message and where in message, message


def test_invalid_yaml_and_missing_file(tmp_path: Path, or_settings: Settings) -> None:
    path = tmp_path / "orientation.yml"
    path.write_text("generic: [oops\n", encoding="utf-8")
    with pytest.raises(OrientationError, match="not valid YAML"):
        OrientationGuide.load(path, or_settings)
    with pytest.raises(OrientationError, match="file not found"):
        OrientationGuide.load(tmp_path / "absent.yml", or_settings)


def test_another_departement_placeholders(tmp_path: Path, or_settings: Settings) -> None:
    other = dataclasses.replace(or_settings, short_name="Essonne", website="https://www.essonne.fr")
    guide = OrientationGuide.load(ORIENTATION, other)
    assert "Essonne" in guide.orient("MDPH").answer
