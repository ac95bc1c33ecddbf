"""Decide whether a callback request is urgent, and say why in French for the agents.

Rules, not a model: every pattern below is one situation the contact centre treats first
(no food, eviction, violence, danger, suicide risk, an elderly person alone after a fall or a
hospital stay, no electricity, children without basic needs). Patterns run on folded text (no
accents, no case, apostrophes as spaces) and allow the common misspellings; a negation just
before a negatable word ("ce n'est pas urgent", "hors de danger") cancels it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from bot.text import fold


class Priority(str, Enum):
    NORMAL = "normal"
    URGENT = "urgent"


@dataclass(frozen=True)
class _Rule:
    label: str
    pattern: re.Pattern[str]
    negatable: bool = False


def _rule(label: str, pattern: str, negatable: bool = False) -> _Rule:
    return _Rule(label, re.compile(pattern), negatable)


_NEEDS = (
    r"(manger|nourriture|nourrir|lait|couches|toit|logement|abri|chauffage|electricite"
    r"|argent|ressources|soins|rien)"
)
_RULES = (
    _rule(
        "plus rien à manger",
        r"\b(plus|pas|rien|sans)( rien)? (a|de quoi|pour) (manger|nourrir|se nourrir)\b"
        r"|\bplus de nourriture\b|\bfrigo (est )?vide\b|\b(on a|j ai|ont) faim\b"
        r"|\bcrever de faim\b",
    ),
    _rule(
        "plus aucune ressource",
        r"\bplus (un|d|aucune?) (sou|centime|euro|argent|ressource|revenu)s?\b"
        r"|\bplus (rien )?pour vivre\b|\bsans (aucune )?ressources?\b",
    ),
    _rule("expulsion du logement", r"\bexpul\w*|\bexplus\w*"),
    _rule(
        "à la rue, sans logement",
        r"\b(a|dans) la rue\b(?! (de|du|des|d|victor|jean)\b)|\bsans (abri|domicile|logement)\b"
        r"|\bsdf\b|\b(dort|dors|dormir|dormons|dorment) dehors\b"
        r"|\b(dort|dors|dormir|dormons|dorment|vit|vis|vivons|vivent)"
        r" dans (ma|sa|la|notre|leur) voiture\b",
    ),
    _rule(
        "violences",
        r"\bviol[ae]n\w*|\bbat+u(e|s|es)?\b|\bmaltrait\w*|\bagress\w*"
        r"|\b(me|m|te|t|la|le|l|les|nous|vous|se|fait|faire) (a |ont |avait |fait )?frap+\w*"
        r"|\b(me|m|la|le|l|les|nous) (a )?cogn(e|es|ent|er|ee|ait)\b",
        negatable=True,
    ),
    _rule("personne en danger", r"\bdan[gj]\w*r\w*|\ben peril\b|\bmenace\w*", negatable=True),
    _rule(
        "urgence signalée",
        r"\burg[ea]n[ct]\w*|\burj[ae]n\w*|\burgement\b",
        negatable=True,
    ),
    _rule(
        "risque suicidaire",
        r"\bsui?[cs]id\w*|\bme tuer\b|\bme foutre en l air\b"
        r"|\b(veux|vais|envie d|envie de) en finir\b"
        r"|\bplus envie de vivre\b|\bmettre fin a (mes|ma) (jours|vie)\b",
    ),
    _rule(
        "personne seule après une chute",
        r"\b(tomb\w*|chute\w*)\b.{0,40}\bseul\w*|\bseul\w*\b.{0,40}\b(tomb\w*|chute\w*)"
        r"|\b(est|suis|reste\w*) par terre\b",
    ),
    _rule(
        "sortie d'hôpital ou hospitalisation",
        r"\bhospitali[sz]\w*"
        r"|\b(sort\w*|rentr\w*|retour\w*|revenu\w*) (de |d |du )?(l )?hopita\w*"
        r"|\bsortie d hop\w*|\baux urgences\b",
    ),
    _rule(
        "plus d'électricité, d'eau ou de chauffage",
        r"\bplus (d |de )(l )?(electricite|elec|courant|eau|chauffage|gaz)\b"
        r"|\b(electricite|courant|eau|gaz|chauffage) (a ete |est )?coupe\w*"
        r"|\bcoupure (d |de )(l )?(electricite|courant|eau|gaz|chauffage)\b",
    ),
    _rule(
        "enfants privés de l'essentiel",
        r"\b(enfants?|bebes?|petits?|gamins?|filles?|fils)\b.{0,30}\b(sans|pas|plus)\b.{0,12}\b"
        + _NEEDS
        + r"\b",
    ),
)
# A negation directly before a negatable word: "pas (très) urgent", "rien d'urgent",
# "sans urgence", "hors de danger", "pas en danger", "aucune violence".
_NEGATION = re.compile(
    r"\b(pas|(?<!en )plus|rien|aucune?|sans|hors|jamais)"
    r"( (du tout|vraiment|tres|si|trop|super|d|de|en|une?|l|la|le|des|vraiment))* $"
)


def _matches(rule: _Rule, text: str) -> bool:
    for match in rule.pattern.finditer(text):
        if not (rule.negatable and _NEGATION.search(text[: match.start()])):
            return True
    return False


def urgency_reasons(texts: Iterable[str]) -> list[str]:
    """The French labels of the urgent situations found in `texts`, in a fixed order."""
    folded = [fold(text) for text in texts if text]
    return [rule.label for rule in _RULES if any(_matches(rule, text) for text in folded)]


def assess_priority(texts: Iterable[str], intent: str | None = None) -> Priority:
    """URGENT when the intent is an urgent one (`*_urgent`) or a text shows distress."""
    if intent and intent.endswith("_urgent"):
        return Priority.URGENT
    return Priority.URGENT if urgency_reasons(texts) else Priority.NORMAL
