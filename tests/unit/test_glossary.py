"""bot/glossary.py: jargon explained once, at its first use."""

from __future__ import annotations

import re

from bot.glossary import TERMS, explain_jargon
from bot.knowledge import get_knowledge_base


def test_a_term_is_explained_at_its_first_use_only() -> None:
    text = "Vous êtes classé en GIR 1 à 4. En GIR 5 ou 6, voyez votre caisse de retraite."
    explained = explain_jargon(text)
    assert explained.startswith("Vous êtes classé en GIR (le degré de perte d'autonomie")
    assert explained.count("degré de perte") == 1
    assert explained.endswith("En GIR 5 ou 6, voyez votre caisse de retraite.")


def test_a_term_the_answer_spells_out_is_left_alone() -> None:
    text = "La prestation de compensation du handicap (PCH) ne s'ajoute pas à l'APA."
    assert explain_jargon(text) == text


def test_several_terms_and_a_phrase() -> None:
    text = "Demandez le dossier au CCAS. La majoration pour tierce personne compte aussi."
    explained = explain_jargon(text)
    assert "CCAS (centre communal d'action sociale, à la mairie)." in explained
    assert "majoration pour tierce personne (un supplément de retraite" in explained


def test_no_fiche_leaves_a_term_unexplained() -> None:
    """Every term of the glossary found in a written answer comes with its meaning: in brackets
    after it, or spelled out by the answer itself."""
    for fiche in get_knowledge_base().fiches:
        explained = explain_jargon(fiche.answer)
        for term in TERMS:
            match = re.search(term.pattern, explained)
            if match is None or term.spelled_out.lower() in fiche.answer.lower():
                continue
            around = explained[match.start() - 1 : match.end() + 2]
            assert around.startswith("(") or around.endswith(" ("), (fiche.id, term.pattern)
