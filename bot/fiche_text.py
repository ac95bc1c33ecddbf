"""A fiche as the citizen gets it: the chat's written answer and the phone's spoken words.

The action server sends `written_answer` in the chat and the fiche's `spoken` text on the phone,
where the voice gateway says it through `speakable`. The console's fiche editor previews both
with these same functions, so the preview is what the citizen will read and hear.
"""

from __future__ import annotations

from bot.glossary import explain_jargon
from bot.knowledge import Fiche
from bot.speech_text import speakable


def written_answer(fiche: Fiche) -> str:
    # The chat explains its jargon at first use; the spoken answer is written for the ear.
    parts = [explain_jargon(fiche.answer.strip())]
    if fiche.links:
        parts.append(
            "Pour en savoir plus :\n"
            + "\n".join(f"- {link.label} : {link.url}" for link in fiche.links)
        )
    return "\n\n".join(parts)


def spoken_answer(fiche: Fiche) -> str:
    """The words the phone line says for this fiche (numbers, dates, acronyms spelt out)."""
    return speakable(fiche.spoken)
