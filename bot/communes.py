"""Recognise the citizen's commune in loose text ("st maur", "kremlin bicetre", "à creteil").

Names come from the département's configuration (Settings.communes). Each canonical name is
indexed under several keys built by the same folding as the input: no case, accents, hyphens,
apostrophes or articles, "st"/"ste" read as "saint"/"sainte", plus unambiguous short forms
("vitry", "saint maur", "champigny"). Exact keys are looked for inside the sentence first;
only then small typos are accepted, with a cutoff high enough that common words do not match.
A postcode of the département (Settings.postcodes: "94000", spoken « quatre-vingt-quatorze
mille ») names its commune when no name is found and the code is not shared.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from bot.settings import get_settings
from bot.text import fold, spoken_digits

_ARTICLES = frozenset({"le", "la", "les", "l"})
_SAINTS = {"st": "saint", "ste": "sainte", "sts": "saints"}
# Words after which the rest of a compound name is a qualifier: "Vitry | sur Seine".
_CONNECTORS = frozenset({"sur", "sous", "en", "des", "de", "du", "lez", "les", "saint", "sainte"})
# First words of a name that are everyday French words: never a short form on their own.
_COMMON_WORDS = frozenset({"maisons", "queue", "saint", "sainte", "port", "pont", "bois", "val"})
# Fuzzy matching: similarity needed when the whole answer is the name ("arceuil") and when
# the name is part of a longer text, where ordinary words come close ("gentil", "valentin");
# and the shortest key worth comparing ("orly" or "bry" would match too many words).
FUZZY_CUTOFF = 0.8
FUZZY_CUTOFF_IN_SENTENCE = 0.88
SUGGEST_CUTOFF = 0.7
_FUZZY_MIN_LENGTH = 5
_MAX_INPUT = 300
# Digits with the spaces speech recognition and people put in them ("94 000"); five make a code.
_DIGIT_RUN = re.compile(r"\d[\d\s.]*\d")


def _tokens(text: str) -> list[str]:
    """Folded words without articles, with "st" expanded: the key space of the index."""
    return [_SAINTS.get(t, t) for t in fold(text).split() if t not in _ARTICLES]


def _short_forms(tokens: list[str]) -> set[str]:
    """Short forms of a name: the words before its first connector, and its first word."""
    forms = {tokens[0]}
    for i, token in enumerate(tokens[1:], start=1):
        if token in _CONNECTORS:
            forms.add(" ".join(tokens[:i]))
            break
    return {f for f in forms if f not in _COMMON_WORDS and f != " ".join(tokens)}


def _spellings(name: str) -> list[list[str]]:
    """Token lists of a name; an elided article is also written glued ("L'Haÿ" -> "lhay")."""
    spellings = [_tokens(name)]
    folded = fold(name)
    if folded.startswith("l "):
        spellings.append(_tokens("l" + folded[2:]))
    return spellings


class _Index:
    """Keys -> canonical names, built once per list of communes."""

    def __init__(self, communes: tuple[str, ...]) -> None:
        self.full: dict[str, str] = {}
        owners: dict[str, set[str]] = {}
        for name in communes:
            for tokens in _spellings(name):
                self.full[" ".join(tokens)] = name
                for form in _short_forms(tokens):
                    owners.setdefault(form, set()).add(name)
        # A short form shared by two communes ("villeneuve") or equal to a full name is no key.
        self.ambiguous = {form: sorted(names) for form, names in owners.items() if len(names) > 1}
        self.short = {
            form: next(iter(names))
            for form, names in owners.items()
            if len(names) == 1 and form not in self.full
        }
        self.keys = {**self.short, **self.full}
        self.max_words = max(len(k.split()) for k in self.keys)
        self.fuzzy_keys = [k for k in self.keys if len(k) >= _FUZZY_MIN_LENGTH]


@lru_cache(maxsize=8)
def _index(communes: tuple[str, ...]) -> _Index:
    return _Index(communes)


def _resolve_index(communes: Sequence[str] | None) -> _Index:
    names = tuple(communes) if communes is not None else get_settings().communes
    return _index(names)


def _ngrams(tokens: list[str], max_words: int) -> Iterable[str]:
    """Word n-grams, longest first, then left to right."""
    for size in range(min(max_words, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            yield " ".join(tokens[start : start + size])


def _exact(index: _Index, tokens: list[str]) -> str | None:
    for gram in _ngrams(tokens, index.max_words):
        if gram in index.keys:
            return index.keys[gram]
    return None


def _fuzzy(index: _Index, tokens: list[str]) -> str | None:
    """The commune whose key is closest to some n-gram, if clearly the closest."""
    whole = " ".join(tokens)
    scores: dict[str, float] = {}
    for gram in _ngrams(tokens, index.max_words):
        if len(gram) < _FUZZY_MIN_LENGTH or gram in index.ambiguous:
            continue
        cutoff = FUZZY_CUTOFF if gram == whole else FUZZY_CUTOFF_IN_SENTENCE
        for key in difflib.get_close_matches(gram, index.fuzzy_keys, n=3, cutoff=cutoff):
            ratio = difflib.SequenceMatcher(None, gram, key).ratio()
            name = index.keys[key]
            scores[name] = max(scores.get(name, 0.0), ratio)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 0.02:
        return None  # two communes equally close: ask rather than guess
    return ranked[0][0]


def postcode_communes(text: str, communes: Sequence[str] | None = None) -> list[str]:
    """The communes of the postcode given in `text`, when it gives one of the département's.

    Only with the settings' communes (an explicit list has no postcodes); a run of other than
    five digits (a phone number, a year) is no postcode.
    """
    if communes is not None or not text or len(text) > _MAX_INPUT:
        return []
    codes = {
        digits
        for run in _DIGIT_RUN.findall(spoken_digits(text))
        if len(digits := re.sub(r"\D", "", run)) == 5
    }
    if len(codes) != 1:
        return []
    [code] = codes
    return [name for postcode, name in get_settings().postcodes if postcode == code]


def resolve_commune(text: str, communes: Sequence[str] | None = None) -> str | None:
    """The canonical name of the commune named in `text` (a word, a name or a sentence), or
    of the postcode it gives when no name is found."""
    if not text or len(text) > _MAX_INPUT:
        return None
    index = _resolve_index(communes)
    tokens = _tokens(text)
    if not tokens:
        return None
    found = _exact(index, tokens) or _fuzzy(index, tokens)
    if found is None:
        by_code = postcode_communes(text, communes)
        found = by_code[0] if len(by_code) == 1 else None
    return found


def suggest_communes(text: str, communes: Sequence[str] | None = None, limit: int = 3) -> list[str]:
    """Up to `limit` canonical names close to `text`, best first (for "did you mean…?")."""
    if not text or limit <= 0 or len(text) > _MAX_INPUT:
        return []
    index = _resolve_index(communes)
    tokens = _tokens(text)
    scored: dict[str, float] = {}
    exact = _exact(index, tokens) if tokens else None
    if exact:
        scored[exact] = 2.0
    for name in postcode_communes(text, communes):  # a code several communes share
        scored[name] = max(scored.get(name, 0.0), 1.5)
    for gram in _ngrams(tokens, index.max_words):
        for name in index.ambiguous.get(gram, ()):
            scored[name] = max(scored.get(name, 0.0), 1.5)
        if len(gram) < _FUZZY_MIN_LENGTH:
            continue
        for key in difflib.get_close_matches(gram, index.keys, n=limit * 2, cutoff=SUGGEST_CUTOFF):
            ratio = difflib.SequenceMatcher(None, gram, key).ratio()
            name = index.keys[key]
            scored[name] = max(scored.get(name, 0.0), ratio)
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
    return [name for name, _ in ranked[:limit]]
