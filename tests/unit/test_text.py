"""The French text toolkit (bot.text) on the variants citizens type and recognisers return."""

from __future__ import annotations

import pytest

from bot.text import (
    digit_pairs,
    digits_in_pairs,
    fold,
    numbers_as_digits,
    spoken_digits,
    spoken_reference,
    yes_no,
)
from bot.validators import normalise_phone

# (what the citizen typed or the recogniser returned, folded form)
FOLDED = [
    ("D'accord", "d accord"),
    ("D’accord", "d accord"),  # typographic apostrophe
    ("d accord", "d accord"),  # as speech recognition returns it
    ("COLLÈGE", "college"),
    ("college", "college"),  # accents missing
    ("Grand-Mère", "grand mere"),
    ("  Œuvre   sociale ! ", "oeuvre sociale"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("06.12.34.56.78", "06 12 34 56 78"),
]


@pytest.mark.parametrize(("text", "folded"), FOLDED)
def test_fold_meets_every_variant(text: str, folded: str) -> None:
    assert fold(text) == folded


YES_NO = [
    ("oui", True),
    ("Oui.", True),
    ("OUI !", True),
    ("ouais", True),
    ("ok", True),
    ("ok d'acc", True),
    ("D'accord", True),
    ("D’accord", True),
    ("daccord", True),
    ("d accord", True),
    ("bien sûr", True),
    ("bien sur", True),  # accents missing
    ("c'est ça", True),
    ("oui c'est ça", True),
    ("euh oui", True),
    ("tout à fait", True),
    ("j'accepte", True),
    ("Je confirme", True),
    ("oui je veux bien être rappelé", True),
    ("voilà c'est bon", True),  # at the recap: the NLU's affirm alone decided it
    ("c'est bon", True),
    ("non c'est bon", False),
    ("o", True),
    ("non", False),
    ("Non.", False),
    ("non merci", False),
    ("n", False),
    ("pas d'accord", False),
    ("pas d’accord", False),
    ("non pas du tout", False),
    ("c'est faux", False),
    ("je refuse", False),
    ("ben non", False),
    ("oui non", None),  # both: ask again
    ("peut-être", None),
    ("n'importe quoi", None),  # a lone letter answers only alone
    ("je ne sais pas", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "answer"), YES_NO)
def test_yes_no_reads_french_variants(text: str, answer: bool | None) -> None:
    assert yes_no(text) is answer


PAIRS = [
    ("06.12.34.56.78", ["06", "12", "34", "56", "78"]),
    ("06 12 34 56 78", ["06", "12", "34", "56", "78"]),
    ("0612345678", ["06", "12", "34", "56", "78"]),
    ("261122-483920", ["26", "11", "22", "48", "39", "20"]),
    ("12345", ["12", "34", "5"]),
]


@pytest.mark.parametrize(("digits", "pairs"), PAIRS)
def test_digit_pairs(digits: str, pairs: list[str]) -> None:
    assert digit_pairs(digits) == pairs


def test_digits_in_pairs_are_read_back_in_words() -> None:
    assert digits_in_pairs("06.12.34.56.78") == (
        "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"
    )


SPOKEN_PHONES = [
    "zéro six douze trente-quatre cinquante-six soixante-dix-huit",
    "Zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit",
    "zero six douze trente quatre cinquante six soixante dix huit",  # as a recogniser spells it
    "06.12.34.56.78",
    "c'est le 06 12 34 56 78",
]


@pytest.mark.parametrize("said", SPOKEN_PHONES)
def test_spoken_phone_numbers(said: str) -> None:
    assert normalise_phone(said) == "+33612345678"


def test_spoken_digits_keep_the_zeros() -> None:
    assert spoken_digits("zéro six douze").split() == ["0", "6", "12"]


def test_numbers_as_digits_keep_ordinals_and_lone_un() -> None:
    assert numbers_as_digits("quatre-vingt-deux ans") == "82 ans"
    assert numbers_as_digits("la sixième") == "la sixième"
    assert numbers_as_digits("un enfant") == "un enfant"


REFERENCES = [
    ("deux cent soixante et un mille cent vingt-deux", "261122"),
    ("deux cent soixante euros", None),  # an amount, too few digits
    ("vingt-six onze vingt-deux quarante-huit trente-neuf vingt", "261122483920"),
    ("mon dossier c'est le 1234567", "1234567"),
    ("j'ai 82 ans", None),
]


@pytest.mark.parametrize(("said", "digits"), REFERENCES)
def test_spoken_references(said: str, digits: str | None) -> None:
    assert spoken_reference(said) == digits
