"""SMS spelling and common typos rewritten into the words the NLU was trained on.

"slt jveu savoir cb ca coute imagin r pr mon fils il est o college" becomes "je veux savoir
combien ca coute imagine r pour mon fils il est au college". Word for word, only whole words, case
kept for the words it does not know; digits are never touched (phone and dossier numbers). A
greeting that opens a longer message is dropped: the question is what the citizen wants answered.
"""

from __future__ import annotations

import re

# SMS abbreviations and typos seen in citizens' messages -> the trained vocabulary. Keys are lower
# case; a key may hold several words or dots ("a.p.a", "imagine air").
WORDS: dict[str, str] = {
    # SMS spelling
    "slt": "salut",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "jveu": "je veux",
    "jveux": "je veux",
    "jvx": "je veux",
    "jvoudrai": "je voudrais",
    "jvoudrais": "je voudrais",
    "jsuis": "je suis",
    "jsui": "je suis",
    "chui": "je suis",
    "chuis": "je suis",
    "jpeux": "je peux",
    "jpx": "je peux",
    "jsp": "je ne sais pas",
    "jai": "j'ai",
    "jai pas": "je n'ai pas",
    "g": "j'ai",
    "cb": "combien",
    "cmb": "combien",
    "cbien": "combien",
    "combi1": "combien",
    "pr": "pour",
    "pq": "pourquoi",
    "pk": "pourquoi",
    "pkoi": "pourquoi",
    "pourkoi": "pourquoi",
    "koi": "quoi",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "ki": "qui",
    "ke": "que",
    "keske": "qu'est-ce que",
    "kan": "quand",
    "qd": "quand",
    "qnd": "quand",
    "cmt": "comment",
    "cmnt": "comment",
    "komen": "comment",
    "coment": "comment",
    "o": "au",
    "ds": "dans",
    "dc": "donc",
    "tt": "tout",
    "tjr": "toujours",
    "tjrs": "toujours",
    "tjs": "toujours",
    "bcp": "beaucoup",
    "vs": "vous",
    "nn": "non",
    "mn": "mon",
    "pa": "pas",
    "c": "c'est",
    "c est": "c'est",  # not "c'est est"
    "ya": "il y a",
    "y'a": "il y a",
    "dac": "d'accord",
    "dak": "d'accord",
    "dacc": "d'accord",
    "mrc": "merci",
    "mci": "merci",
    "rdv": "rendez-vous",
    "infos": "informations",
    # the topics' words, misspelt
    "dossié": "dossier",
    "dossie": "dossier",
    "dosier": "dossier",
    "dossiez": "dossier",
    "colege": "collège",
    "colège": "collège",
    "collége": "collège",
    "collge": "collège",
    "coleg": "collège",
    "colleg": "collège",
    "collèg": "collège",
    "cantinne": "cantine",
    "bource": "bourse",
    "boursse": "bourse",
    "a.p.a": "apa",
    "a.p.a.": "apa",
    "a p a": "apa",
    "r.s.a": "rsa",
    "r.s.a.": "rsa",
    "r s a": "rsa",
    "imaginr": "imagine r",
    "imagin r": "imagine r",
    "imagine-r": "imagine r",
    "imagin'r": "imagine r",
    "imagine'r": "imagine r",
    "imagine air": "imagine r",
    "imagin air": "imagine r",
    "imagine erre": "imagine r",
    "imajine r": "imagine r",
    "carte imaginer": "carte imagine r",
    "pass imaginer": "pass imagine r",
    "alocation": "allocation",
    "allocaton": "allocation",
    "autonomi": "autonomie",
    "otonomie": "autonomie",
    "rembourcement": "remboursement",
    "remboursment": "remboursement",
    "demmande": "demande",
    "demende": "demande",
}
# Topic acronyms in any case ("Rsa", "rSa", "APA") -> the lower case the training data uses.
ACRONYMS = ("rsa", "apa", "caf", "msa", "gir", "ehpad")

_KEYS = sorted(WORDS, key=len, reverse=True)
# Whole words only: not inside a word, not next to an apostrophe ("c'est" keeps its "c") or a
# digit; multi-word keys allow any run of spaces.
_WORD = re.compile(
    r"(?<![\w'’.])("
    + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in _KEYS)
    + r")(?![\w'’])",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"(?<![\w])(" + "|".join(ACRONYMS) + r")(?!\w)", re.IGNORECASE)
_GREETING = re.compile(
    r"^\s*((re|oui|allo|allô)\s*,?\s*)?(bonjour|bonsoir|salut|coucou|hello|bjr|bsr|slt|allo|allô)"
    r"(\s+(madame|monsieur|mme|mr|m\.|à vous|a vous|à tous|a tous|tout le monde))*"
    r"\s*[,.!;:]*\s*",
    re.IGNORECASE,
)
# A greeting is dropped only when this many words follow it ("bonjour madame" stays a greeting).
MIN_WORDS_AFTER_GREETING = 3


# "Je suis Paul Martin, ..." / "je m'appelle Mme Diallo et ...": the introduction names the
# citizen, not the question, and left in, "je suis" pulls a vague message towards "je suis au
# RSA" (read as an RSA emergency). Dropped when a question follows, like a greeting; the name
# is still read from the citizen's own text, which the pipeline's last component puts back.
# Only a capitalised name followed by a comma or "et": "je suis au RSA, ..." and "je suis
# perdue, ..." stay.
_NAME_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+"
_INTRODUCTION = re.compile(
    r"^\s*(?i:je suis|je m['’ ]?appelle|moi c['’ ]?est|mon nom est)\s+"
    r"(?:(?i:madame|monsieur|mme|mlle|m\.)\s+)?"
    rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}\s*(?:[,.;:!]|\s(?i:et)\s)\s*"
)


def _replace(match: re.Match[str]) -> str:
    return WORDS[" ".join(match.group(1).lower().split())]


def _strip_opening(opening: re.Pattern[str], text: str) -> str:
    """`text` without its `opening` when a question of a few words follows it."""
    match = opening.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    return rest if len(re.findall(r"\w+", rest)) >= MIN_WORDS_AFTER_GREETING else text


def strip_greeting(text: str) -> str:
    return _strip_opening(_GREETING, text)


def strip_introduction(text: str) -> str:
    return _strip_opening(_INTRODUCTION, text)


def normalize(text: str) -> str:
    """The message in the trained vocabulary; button payloads ("/intent") are left alone."""
    if not text or text.startswith("/"):
        return text
    text = _WORD.sub(_replace, text)
    text = _ACRONYM.sub(lambda m: m.group(1).lower(), text)
    return strip_introduction(strip_greeting(text))
