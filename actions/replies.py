"""How the assistant's answers are laid out for the chat and for the phone.

The phone line reads the fiche's short spoken answer; the chat shows the full written answer with
its links. Buttons on the phone become spoken choices in the voice gateway.
"""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.fiche_text import written_answer
from bot.knowledge import Fiche
from bot.routing import TOPIC_LABELS, TOPICS

ASK_HUMAN_BUTTON = {"title": "Être rappelé par un conseiller", "payload": "/ask_human"}


def topic_buttons() -> list[dict[str, str]]:
    return [
        {"title": TOPIC_LABELS[topic], "payload": f'/inform{{"topic":"{topic}"}}'}
        for topic in TOPICS
    ]


def fiche_buttons(fiches: list[Fiche]) -> list[dict[str, str]]:
    return [{"title": fiche.title, "payload": f"/{fiche.intents[0]}"} for fiche in fiches]


def send_fiche(dispatcher: CollectingDispatcher, fiche: Fiche, phone: bool) -> None:
    dispatcher.utter_message(text=fiche.spoken if phone else written_answer(fiche))


def send_anything_else(
    dispatcher: CollectingDispatcher, phone: bool, related: Fiche | None = None
) -> None:
    if phone:
        dispatcher.utter_message(
            text="Avez-vous une autre question ? Sinon, dites « au revoir ».",
            buttons=[{"title": "conseiller", "payload": "/ask_human"}],
        )
        return
    buttons = [{"title": "Non, merci", "payload": "/deny"}, ASK_HUMAN_BUTTON]
    if related is not None:
        buttons.insert(
            0, {"title": f"Voir aussi : {related.title}", "payload": f"/{related.intents[0]}"}
        )
    dispatcher.utter_message(text="Avez-vous une autre question ?", buttons=buttons)
