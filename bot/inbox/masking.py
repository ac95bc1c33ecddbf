"""Masking a citizen's words before they are stored for the information team.

The inbox keeps what citizens wrote so that officers can teach the assistant; it must not keep
who they are. Names, phone numbers (written or spoken, any format), e-mail addresses and dossier
or other identifying numbers are replaced by a bracketed label before anything is written.
The detectors are the ones the logs and the callback form already use (bot/logsafe.py,
bot/callback.py); the few patterns added here cover numbers those do not look for.
"""

from __future__ import annotations

import re

from bot.callback import find_name
from bot.logsafe import _EMAIL, _PHONE
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
        words = [w for w in words if w not in _MASKS and fold(w) != "nom"]
        if not words:
            break
        changed = text
        for word in words:
            changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", NAME, changed, flags=re.I)
        if changed == text:
            break
        text = changed
    return re.sub(rf"{re.escape(NAME)}(?:[\s\-]+{re.escape(NAME)})+", NAME, text)


def mask(text: str) -> str:
    """The text with its personal data replaced by labels, bounded in length."""
    text = " ".join((text or "").split())[:MAX_TEXT_CHARS]
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _SPOKEN_NUMBER.sub(NUMBER, text)
    text = _REFERENCE.sub(NUMBER, text)
    text = _DIGIT_RUN.sub(NUMBER, text)
    text = _LONG_NUMBER.sub(NUMBER, text)
    return _mask_names(text)


# Words that do not change what a message asks: left out when grouping similar messages.
_FILLERS = frozenset(["bonjour", "bonsoir", "salut", "merci", "svp", "stp", "euh", "voila"])
_PLEASE = re.compile(r"\bs il (?:vous|te) plait\b")


def group_key(masked: str) -> str:
    """What similar messages share: folded, without greetings and politeness, bounded."""
    words = [w for w in _PLEASE.sub(" ", fold(masked)).split() if w not in _FILLERS]
    return " ".join(words)[:200]
