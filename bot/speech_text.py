"""Text said on the phone: what the chat shows, rewritten for the ear.

Links, markdown and emoji are dropped; buttons become a spoken choice with their keypad digits.
Everything a speech synthesiser could read wrongly is spelt out in French words before it gets
there, the same for every engine: amounts ("651,69 €" -> "six cent cinquante et un euros
soixante-neuf"), dates, times ("8 h 30" -> "huit heures trente"), percentages, phone numbers and
references in pairs of digits ("zéro six, douze, trente-quatre…"), and acronyms as letters
("APA" -> "a-pé-a": letter names joined by hyphens, which the Kokoro voice phonemizes apart from
the word before, so that no liaison sneaks in: "dites a-pé-a", not "dites-z-a-pé-a").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.hours import MONTHS_FR
from bot.text import (
    REFERENCE_MIN_DIGITS,
    digits_in_pairs,
    join_words,
    number_words,
    ordinal_words,
    say_pair,
)

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
# A pair read back by the assistant ("06, 12, 34"): "06" is "zéro six", not "six".
_ZERO_PAIR = re.compile(r"\b0(\d)\b")
_HOUR = re.compile(r"\b(\d{1,2}) ?h(?: ?(\d{2}))?\b|\b(\d{1,2}):(\d{2})\b")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_EURO = re.compile(r"(\d)\s?€")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


# Letter names as espeak-ng reads them in French, for acronyms said letter by letter.
LETTER_NAMES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "a",
            "bé",
            "cé",
            "dé",
            "euh",
            "èf",
            "gé",
            "ache",
            "i",
            "ji",
            "ka",
            "èl",
            "èm",
            "èn",
            "o",
            "pé",
            "ku",
            "èr",
            "èss",
            "té",
            "u",
            "vé",
            "doublevé",
            "ixe",
            "igrec",
            "zèd",
        ],
        strict=True,
    )
)
# Acronyms said as words; every other capitalised run of 2 to 5 letters is spelt.
ACRONYMS_AS_WORDS = {
    "EHPAD": "épade",
    "SAMU": "samu",
    "AGGIR": "agguir",
    "DILA": "dila",
    "CNED": "cned",
    "ONU": "onu",
    "OK": "ok",
}
_ACRONYM = re.compile(r"\b([A-Z]{2,5})(\d*)\b")
_AMOUNT = re.compile(
    r"(?<![\d,])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:,(\d{1,2}))?\s?(€|euros?\b)"
)
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s?(?:%|pour ?cent\b)")
_ORDINAL = re.compile(r"\b(\d+)(er|re|ère|e|ème|eme)\b")
_DECIMAL = re.compile(r"\b(\d+),(\d+)\b")
_GROUPED = re.compile(r"\b\d{1,3}(?:[ \u00a0\u202f]\d{3})+\b")
_INTEGER = re.compile(r"\b\d+\b")
_UNIT_AFTER = re.compile(r",\d|\s?(?:€|euros?\b|%)")


def _phone_to_pairs(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if digits.startswith("33"):
        digits = "0" + digits[2:]
    return digits_in_pairs(digits)


def _reference_to_pairs(match: re.Match[str]) -> str:
    found = match.group(0)
    if sum(c.isdigit() for c in found) < REFERENCE_MIN_DIGITS or _ISO_DATE.fullmatch(found):
        return found  # an amount or a date, said as a number
    if _GROUPED.fullmatch(found) or _UNIT_AFTER.match(match.string, match.end()):
        return found  # thousands ("1 000 000 €"), said as a number
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
    text = _ZERO_PAIR.sub(lambda m: say_pair(m.group(0)), text)
    text = text.replace("n°", "numéro ").replace("N°", "numéro ")
    text = say_numbers(text)
    text = _ACRONYM.sub(_say_acronym, text)
    # Line breaks between list items become pauses (a line ending in ":" runs on).
    text = re.sub(r"([:;,])\s*\n+\s*", r"\1 ", text.strip())
    text = re.sub(r"\s*\n+\s*", ". ", text)
    text = re.sub(r"([.!?…])\.", r"\1", text)
    text = re.sub(r"\s+([.,])", r"\1", text)
    return " ".join(text.split())


def say_numbers(text: str) -> str:
    """Amounts, percentages, ordinals, decimals and integers in words."""
    text = _AMOUNT.sub(_say_amount, text)
    text = _PERCENT.sub(lambda m: f"{_say_decimal(m.group(1))} pour cent", text)
    text = _ORDINAL.sub(lambda m: ordinal_words(int(m.group(1)), m.group(2) in ("re", "ère")), text)
    text = _DECIMAL.sub(lambda m: _say_decimal(m.group(0)), text)
    text = _GROUPED.sub(lambda m: number_words(int(re.sub(r"\D", "", m.group(0)))), text)
    return _INTEGER.sub(lambda m: number_words(int(m.group(0))), text)


def _say_decimal(number: str) -> str:
    whole, _, fraction = number.partition(",")
    words = number_words(int(whole))
    if not fraction:
        return words
    zeros = len(fraction) - len(fraction.lstrip("0"))
    return f"{words} virgule {'zéro ' * zeros}{number_words(int(fraction))}"


def _say_amount(match: re.Match[str]) -> str:
    euros = int(re.sub(r"\D", "", match.group(1)))
    cents = int((match.group(2) or "0").ljust(2, "0"))
    if not euros and cents:
        return f"{number_words(cents)} centime{'s' if cents > 1 else ''}"
    unit = "euro" if euros <= 1 else "euros"
    if euros >= 10**6 and not euros % 10**6:
        unit = "d'euros"  # "un million d'euros"
    spoken = f"{number_words(euros)} {unit}"
    return f"{spoken} {number_words(cents)}" if cents else spoken


def _say_acronym(match: re.Match[str]) -> str:
    letters, digits = match.groups()
    if letters in ACRONYMS_AS_WORDS:
        spoken = ACRONYMS_AS_WORDS[letters]
    else:
        spoken = "-".join(LETTER_NAMES[c] for c in letters)
    return f"{spoken} {number_words(int(digits))}" if digits else spoken


def _say_hour(match: re.Match[str]) -> str:
    hours_text, minutes_text = match.group(1, 2) if match.group(1) else match.group(3, 4)
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if hours > 24 or minutes > 59:
        return match.group(0)
    if hours in (0, 24):
        spoken = "minuit"
    elif hours == 12:
        spoken = "midi"
    else:
        spoken = f"{number_words(hours, feminine=True)} heure{'s' if hours > 1 else ''}"
    return f"{spoken} {number_words(minutes, feminine=True)}" if minutes else spoken


def _say_date(match: re.Match[str]) -> str:
    day, month, year = (int(g) for g in match.groups())
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return match.group(0)
    spoken_day = "premier" if day == 1 else number_words(day)
    return f"{spoken_day} {MONTHS_FR[month - 1]} {number_words(year)}"


def spoken_title(title: str) -> str:
    """A button's title without what only reads well ("APA (allocation…)" -> "APA")."""
    return " ".join(_EMOJI.sub("", _PARENTHESES.sub("", title)).split()) or title


def choices_prompt(titles: Sequence[str]) -> str:
    """ "Dites APA, RSA, transport ou collège, ou tapez 1, 2, 3 ou 4." """
    if not titles:
        return ""
    keys = [str(i) for i in range(1, len(titles) + 1)]
    return f"Dites {join_words([spoken_title(t) for t in titles])}, ou tapez {join_words(keys)}."


def split_sentences(text: str) -> list[str]:
    """Sentences, so that the first one can be said while the next ones are synthesised."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]
