"""Emergency detection (bot/emergency.py, knowledge/emergencies.yml): who gets which number."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.emergency import (
    EMERGENCIES_FILE,
    EmergencyConfigError,
    clauses,
    detect,
    load_situations,
    load_situations_from,
    parse_situations,
)

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain" / "emergency.yml"

TRIGGERS = [
    ("mon père est tombé par terre il ne répond plus", "medical"),
    ("elle ne respire plus", "medical"),
    ("douleur dans la poitrine", "medical"),
    ("mon mari a tres mal a la poitrine depuis 10 minutes", "medical"),
    ("ma mere est tombee dans la salle de bain elle arrive pas a se relever", "medical"),
    ("il a perdu connaissance", "medical"),
    ("ma grand mère est par terre et elle saigne", "medical"),
    ("mon bebe s'etouffe", "medical"),
    ("j'ai envie d'en finir", "suicide"),
    ("je pense a me suicider", "suicide"),
    ("j ai plus envie de vivre", "suicide"),
    ("mon mari me frappe", "domestic_violence"),
    ("mon conjoint m'a frappée ce soir", "domestic_violence"),
    ("je suis battue par mon compagnon", "domestic_violence"),
    ("un enfant est en danger", "child_danger"),
    ("le voisin frappe ses enfants tous les soirs", "child_danger"),
    ("allo oui mon pere il est tombe dans la cuisine et il repond plus", "medical"),
    ("il y a le feu", "fire"),
    ("Il y a le feu dans la cuisine !!", "fire"),
    ("ça sent le gaz, odeur de gaz dans l'immeuble", "fire"),
    ("quelqu'un me menace", "threat"),
    ("un homme me menace avec un couteau", "threat"),
    ("au secours", "threat"),
    # a past event, then a present danger: the present wins
    ("il est tombé la semaine dernière et maintenant il ne respire plus", "medical"),
    # negation elsewhere in the message does not hide the danger
    ("je ne sais pas quoi faire, elle ne respire plus", "medical"),
]

NO_TRIGGER = [
    "il est tombé la semaine dernière, maintenant il va bien",
    "ma mère est tombée le mois dernier, elle a besoin d'aide à domicile",
    "il est tombe hier mais il va bien",
    "mon pere a fait une chute il y a deux ans depuis il a du mal a marcher",
    "il n'est pas tombé",
    "je n'ai pas envie d'en finir",
    "je veux en finir avec ce dossier",
    "mon mari ne me frappe plus depuis qu'il est parti",
    "mon ex me frappait il y a 3 ans, je touche le rsa",
    "personne ne me menace",
    "mon conseiller il repond plus",
    "il bouge pas de chez lui depuis son operation",
    "la CAF ne répond plus à mes mails",
    "mon conseiller ne répond plus",
    "elle ne repond pas au telephone depuis la demande d'apa",
    "la caf me menace de suspendre mon rsa",
    "mon proprietaire me menace d'expulsion",
    "ma mere a 85 ans elle ne peut plus se relever seule de son lit",
    "assurance incendie pour mon logement",
    "combien coute la carte imagine r",
    "mon fils est en danger de redoubler au college",
    "le dossier de ma mere est en attente",
    '/inform{"topic":"apa"}',
    "",
]


@pytest.mark.parametrize(("text", "situation"), TRIGGERS)
def test_danger_gets_its_situation(text: str, situation: str) -> None:
    found = detect(text)
    assert found is not None, text
    assert found.id == situation


@pytest.mark.parametrize("text", NO_TRIGGER)
def test_negations_past_events_and_ordinary_questions_do_not_trigger(text: str) -> None:
    assert detect(text) is None


def test_clauses_cut_on_punctuation_and_turn_words() -> None:
    assert clauses("Il est tombé la semaine dernière, maintenant il va bien.") == [
        "il est tombe la semaine derniere",
        "maintenant il va bien",
    ]


def test_every_situation_has_its_response_with_a_phone_variant() -> None:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    for situation in load_situations():
        variants = responses[situation.response]
        assert any(v.get("channel") == "phone" for v in variants), situation.id
        for variant in variants:
            assert any(number in variant["text"].replace(" ", "") for number in situation.numbers)


def test_shipped_file_gives_the_expected_numbers() -> None:
    numbers = {s.id: s.numbers[0] for s in load_situations_from(EMERGENCIES_FILE)}
    assert numbers == {
        "suicide": "3114",
        "child_danger": "119",
        "domestic_violence": "17",
        "fire": "18",
        "threat": "17",
        "medical": "15",
    }


def _doc(**situation: object) -> dict:
    base = {"id": "medical", "numbers": ["15"], "patterns": [{"match": r"\bx\b"}]}
    return {"numbers": ["15", "17"], "situations": [{**base, **situation}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"situations": []}, "exactly `numbers` and `situations`"),
        (_doc(numbers=["16"]), "situations[0].numbers: not in the allowed numbers"),
        (_doc(id="Medical"), "situations[0].id: must be snake_case"),
        (_doc(patterns=[{"match": "(unclosed"}]), "situations[0].patterns[0].match: invalid"),
        (_doc(patterns=[{"unless": "x"}]), "situations[0].patterns[0]: must be a mapping"),
        (_doc(patterns=[]), "situations[0].patterns: must be a non-empty list"),
    ],
)
def test_a_wrong_configuration_is_refused_with_its_place(document: dict, message: str) -> None:
    with pytest.raises(EmergencyConfigError, match=r".*" + message.replace("[", r"\[")[:40]):
        parse_situations(document)


def test_duplicate_ids_are_refused() -> None:
    document = _doc()
    document["situations"] *= 2
    with pytest.raises(EmergencyConfigError, match="duplicate ids"):
        parse_situations(document)


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "emergencies.yml"
    bad.write_text("situations: [", encoding="utf-8")
    with pytest.raises(EmergencyConfigError, match="invalid YAML"):
        load_situations_from(bad)
