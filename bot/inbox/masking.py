"""Masking a citizen's words before they are stored for the information team.

The inbox keeps what citizens wrote so that officers can teach the assistant; it must not keep
who they are. Names, phone numbers (written or spoken, any format), e-mail addresses and dossier
or other identifying numbers are replaced by a bracketed label before anything is written.
The detectors are the ones the logs and the callback form already use (bot/logsafe.py,
bot/callback.py); the few patterns added here cover numbers those do not look for, and names
given with no lead-in ("Dupont Marie 0612345678", a bare "Jean Martin"): capitalised words that
are neither in the assistant's own texts nor communes. Over the 4,400 NLU training examples it
masks only the names they hold, plus two streets/collèges named after people.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.callback import find_name
from bot.logsafe import _EMAIL, _PHONE
from bot.settings import PROJECT_ROOT, get_settings
from bot.spelling import WORDS as SPELLING_WORDS
from bot.validators import fold

PHONE = "[téléphone]"
EMAIL = "[courriel]"
NUMBER = "[numéro]"
NAME = "[nom]"
MAX_TEXT_CHARS = 500

_NUMBER_WORDS = (
    "zero|zéro|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
    "quatorze|quinze|seize|vingt|vingts|trente|quarante|cinquante|soixante|cent|cents|et"
)
# A number read out word by word ("zéro six douze trente-quatre…"): four number words in a row.
_SPOKEN_NUMBER = re.compile(
    rf"\b(?:{_NUMBER_WORDS})(?:[\s\-]+(?:{_NUMBER_WORDS})){{3,}}\b", re.IGNORECASE
)
# A reference mixing letters and digits ("RSA-2024-12345", "AB123456", "dossier n°A45B67").
_REFERENCE = re.compile(r"(?<![\w\[])(?=[\w\-/]*\d)(?=[\w\-/]*[^\W\d_])[^\W_][\w\-/]{4,}(?![\w\]])")
# Digits with separators, long enough to identify someone (phones in other layouts, dates of
# birth, social security or CAF numbers).
_DIGIT_RUN = re.compile(r"(?<![\w])\+?\d[\d\s.\-/()]{5,}\d(?!\w)")
_LONG_NUMBER = re.compile(r"\b\d{6,}\b")
_MASKS = (PHONE, EMAIL, NUMBER, NAME)
_MAX_NAMES = 3
_CIVILITIES = frozenset({"madame", "monsieur", "mme", "mr", "m", "mademoiselle", "mlle"})


def _mask_names(text: str) -> str:
    """Each name find_name reads (after a lead or a civility) becomes [nom], civility kept."""
    for _ in range(_MAX_NAMES):
        name = find_name(text)
        if not name:
            break
        words = [w for w in re.split(r"[\s'’\-]+", name) if w and fold(w) not in _CIVILITIES]
        words = [w for w in words if w not in _MASKS and fold(w) != "nom" and not _edge(w)]
        if not words:
            break
        changed = text
        for word in words:
            changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", NAME, changed, flags=re.I)
        if changed == text:
            break
        text = changed
    return re.sub(rf"{re.escape(NAME)}(?:[\s\-]+{re.escape(NAME)})+", NAME, text)


# --- names given with no lead-in ("Dupont Marie 0612345678", a bare "Jean Martin") ---------

# The assistant's own texts hold the French words citizens use about these topics, and no
# person's name: the fiches, the orientation guide, the catalogue, the département's file.
_VOCABULARY_FILES = ("knowledge/**/*.yml", "bot/catalogue.yml", "departement.yml")
# Words that never belong to a name, even next to one ("Bonjour Jean Martin", "Ma fille Léa").
_SMALL_WORDS = """
    bonjour bonsoir salut coucou allo merci oui non ok okay accord pardon excusez svp stp
    madame monsieur mademoiselle mme mlle mr messieurs dame dames
    je j tu il elle on nous vous ils elles moi toi lui eux mon ma mes ton ta tes son sa ses
    notre nos votre vos leur leurs ce c cet cette ces ca cela ceci qui que qu quoi quel quelle
    quels quelles comment combien pourquoi quand ou est alors donc mais car et aussi voila voici
    le la les l un une des du de d au aux a en dans pour par sur avec sans chez
"""
_NEVER_NAME = frozenset(_SMALL_WORDS.split())
# Everyday words a message may capitalise that the assistant's texts may lack.
_EVERYDAY = """
    bon bien docteur maitre lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier
    mars avril mai juin juillet aout septembre octobre novembre decembre noel paques toussaint
    paris france ile region departement mairie caf msa cpam urssaf ehpad mdph ccas
"""
# A word: letters with inner hyphens or apostrophes ("Jean-Pierre", "N'Diaye"); or a mask.
_WORD = re.compile(r"\[[^\]]*\]|[^\W\d_]+(?:[\-'’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(^|[.!?…:;])\s*$")
# "M. Dupont", "Mme. N'Diaye": the abbreviation's full stop does not end a sentence.
_AFTER_CIVILITY = re.compile(
    r"(?:^|[^\w])(?:madame|monsieur|mademoiselle|mme|mlle|mr|m|dr|docteur)\.?\s*$", re.I
)
_JOINER = re.compile(r"[ \t\-]+")  # only spaces or a hyphen between two words of a name


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Folded words that are not names: the assistant's texts, communes, everyday words.

    Read once per process (about 3,500 words); a fiche published later adds its words at the
    next start."""
    words = set(_SMALL_WORDS.split()) | set(_EVERYDAY.split())
    for pattern in _VOCABULARY_FILES:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            words.update(fold(path.read_text(encoding="utf-8")).split())
    for typo, right in SPELLING_WORDS.items():
        words.update(fold(f"{typo} {right}").split())
    return frozenset(words | _commune_words())


@lru_cache(maxsize=1)
def _commune_words() -> frozenset[str]:
    return frozenset(w for commune in get_settings().communes for w in fold(commune).split())


def _capitalised(word: str) -> bool:
    """'Martin', 'DUPONT', 'Jean-Pierre'; not 'R' (Imagine R), not a mask, not 'martin'."""
    return len(word) >= 2 and word[0].isupper() and not word.startswith("[")


def _unknown(word: str) -> bool:
    """A part of the word is neither a known word nor a commune: the stuff of names.

    Elided articles do not count ("N'Diaye" is unknown, "d'Alzheimer" is known)."""
    parts = fold(word).split()
    parts = [part for part in parts if len(part) > 2] or parts
    known = known_words()
    return any(part not in known for part in parts)


def _edge(word: str) -> bool:
    """Left out at the ends of a name: small words, communes, the assistant's acronyms."""
    parts = fold(word).split()
    return (
        all(part in _NEVER_NAME for part in parts)
        or all(part in _commune_words() for part in parts)
        or (word.isupper() and not _unknown(word))
    )


def _runs(text: str) -> list[list[re.Match[str]]]:
    """Capitalised words next to each other (only spaces or a hyphen between them)."""
    runs: list[list[re.Match[str]]] = []
    previous: re.Match[str] | None = None
    for match in _WORD.finditer(text):
        if not _capitalised(match.group()):
            previous = None
            continue
        if previous is not None and _JOINER.fullmatch(text[previous.end() : match.start()]):
            runs[-1].append(match)
        else:
            runs.append([match])
        previous = match
    return runs


def _mask_bare_names(text: str) -> str:
    """Capitalised words that make a name the assistant does not know become [nom].

    A run of capitalised words is a name when it holds an unknown word in lower case letters
    ("Marie", "Lefèvre") or two unknown words in capitals ("DUPONT MARIE"); small words,
    communes and the assistant's acronyms at its ends stay ("Bonjour Jean Martin, Créteil").
    It is masked when it has two words ("Dupont Marie", "Jean Petit"), when its one word is not
    the first of a sentence ("pour ma fille Léa"), or when it is the whole message (the bare
    answer "Martin"). A known word alone (APA, RSA, Imagine R, Créteil, Bonjour) never is.
    """
    spans = []
    for run in _runs(text):
        while run and _edge(run[0].group()):
            run = run[1:]
        while run and _edge(run[-1].group()):
            run = run[:-1]
        unknown = [m.group() for m in run if _unknown(m.group())]
        if not any(not w.isupper() for w in unknown) and len(unknown) < 2:
            continue
        start, end = run[0].start(), run[-1].end()
        first_of_sentence = bool(_SENTENCE_END.search(text[:start])) and not bool(
            _AFTER_CIVILITY.search(text[:start])
        )
        whole = not (text[:start] + text[end:]).strip(" \t.,!?;:")
        if len(run) >= 2 or not first_of_sentence or whole:
            spans.append((start, end))
    for start, end in reversed(spans):
        text = text[:start] + NAME + text[end:]
    return text


def mask(text: str) -> str:
    """The text with its personal data replaced by labels, bounded in length."""
    text = " ".join((text or "").split())[:MAX_TEXT_CHARS]
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _SPOKEN_NUMBER.sub(NUMBER, text)
    text = _REFERENCE.sub(NUMBER, text)
    text = _DIGIT_RUN.sub(NUMBER, text)
    text = _LONG_NUMBER.sub(NUMBER, text)
    return _mask_bare_names(_mask_names(text))


# Words that do not change what a message asks: left out when grouping similar messages.
_FILLERS = frozenset(["bonjour", "bonsoir", "salut", "merci", "svp", "stp", "euh", "voila"])
_PLEASE = re.compile(r"\bs il (?:vous|te) plait\b")


def group_key(masked: str) -> str:
    """What similar messages share: folded, without greetings and politeness, bounded."""
    words = [w for w in _PLEASE.sub(" ", fold(masked)).split() if w not in _FILLERS]
    return " ".join(words)[:200]
