"""Validate and normalise what a citizen types or says in the callback form: phone number, name.

Input comes from a chat box or from speech recognition (lower case, numbers spelled out in
French), so every function accepts loose text and returns a canonical value or None.
"""

from __future__ import annotations

import re

from bot.catalogue import get_catalogue
from bot.text import digit_pairs, fold, spoken_digits

# National significant numbers a citizen may be called back on: geographic (01-05), mobile
# (06, 07) and VoIP (09). 08 is left out on purpose: premium and shared-cost numbers.
_CALLABLE_FIRST_DIGITS = frozenset("1234567" + "9")
# A run of digits with the separators people use; letters break a run.
_NUMBER_RUN = re.compile(r"\+?\d[\d\s.,\-/()]*\d")
_TRUNK_ZERO = re.compile(r"^(\+33|0033)\s*\(0\)")

_NAME_PREFIXES = (
    "bonjour",
    "bonsoir",
    "oui",
    "alors",
    "euh",
    "eh bien",
    "je m appelle",
    "je me nomme",
    "je m appele",
    "je suis",
    "moi c est",
    "c est",
    "mon nom c est",
    "mon nom est",
    "mon nom",
    "nom et prenom",
    "nom",
    "ici",
)
_CIVILITIES = {
    "madame": "Mme",
    "mme": "Mme",
    "mademoiselle": "Mlle",
    "mlle": "Mlle",
    "monsieur": "M.",
    "mr": "M.",
    "m": "M.",
}
# Particles stay lower case inside a name ("Marie de la Tour").
_PARTICLES = frozenset({"de", "du", "des", "la", "le", "d", "van", "von", "y", "e"})
# Answers that reach the name slot but are not names.
_NOT_NAMES = frozenset(
    {
        "oui",
        "non",
        "ok",
        "d accord",
        "merci",
        "bonjour",
        "au revoir",
        "rien",
        "personne",
        "aucun",
        "pourquoi",
        "annuler",
        "stop",
        "je sais pas",
        "je ne sais pas",
        "sais pas",
        "j sais pas",
        "chais pas",
        "non merci",
        "pas de nom",
        "anonyme",
        "test",
        "moi",
    }
)
# Words that betray a sentence rather than a name ("c'est pour ma mère").
_SENTENCE_WORDS = frozenset(
    {
        "je",
        "j",
        "tu",
        "il",
        "elle",
        "nous",
        "vous",
        "on",
        "ma",
        "mon",
        "mes",
        "pour",
        "est",
        "suis",
        "pas",
        "veux",
        "voudrais",
        "besoin",
        "appeler",
        "rappeler",
        "numero",
        "telephone",
        "dossier",
        "quoi",
        "comment",
        "avec",
        "sans",
        "parce",
        "que",
        "qui",
        # The topics' acronyms ("c'est pour le RSA"), from the catalogue.
        *(fold(topic.label) for topic in get_catalogue().topics if topic.label.isupper()),
    }
)
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]*)*$")
MAX_NAME_LENGTH = 80


# --- phone numbers ---------------------------------------------------------------------------


def _national_number(candidate: str) -> str | None:
    """The 9 national significant digits of one candidate run, or None."""
    candidate = _TRUNK_ZERO.sub(r"\1", candidate.strip())
    international = candidate.startswith("+")
    digits = re.sub(r"\D", "", candidate)
    if international or digits.startswith("00"):
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("33"):
            return None
        digits = digits[2:]
    elif len(digits) == 10 and digits.startswith("0"):
        digits = digits[1:]
    elif len(digits) == 11 and digits.startswith("33"):
        digits = digits[2:]
    else:
        return None
    if len(digits) != 9 or digits[0] not in _CALLABLE_FIRST_DIGITS:
        return None
    return digits


def normalise_phone(text: str) -> str | None:
    """A French number a citizen can be called back on, as E.164 ("+33612345678"), or None.

    Accepts the usual written forms (spaces, dots, dashes, +33, +33 (0), 0033) and numbers
    spoken in French words. Refuses 08 numbers, wrong lengths and numbers broken by letters.
    """
    if not text or len(text) > 200:
        return None
    found = {
        number
        for run in _NUMBER_RUN.findall(spoken_digits(text))
        if (number := _national_number(run))
    }
    # Two different numbers in one answer: do not guess which one to call.
    if len(found) != 1:
        return None
    return "+33" + found.pop()


def phone_digit_pairs(e164: str) -> list[str]:
    """The national number in pairs, to read back on the phone: ["06", "12", "34", "56", "78"]."""
    if not re.fullmatch(r"\+33\d{9}", e164 or ""):
        raise ValueError(f"not a French E.164 number: {e164!r}")
    return digit_pairs("0" + e164[3:])


def format_phone(e164: str) -> str:
    """The national, spaced form: "+33612345678" -> "06 12 34 56 78"."""
    return " ".join(phone_digit_pairs(e164))


# --- names -----------------------------------------------------------------------------------


def _strip_prefixes(words: list[str]) -> list[str]:
    """Drop lead-ins such as "bonjour, je m'appelle", compared on folded words.

    A word may fold to several tokens ("m'appelle" -> "m appelle"); a prefix is removed only
    when it ends on a word boundary.
    """
    while words:
        tokens: list[tuple[str, int]] = [
            (token, index) for index, word in enumerate(words) for token in fold(word).split()
        ]
        for prefix in _NAME_PREFIXES:
            size = len(prefix.split())
            if [t for t, _ in tokens[:size]] != prefix.split():
                continue
            last = tokens[size - 1][1]
            if size == len(tokens) or tokens[size][1] != last:
                words = words[last + 1 :]
                break
        else:
            return words
    return words


def _capitalise(word: str, first: bool) -> str:
    """ "jean-pierre" -> "Jean-Pierre"; particles stay lower case inside a name ("d'Arc")."""
    if not first and fold(word) in _PARTICLES:
        return word.lower()
    parts = re.split(r"([\-'])", word)
    out = []
    for i, part in enumerate(parts):
        elided_particle = i + 1 < len(parts) and parts[i + 1] == "'" and fold(part) in {"d", "l"}
        if part in ("-", "'") or (elided_particle and not (first and i == 0)):
            out.append(part.lower())
        else:
            out.append(part[:1].upper() + part[1:].lower())
    return "".join(out)


def _split_words(text: str) -> list[str]:
    """Words of a name, keeping hyphens and apostrophes inside words ("Jean-Pierre", "D'Arc")."""
    text = text.replace("’", "'").replace("`", "'")
    text = re.sub(r"[,;:!?«»\"()]+", " ", text)
    return [word for word in text.split() if fold(word)]


def clean_name(text: str) -> str | None:
    """The citizen's name, title-cased, with a civility if given ("Mme Dupont"), or None.

    Removes lead-ins ("je m'appelle", "c'est", "nom :") and refuses what is not a name:
    empty, digits, longer than 80 characters, a yes/no/don't-know answer, a sentence.
    """
    if not text or len(text) > 200:
        return None
    words = _strip_prefixes(_split_words(text.strip()))
    if not words or fold(" ".join(words)) in _NOT_NAMES:
        return None
    civility = _CIVILITIES.get(fold(words[0]).replace(" ", ""))
    if civility and len(words) > 1:
        words = words[1:]
    elif civility:
        return None
    words = [w.strip(".") if fold(w) in _PARTICLES else w for w in words]
    name_folded = fold(" ".join(words))
    if any(w in _SENTENCE_WORDS for w in name_folded.split()) or name_folded in _NOT_NAMES:
        return None
    name = " ".join(_capitalise(w, i == 0) for i, w in enumerate(words)).strip(" .-'")
    if not name or not _NAME_CHARS.match(name) or sum(c.isalpha() for c in name) < 2:
        return None
    result = f"{civility} {name}" if civility else name
    return result if len(result) <= MAX_NAME_LENGTH else None
