"""Text said on the phone: what the chat shows, rewritten for the ear.

Links, markdown and emoji are dropped; phone numbers and references are read in pairs of digits;
"8 h 30" becomes "8 heures 30"; buttons become a spoken choice with their keypad digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.hours import MONTHS_FR

_URL = re.compile(r"\([^)]*(?:https?://|www\.)[^)]*\)|(?:https?://|www\.)\S+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_MARKUP = re.compile(r"[*_`#>|]+")
_BULLET = re.compile(r"^\s*(?:[-•]|\d+[.)])\s+", re.MULTILINE)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
# French phone numbers as written: +33 6 12 34 56 78, 06 12 34 56 78, 06.12.34.56.78, 0612345678.
_PHONE = re.compile(r"(?:\+33\s?(?:\(0\)\s?)?|\b0)[1-9](?:[\s.\-]?\d{2}){4}\b")
# References and file numbers: 6 digits or more, possibly grouped ("261122-483920").
_DIGIT_RUN = re.compile(r"\b\d[\d .\-]*\d\b")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
REFERENCE_MIN_DIGITS = 6
# A pair read back by the assistant ("06, 12, 34"): "06" is "zéro six", not "six".
_ZERO_PAIR = re.compile(r"\b0(\d)\b")
_HOUR = re.compile(r"\b(\d{1,2}) ?h(?: ?(\d{2}))?\b|\b(\d{1,2}):(\d{2})\b")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_EURO = re.compile(r"(\d)\s?€")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_DIGIT_WORDS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")


def digits_in_pairs(digits: str) -> str:
    """ "0612345678" -> "zéro 6, 12, 34, 56, 78": the way a French number is read back."""
    digits = re.sub(r"\D", "", digits)
    pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
    return ", ".join(_say_pair(pair) for pair in pairs)


def _say_pair(pair: str) -> str:
    if len(pair) == 2 and pair[0] == "0":
        return f"zéro {_DIGIT_WORDS[int(pair[1])]}"
    return pair


def _phone_to_pairs(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if digits.startswith("33"):
        digits = "0" + digits[2:]
    return digits_in_pairs(digits)


def _reference_to_pairs(match: re.Match[str]) -> str:
    found = match.group(0)
    if sum(c.isdigit() for c in found) < REFERENCE_MIN_DIGITS or _ISO_DATE.fullmatch(found):
        return found  # an amount or a date, said as a number
    return digits_in_pairs(found)


def speakable(text: str) -> str:
    """A chat message as a sentence for the speech synthesiser."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _BULLET.sub("", text)
    text = _MARKUP.sub("", text)
    text = _EMOJI.sub("", text)
    text = _PHONE.sub(_phone_to_pairs, text)
    text = _DIGIT_RUN.sub(_reference_to_pairs, text)
    text = _DATE.sub(_say_date, text)
    text = _HOUR.sub(_say_hour, text)
    text = _ZERO_PAIR.sub(lambda m: f"zéro {_DIGIT_WORDS[int(m.group(1))]}", text)
    text = _EURO.sub(r"\1 euros", text)
    text = text.replace("n°", "numéro ").replace("N°", "numéro ")
    # Line breaks between list items become pauses (a line ending in ":" runs on).
    text = re.sub(r"([:;,])\s*\n+\s*", r"\1 ", text.strip())
    text = re.sub(r"\s*\n+\s*", ". ", text)
    text = re.sub(r"([.!?…])\.", r"\1", text)
    text = re.sub(r"\s+([.,])", r"\1", text)
    return " ".join(text.split())


def _say_hour(match: re.Match[str]) -> str:
    hours_text, minutes = match.group(1, 2) if match.group(1) else match.group(3, 4)
    hours = int(hours_text)
    if hours > 24:
        return match.group(0)
    spoken = "midi" if hours == 12 and not minutes else f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{spoken} {int(minutes)}" if minutes and int(minutes) else spoken


def _say_date(match: re.Match[str]) -> str:
    day, month, year = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return match.group(0)
    return f"{'1er' if day == 1 else day} {MONTHS_FR[month - 1]} {year}"


def spoken_title(title: str) -> str:
    """A button's title without what only reads well ("APA (allocation…)" -> "APA")."""
    return " ".join(_EMOJI.sub("", _PARENTHESES.sub("", title)).split()) or title


def join_or(items: Sequence[str]) -> str:
    """ "a", "a ou b", "a, b ou c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " ou " + items[-1]


def choices_prompt(titles: Sequence[str]) -> str:
    """ "Dites APA, RSA, transport ou collège, ou tapez 1, 2, 3 ou 4." """
    if not titles:
        return ""
    keys = [str(i) for i in range(1, len(titles) + 1)]
    return f"Dites {join_or([spoken_title(t) for t in titles])}, ou tapez {join_or(keys)}."


def split_sentences(text: str) -> list[str]:
    """Sentences, so that the first one can be said while the next ones are synthesised."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]
