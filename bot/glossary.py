"""Jargon explained at its first use in a written answer (the chat; the phone has its own text).

A citizen of 75, or their daughter, does not know what a GIR or the CCAS is. The first time a
term appears in an answer it is followed by a short explanation in brackets, unless the answer
already spells it out (« prestation de compensation du handicap (PCH) »). No Rasa here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    pattern: str  # a regular expression for the term as written in the answers
    meaning: str  # what goes in brackets after its first use
    spelled_out: str  # words that, already in the answer, explain it


TERMS = (
    Term(r"\bGIR\b", "le degré de perte d'autonomie, de 1, le plus fort, à 6", "degré de perte"),
    Term(r"\bPCH\b", "prestation de compensation du handicap", "compensation du handicap"),
    Term(r"\bCCAS\b", "centre communal d'action sociale, à la mairie", "action sociale"),
    Term(
        r"\bmajoration (?:pour|de) tierce personne\b",
        "un supplément de retraite ou de pension pour qui a besoin de l'aide d'une autre personne",
        "supplément de retraite",
    ),
    Term(r"\bEHPAD\b", "maison de retraite médicalisée", "maison de retraite médicalisée"),
    Term(r"\bMDPH\b", "maison départementale des personnes handicapées", "personnes handicapées"),
    Term(r"\bASPA\b", "allocation de solidarité aux personnes âgées", "solidarité aux personnes"),
    Term(r"\bCAF\b", "caisse d'allocations familiales", "allocations familiales"),
)


def explain_jargon(text: str) -> str:
    """`text` with each term explained once, at its first use, unless the text explains it."""
    for term in TERMS:
        if term.spelled_out.lower() in text.lower():
            continue
        match = re.search(term.pattern, text)
        if match is None:
            continue
        end = match.end()
        if text[end : end + 2] == " (" or text[match.start() - 1 : match.start()] == "(":
            continue  # already followed by, or itself in, brackets: the answer deals with it
        text = f"{text[:end]} ({term.meaning}){text[end:]}"
    return text
