import pytest

from bot.text import fold
from bot.validators import clean_name, format_phone, normalise_phone, phone_digit_pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06 1234 5678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33(0)612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("33 6 12 34 56 78", "+33612345678"),
        ("07 98 76 54 32", "+33798765432"),
        ("01 45 17 60 00", "+33145176000"),
        ("02 40 00 00 00", "+33240000000"),
        ("03 20 00 00 00", "+33320000000"),
        ("04 91 00 00 00", "+33491000000"),
        ("05 56 00 00 00", "+33556000000"),
        ("09 51 23 45 67", "+33951234567"),
        ("mon numéro c'est le 06 12 34 56 78 merci", "+33612345678"),
        ("Tél : 06/12/34/56/78", "+33612345678"),
        ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", "+33612345678"),
        ("zero six douze trente quatre cinquante six soixante dix huit", "+33612345678"),
        ("06 douze 34 cinquante-six soixante-dix-huit", "+33612345678"),
        ("zéro un quarante-cinq dix-sept soixante zéro zéro", "+33145176000"),
        (
            "zéro sept quatre-vingt-dix-huit soixante-seize cinquante-quatre trente-deux",
            "+33798765432",
        ),
        ("le zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "+33612345678"),
        ("06 12 34 56 78 (portable) ou 06 12 34 56 78", "+33612345678"),
    ],
)
def test_valid_french_numbers_become_e164(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "06 12 34 56",  # too short
        "06 12 34 56 78 9",  # too long
        "6 12 34 56 78",  # trunk zero missing
        "08 92 68 00 00",  # premium rate
        "0800 123 456",  # freephone: not a citizen's line
        "+33 8 92 68 00 00",
        "00 12 34 56 78",
        "+44 20 7946 0958",  # not French
        "0044 20 7946 0958",
        "06 12 AB 56 78",  # letters inside the number
        "zéro six douze",
        "je ne sais pas",
        "06 12 34 56 78 ou 07 98 76 54 32",  # two numbers: do not pick one
        "3994",
        "0" * 300,
    ],
)
def test_invalid_numbers_are_refused(text: str) -> None:
    assert normalise_phone(text) is None


def test_format_and_pairs_read_the_national_form() -> None:
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert phone_digit_pairs("+33145176000") == ["01", "45", "17", "60", "00"]
    with pytest.raises(ValueError):
        phone_digit_pairs("0612345678")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dupont", "Dupont"),
        ("jean dupont", "Jean Dupont"),
        ("JEAN-PIERRE DUPONT", "Jean-Pierre Dupont"),
        ("je m'appelle Marie Curie", "Marie Curie"),
        ("je m’appelle marie curie", "Marie Curie"),
        ("Je suis Madame Martin", "Mme Martin"),
        ("c'est monsieur bernard", "M. Bernard"),
        ("moi c'est Léa", "Léa"),
        ("Nom : Nguyen", "Nguyen"),
        ("Mme Dupont", "Mme Dupont"),
        ("M. Durand", "M. Durand"),
        ("bonjour, je m'appelle françois d'arc", "François d'Arc"),
        ("marie de la tour", "Marie de la Tour"),
        ("o'brien", "O'Brien"),
        ("Éloïse Müller", "Éloïse Müller"),
        ("mon nom est  Ben Ali.", "Ben Ali"),
        ("oui, Martin", "Martin"),
    ],
)
def test_names_are_cleaned(text: str, expected: str) -> None:
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "oui",
        "Non",
        "je sais pas",
        "je ne sais pas",
        "d'accord",
        "merci",
        "je m'appelle",
        "madame",
        "Jean 2",
        "06 12 34 56 78",
        "c'est pour ma mère",
        "je veux parler à quelqu'un",
        "x" * 81,
        "a",
        "???",
        "dupont@example.org",
    ],
)
def test_non_names_are_refused(text: str) -> None:
    assert clean_name(text) is None


def test_fold_removes_case_accents_and_punctuation() -> None:
    assert fold("L'Haÿ-les-Roses") == "l hay les roses"
    assert fold("  CRÉTEIL  ") == "creteil"
    assert fold("Œuvre") == "oeuvre"
