"""The French text toolkit every channel shares: folding, yes/no, numbers said or read in words.

One behaviour per concern, so that the chat, the phone and the NLU helpers compare text the same
way: `fold` is the single comparison form (a typed "D'accord" and a recognised "d accord" meet),
`yes_no` the single reading of a yes/no answer, `digit_pairs` the single way a French number is
grouped, `number_words` the single way a number is said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from text_to_num import alpha2digit

# --- folding ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes/hyphens/punctuation as single spaces.

    The comparison form for French typed without accents, with typographic apostrophes, or
    returned by speech recognition: "D’Accord !" -> "d accord", "Grand-Mère" -> "grand mere".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def join_words(items: Sequence[str], conjunction: str = "ou") -> str:
    """ "a", "a ou b", "a, b ou c" (or "et"): a French list in a sentence."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


# --- yes / no --------------------------------------------------------------------------------

# One French word list for every channel (written as citizens type them; compared folded).
YES_WORDS = (
    "oui",
    "ouais",
    "o",
    "ok",
    "okay",
    "d'accord",
    "daccord",
    "d'acc",
    "dac",
    "exact",
    "exactement",
    "c'est ça",
    "c'est bien ça",
    "c'est correct",
    "c'est bon",
    "correct",
    "tout à fait",
    "bien sûr",
    "j'accepte",
    "accepte",
    "oui j'accepte",
    "confirmer",
    "je confirme",
)
NO_WORDS = (
    "non",
    "n",
    "non merci",
    "pas d'accord",
    "je refuse",
    "refuse",
    "pas du tout",
    "c'est faux",
    "erreur",
)
# Words that open an answer without changing it ("euh oui", "ben non").
_LEAD_FILLERS = frozenset({"euh", "ben", "bah", "beh", "hum", "alors", "eh", "ah", "oh", "voila"})
_YES = tuple(fold(w).split() for w in YES_WORDS)
_NO = tuple(fold(w).split() for w in NO_WORDS)
# A single letter ("o", "n") is an answer only alone: "n importe quoi" is not a no.
_YES_OPENERS = tuple(p for p in _YES if len(" ".join(p)) > 1)
_NO_OPENERS = tuple(p for p in _NO if len(" ".join(p)) > 1)


def _starts_with(words: list[str], phrases: tuple[list[str], ...]) -> bool:
    return any(words[: len(phrase)] == phrase for phrase in phrases)


def yes_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the answer is neither (or both).

    The whole answer may be a word of the lists ("ouais", "non merci"); a longer answer counts
    when it starts with one ("oui je veux bien être rappelé"), a yes only when no "non" follows.
    """
    words = fold(text).split()
    while words and words[0] in _LEAD_FILLERS and len(words) > 1:
        words = words[1:]
    if not words:
        return None
    if words in _YES:
        return True
    if words in _NO or _starts_with(words, _NO_OPENERS):
        return False
    if _starts_with(words, _YES_OPENERS) and "non" not in words:
        return True
    return None


# --- numbers in words --------------------------------------------------------------------------

_UNITS = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
)
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def number_words(n: int, feminine: bool = False) -> str:
    """French cardinal in words (1990 spelling rules of the Académie left aside: the
    traditional hyphens, "vingt et un", "quatre-vingts", "deux cents")."""
    if n < 0:
        return "moins " + number_words(-n, feminine)
    if n < 1000:
        return _below_thousand(n, feminine)
    for value, name in ((10**9, "milliard"), (10**6, "million")):
        if n >= value:
            head, rest = divmod(n, value)
            words = f"{number_words(head)} {name}{'s' if head > 1 else ''}"
            return f"{words} {number_words(rest, feminine)}" if rest else words
    head, rest = divmod(n, 1000)
    words = "mille" if head == 1 else f"{_below_thousand(head, plural_cent=False)} mille"
    return f"{words} {_below_thousand(rest, feminine)}" if rest else words


def _below_thousand(n: int, feminine: bool = False, plural_cent: bool = True) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest, feminine)
    head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
    if not rest:
        return head + ("s" if hundreds > 1 and plural_cent else "")
    return f"{head} {_below_hundred(rest, feminine)}"


def _below_hundred(n: int, feminine: bool = False) -> str:
    if n == 1 and feminine:
        return "une"
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix, quatre-vingt-dix
        base = "soixante" if tens == 7 else "quatre-vingt"
        joiner = " et " if n == 71 else "-"
        return f"{base}{joiner}{_below_hundred(10 + unit, feminine)}"
    if tens == 8:
        return "quatre-vingts" if not unit else f"quatre-vingt-{_below_hundred(unit, feminine)}"
    if not unit:
        return _TENS[tens]
    if unit == 1:
        return f"{_TENS[tens]} et {'une' if feminine else 'un'}"
    return f"{_TENS[tens]}-{_UNITS[unit]}"


def ordinal_words(n: int, feminine: bool = False) -> str:
    if n == 1:
        return "première" if feminine else "premier"
    words = number_words(n)
    if words.endswith("cinq"):
        return words + "uième"
    if words.endswith("neuf"):
        return words[:-1] + "vième"
    return words.rstrip("e").removesuffix("s") + "ième"


def digit_word(digit: str) -> str:
    """One digit in words: "0" -> "zéro"."""
    return _UNITS[int(digit)]


# --- digits in pairs ---------------------------------------------------------------------------

# References and file numbers: this many digits or more are read back in pairs.
REFERENCE_MIN_DIGITS = 6


def digit_pairs(digits: str) -> list[str]:
    """The digits of a number in pairs, as French numbers are written and read back:
    "06.12.34.56.78" -> ["06", "12", "34", "56", "78"] (an odd digit stays alone at the end)."""
    digits = re.sub(r"\D", "", digits)
    return [digits[i : i + 2] for i in range(0, len(digits), 2)]


def say_pair(pair: str) -> str:
    """ "06" -> "zéro six" (not "six"), "78" -> "soixante-dix-huit"."""
    if len(pair) == 2 and pair[0] == "0":
        return f"zéro {digit_word(pair[1])}"
    return number_words(int(pair))


def digits_in_pairs(digits: str) -> str:
    """ "0612345678" -> "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit":
    the way a French number is read back."""
    return ", ".join(say_pair(pair) for pair in digit_pairs(digits))


# --- numbers said in words -> digits -----------------------------------------------------------

_ORDINAL_WORD = re.compile(r"\b(?:\w+i[eè]mes?|premi[eè]re?s?|secondes?)\b", re.IGNORECASE)


def spoken_digits(text: str) -> str:
    """French number words as digits, zeros included ("zéro six douze" -> "0 6 12"): how a
    phone number or a reference said aloud is read."""
    if not re.search(r"[^\W\d_]", text):
        return text
    # alpha2digit reads "zéro" only inside larger numbers: spell it out first.
    text = re.sub(r"\bz[ée]ro\b", " 0 ", text, flags=re.IGNORECASE)
    return alpha2digit(text, "fr")


def numbers_as_digits(text: str) -> str:
    """Numbers a recogniser spelt in words ("quatre-vingt-deux ans") as the chat's users type
    them ("82 ans"), through text2num; ordinals stay words ("sixième"), so does a lone "un"."""
    if not re.search(r"[^\W\d_]", text):
        return text
    ordinals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        ordinals.append(match.group(0))
        return f"ORDINAL{len(ordinals) - 1}"

    converted = alpha2digit(_ORDINAL_WORD.sub(keep, text), "fr")
    return re.sub(r"ORDINAL(\d+)", lambda m: ordinals[int(m.group(1))], converted)


def spoken_reference(text: str) -> str | None:
    """The reference or file number a message holds, said or typed, as digits; None when it
    holds fewer than REFERENCE_MIN_DIGITS digits."""
    digits = "".join(c for c in spoken_digits(text) if c.isdigit())
    return digits if len(digits) >= REFERENCE_MIN_DIGITS else None
