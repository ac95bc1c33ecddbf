"""SMS spelling normalisation before the NLU (bot/spelling.py)."""

from __future__ import annotations

import pytest

from bot.spelling import normalize

CASES = [
    (
        "slt jveu savoir cb ca coute imagin r pr mon fils il est o college",
        "je veux savoir combien ca coute imagine r pour mon fils il est au college",
    ),
    ("mon dossié pour le colege", "mon dossier pour le collège"),
    ("c quoi l A.P.A", "c'est quoi l apa"),
    ("c est quel college, avec est", "c'est quel college, avec est"),
    ("le RSA, le Rsa, le rSa", "le rsa, le rsa, le rsa"),
    ("carte imagine air", "carte imagine r"),
    ("imaginR ou imagine-r", "imagine r ou imagine r"),
    ("jai pas recu mon rsa", "je n'ai pas recu mon rsa"),
    # greetings that open a question are dropped; a greeting alone stays
    ("Bonjour, je voudrais le prix de la cantine", "je voudrais le prix de la cantine"),
    ("bonjour madame", "bonjour madame"),
    ("salut ça va", "salut ça va"),
    # so is the citizen's introduction before a question; "je suis" + a situation stays
    (
        "Je suis Paul Martin, le truc de mon cousin marche plus du tout",
        "le truc de mon cousin marche plus du tout",
    ),
    (
        "Bonjour, je m'appelle Mme Diallo et je voudrais le prix de la cantine",
        "je voudrais le prix de la cantine",
    ),
    ("je suis Paul Martin", "je suis Paul Martin"),
    ("Je suis Karim, merci", "Je suis Karim, merci"),
    (
        "je suis au RSA, j'ai droit à la prime de Noël ?",
        "je suis au rsa, j'ai droit à la prime de Noël ?",
    ),
    ("je suis perdue, je ne sais pas quoi faire", "je suis perdue, je ne sais pas quoi faire"),
    ("Je suis Allocataire du RSA, que faire", "Je suis Allocataire du rsa, que faire"),
    # left alone: apostrophes, digits, button payloads, slot ids
    ("c'est pour mon fils", "c'est pour mon fils"),
    ("mon numéro 06 22 33 44 55", "mon numéro 06 22 33 44 55"),
    ('/inform{"topic":"apa"}', '/inform{"topic":"apa"}'),
    ("2026-11-30T14:00", "2026-11-30T14:00"),
    ("Vitry-sur-Seine", "Vitry-sur-Seine"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
