"""What the caller's words or keys mean for the message sent to Rasa.

A spoken or typed choice becomes the button's payload, exactly as a click in the chat; "0" or
"conseiller" becomes /ask_human at any moment; everything else goes to Rasa's NLU as said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.speech_text import spoken_title
from bot.text import fold, number_words, numbers_as_digits, ordinal_words

ASK_HUMAN = "/ask_human"
# A short answer naming a human ("un conseiller s'il vous plaît") asks for one; in a longer
# sentence the word is left to the NLU ("mon conseiller RSA ne répond pas").
_HUMAN_WORDS = {"conseiller", "conseillere", "operateur", "operatrice", "humain", "agent"}
_HUMAN_MAX_WORDS = 7
# A choice is recognised in short answers only: a full question goes to the NLU even when it
# contains a button's word ("je veux contester la décision pour l'APA").
_CHOICE_MAX_WORDS = 4
MAX_CHOICES = 9


def number_names(n: int) -> set[str]:
    """How a caller names choice n, as the speech model spells them (accents kept): its
    cardinal and ordinal, both genders ("un", "une", "premier", "première")."""
    names = {number_words(n), number_words(n, True), ordinal_words(n), ordinal_words(n, True)}
    return names | ({"second", "seconde"} if n == 2 else set())


# The same names folded, with the digit, as matched against what was said.
_ORDINALS = {
    n: {str(n)} | {fold(name) for name in number_names(n)} for n in range(1, MAX_CHOICES + 1)
}
_FILLERS = {
    "euh",
    "le",
    "la",
    "les",
    "l",
    "c",
    "est",
    "touche",
    "tape",
    "tapez",
    "je",
    "dis",
    "choix",
}


@dataclass(frozen=True)
class Choice:
    digit: str
    title: str
    payload: str

    @property
    def words(self) -> set[str]:
        return set(fold(spoken_title(self.title)).split())


def choices_from_buttons(buttons: Sequence[dict]) -> list[Choice]:
    """Keypad digits 1..9 in the order the chat shows the buttons."""
    return [
        Choice(str(i), str(b.get("title", "")), str(b.get("payload") or b.get("title", "")))
        for i, b in enumerate(buttons[:MAX_CHOICES], start=1)
    ]


def vocabulary(choices: Sequence[Choice]) -> list[str]:
    """Words a restricted recogniser should expect while these choices are offered (as the
    model spells them: lower case, accents kept; words it does not know are ignored)."""
    words = {w for c in choices for w in re.split(r"[\s'’-]+", spoken_title(c.title).lower()) if w}
    words |= {w for index in range(1, len(choices) + 1) for w in number_names(index)}
    words |= {"oui", "non", "conseiller", "zéro"}
    return sorted(words)


def match_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a short spoken answer names, by its title or its number."""
    words = [w for w in fold(text).split() if w not in _FILLERS]
    if not words or len(words) > _CHOICE_MAX_WORDS or not choices:
        return None
    said = set(words)
    for index, choice in enumerate(choices, start=1):
        if said & _ORDINALS[index] and len(words) <= 2:
            return choice
    named = [c for c in choices if c.words and c.words <= said]
    named = named or [c for c in choices if said & c.words]
    return named[0] if len(named) == 1 else None


def asks_for_human(text: str) -> bool:
    words = fold(text).split()
    return bool(words) and len(words) <= _HUMAN_MAX_WORDS and bool(_HUMAN_WORDS & set(words))


def message_for_keys(keys: str, choices: Sequence[Choice]) -> str | None:
    """The message typed keys stand for: 0 a human, a digit a choice, a number as typed."""
    keys = keys.rstrip("#")
    if keys == "0" or keys == "*0":
        return ASK_HUMAN
    if len(keys) == 1 and keys.isdigit():
        chosen = [c for c in choices if c.digit == keys]
        return chosen[0].payload if chosen else None
    digits = re.sub(r"\D", "", keys)
    return digits or None


def message_for_speech(text: str, choices: Sequence[Choice]) -> str:
    if asks_for_human(text):
        return ASK_HUMAN
    chosen = match_choice(text, choices)
    return chosen.payload if chosen else numbers_as_digits(text)
