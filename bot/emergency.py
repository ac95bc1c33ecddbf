"""Immediate danger in a citizen's message: which emergency number to give, before anything else.

The situations and their numbers live in knowledge/emergencies.yml (checked at load). Detection is
rules, not a model: a missed "il ne respire plus" is a safety defect, and a rule can be read and
tested. The message is cut into clauses ("il est tombé la semaine dernière, maintenant il va
bien" is two), then a match is cancelled when:
- a negation comes just before it ("il n'est pas tombé", "personne ne me menace");
- its verb is negated after it ("mon mari ne me frappe plus");
- its clause reports a past event at least a week old ("le mois dernier", "il y a deux ans");
- a later clause says it is over ("maintenant il va bien", "plus de peur que de mal").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.text import fold

EMERGENCIES_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "emergencies.yml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMBER = re.compile(r"^\d{2,4}$")

# Clause boundaries: punctuation, then words that start a new statement.
_PUNCTUATION = re.compile(r"[.!?;:,\n()]+")
_TURN_WORDS = re.compile(
    r"\b(?=(?:mais|maintenant|heureusement|desormais|aujourd hui|depuis hier|cependant|pourtant"
    r"|sauf que|alors que)\b)"
)
_NEGATION_BEFORE = re.compile(
    r"(\b(pas|jamais|aucun|aucune|sans|non|ni|plus personne)|\b(personne|rien) (ne|n))"
    r"( (vraiment|du tout|encore|d|de|l|la|le|est|ai|a|ont|suis|me|m|se|s|t|te|y))* ?$"
)
_NEGATED_VERB_AFTER = re.compile(r"^ ?(plus|pas|jamais|point)\b")
_NE = re.compile(r"\b(ne|n)\b")
_PAST = re.compile(
    r"\b(la semaine (derniere|passee)|le mois (dernier|passe)"
    r"|l (an|annee) (dernier|derniere|passee)"
    r"|l (ete|hiver|automne) dernier|au printemps dernier|il y a (\w+ )?(semaines?|mois|ans|annees)"
    r"|y a (\w+ )?(semaines|mois|ans|annees)|il y a longtemps|autrefois|a l epoque|dans le passe"
    r"|quand (j|il|elle) etai(s|t) (petit|petite|jeune|enfant)|en (19|20)\d\d)\b"
)
_RESOLVED = re.compile(
    r"\b((il|elle|tout|ca|on|je) (va|vont|vais|allons) (bien|mieux)|va bien maintenant"
    r"|rien de grave|hors de danger|plus de peur que de mal|(s est|se sont) releve\w*"
    r"|est (gueri|guerie|retabli|retablie|sorti|sortie) |c est (fini|termine|du passe)"
    r"|(plus|pas) en danger|(il|elle) est (rentre|rentree) a la maison)"
)


class EmergencyConfigError(ValueError):
    """emergencies.yml is missing or wrong; the message names the file and the field."""


@dataclass(frozen=True)
class Pattern:
    match: re.Pattern[str]
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Situation:
    id: str
    numbers: tuple[str, ...]
    patterns: tuple[Pattern, ...]

    @property
    def response(self) -> str:
        """The domain response that gives the numbers (bot/domain/emergency.yml)."""
        return f"utter_emergency_{self.id}"


@dataclass(frozen=True)
class Emergency:
    situation: Situation
    matched: str  # the folded words that triggered it (for tests and logs; no personal data)

    @property
    def id(self) -> str:
        return self.situation.id


def clauses(text: str) -> list[str]:
    """The folded clauses of a message, in order."""
    result = []
    # Split before folding, which drops the clause marks; NFKC first so that "…" splits as "...".
    for part in _PUNCTUATION.split(unicodedata.normalize("NFKC", text)):
        for piece in _TURN_WORDS.split(fold(part)):
            piece = " ".join(piece.split())
            if piece:
                result.append(piece)
    return result


def _negated(clause: str, start: int, end: int) -> bool:
    before, after = clause[:start], clause[end:]
    if _NEGATION_BEFORE.search(before):
        return True
    # "ne ... plus" around the verb: the "ne" is among the last words up to the match's end.
    last_words = " ".join(clause[:end].split()[-5:])
    return bool(_NEGATED_VERB_AFTER.match(after) and _NE.search(last_words))


def _clause_match(situation: Situation, clause: str) -> str | None:
    for pattern in situation.patterns:
        if pattern.unless is not None and pattern.unless.search(clause):
            continue
        for found in pattern.match.finditer(clause):
            if not _negated(clause, found.start(), found.end()):
                return found.group(0)
    return None


def detect(text: str, situations: tuple[Situation, ...] | None = None) -> Emergency | None:
    """The first situation of immediate danger the message describes, or None."""
    if not text or text.startswith("/"):  # a button payload is never a description
        return None
    situations = situations if situations is not None else load_situations()
    parts = clauses(text)
    for situation in situations:
        for index, clause in enumerate(parts):
            if _PAST.search(clause):
                continue
            matched = _clause_match(situation, clause)
            if matched is None:
                continue
            if any(_RESOLVED.search(later + " ") for later in parts[index:]):
                continue
            return Emergency(situation, matched)
    return None


# --- configuration ---------------------------------------------------------------------------


def _join(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise EmergencyConfigError(f"{where}: must be a non-empty regular expression")
    return "".join(line.strip() for line in raw.splitlines())


def _compile(raw: Any, where: str) -> re.Pattern[str]:
    source = _join(raw, where)
    try:
        return re.compile(source)
    except re.error as error:
        raise EmergencyConfigError(f"{where}: invalid regular expression ({error})") from error


def _pattern(raw: Any, where: str) -> Pattern:
    if not isinstance(raw, dict) or set(raw) - {"match", "unless"} or "match" not in raw:
        raise EmergencyConfigError(f"{where}: must be a mapping with `match` and optional `unless`")
    unless = _compile(raw["unless"], f"{where}.unless") if "unless" in raw else None
    return Pattern(_compile(raw["match"], f"{where}.match"), unless)


def _situation(raw: Any, where: str, allowed: set[str]) -> Situation:
    if not isinstance(raw, dict) or set(raw) != {"id", "numbers", "patterns"}:
        raise EmergencyConfigError(f"{where}: must have exactly `id`, `numbers` and `patterns`")
    ident = raw["id"]
    if not isinstance(ident, str) or not _ID.match(ident):
        raise EmergencyConfigError(f"{where}.id: must be snake_case, got {ident!r}")
    numbers = raw["numbers"]
    if not isinstance(numbers, list) or not numbers:
        raise EmergencyConfigError(f"{where}.numbers: must be a non-empty list")
    unknown = [n for n in numbers if str(n) not in allowed]
    if unknown:
        raise EmergencyConfigError(f"{where}.numbers: not in the allowed numbers: {unknown}")
    patterns = raw["patterns"]
    if not isinstance(patterns, list) or not patterns:
        raise EmergencyConfigError(f"{where}.patterns: must be a non-empty list")
    return Situation(
        ident,
        tuple(str(n) for n in numbers),
        tuple(_pattern(p, f"{where}.patterns[{i}]") for i, p in enumerate(patterns)),
    )


def parse_situations(document: Any, source: str = "emergencies.yml") -> tuple[Situation, ...]:
    if not isinstance(document, dict) or set(document) != {"numbers", "situations"}:
        raise EmergencyConfigError(f"{source}: must have exactly `numbers` and `situations`")
    allowed = document["numbers"]
    if not isinstance(allowed, list) or not all(_NUMBER.match(str(n)) for n in allowed):
        raise EmergencyConfigError(f"{source}.numbers: must be a list of 2 to 4 digit numbers")
    raw_situations = document["situations"]
    if not isinstance(raw_situations, list) or not raw_situations:
        raise EmergencyConfigError(f"{source}.situations: must be a non-empty list")
    situations = tuple(
        _situation(raw, f"{source}.situations[{i}]", {str(n) for n in allowed})
        for i, raw in enumerate(raw_situations)
    )
    ids = [s.id for s in situations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise EmergencyConfigError(f"{source}.situations: duplicate ids {duplicates}")
    return situations


def load_situations_from(path: Path) -> tuple[Situation, ...]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EmergencyConfigError(f"{path}: cannot be read ({error})") from error
    except yaml.YAMLError as error:
        raise EmergencyConfigError(f"{path}: invalid YAML ({error})") from error
    return parse_situations(document, path.name)


@lru_cache(maxsize=1)
def load_situations() -> tuple[Situation, ...]:
    return load_situations_from(EMERGENCIES_FILE)
