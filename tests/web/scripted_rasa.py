"""Rasa's own socket.io channel in front of a scripted responder, for the widget's own tests.

    python tests/web/scripted_rasa.py --port 5906

The transport is the assistant's own socket.io channel (channels/web.py: Rasa 3.6's
`SocketIOInput` with the message guard; session persistence on, Sanic, CORS as
`rasa run --cors "*"` sets it); only the dialogue is replaced by a short script, so that the
widget's behaviour (HTML in an answer, quick replies, the typing indicator, a server that goes
away and comes back) can be checked without a trained model. The answers of the real assistant
are checked by test_web_assistant.py against the running stack.
"""

from __future__ import annotations

import argparse
import asyncio
from functools import lru_cache

from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic_cors import CORS

from bot.db import make_engine, upgrade
from bot.inbox.store import InboxStore
from bot.settings import get_settings
from channels.web import WebSocketIOInput

ANSWER_DELAY_S = 0.6  # long enough for the typing indicator to be seen


@lru_cache(maxsize=1)
def answers() -> InboxStore:
    """The answers table of the database the test gives in DATABASE_URL."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    return InboxStore(engine)


YES_NO = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]

# A callback request in four steps, as the assistant asks it (consent, name, moment, recap), for
# the keyboard path through a whole conversation and the confirmation's main button.
CONSENT = [
    {"title": "Oui, j’accepte", "payload": "/consent"},
    {"title": "Non", "payload": "/deny"},
]
SLOTS = [
    {"title": "Demain matin", "payload": "/slot_morning"},
    {"title": "Peu importe", "payload": "/slot_any"},
]
RECAP = [
    {"title": "Oui, je confirme", "payload": "/affirm"},
    {"title": "Modifier le nom", "payload": "modifier le nom"},
    {"title": "Annuler la demande", "payload": "/cancel"},
]
REFERENCE = "261129-483920"
# A fiche as the action server writes it for the chat: several paragraphs, a next step, links.
FICHE = "\n\n".join(
    [
        "L'APA aide les personnes de 60 ans ou plus qui ont besoin d'aide pour les gestes de "
        "tous les jours.",
        "La personne concernée peut l'obtenir si sa perte d'autonomie est classée en GIR 1 à 4 "
        "par l'équipe du Département.",
        "Il n'y a pas de condition de revenus : ils servent à calculer la part qui reste à payer.",
        "Prochaine étape : demandez le dossier au Département, au 3994.",
        "Pour en savoir plus :\n- L'APA sur service-public.fr : "
        "https://www.service-public.fr/particuliers/vosdroits/F10009",
    ]
)
# What each sender said last: the recap's /affirm confirms, an /affirm elsewhere is a plain choice.
LAST_SAID: dict[str, str] = {}


def callback_step(text: str, previous: str) -> dict[str, object] | None:
    """The callback script's answer to `text`, or None when `text` is not part of it."""
    if "rappel" in text.lower():
        question = "Acceptez-vous que nous gardions votre nom et votre numéro ?"
        return {"text": question, "buttons": CONSENT}
    if text == "/consent":
        return {"text": "Quel est votre nom ?"}
    if previous == "/consent":
        return {"text": "Quand préférez-vous être rappelé ?", "buttons": SLOTS}
    if text.startswith("/slot_"):
        recap = f"Je récapitule : nom {previous or '?'}, rappel {text[6:]}. Est-ce correct ?"
        return {"text": recap, "buttons": RECAP}
    if text == "/affirm" and previous.startswith("/slot_"):
        return {
            "text": f"C’est noté. Votre référence : {REFERENCE}. Pour toute question, "
            "appelez le 3994 ou le 01 45 00 00 00 (un numéro d'exemple : 01 99 00 12 34)."
        }
    return None


async def respond(message: UserMessage) -> None:
    """The script: what the widget must cope with, keyed on the citizen's message. Answers go
    through `send_response`, as Rasa's own answers do."""
    out, sender = message.output_channel, message.sender_id
    await asyncio.sleep(ANSWER_DELAY_S)
    text = message.text or ""
    previous = LAST_SAID.get(sender, "")
    LAST_SAID[sender] = text
    step = callback_step(text, previous)
    if step is not None:
        await out.send_response(sender, step)
    elif text == "/ask_human":
        await out.send_response(
            sender, {"text": "Voulez-vous qu’un conseiller vous rappelle ?", "buttons": YES_NO}
        )
    elif "fiche" in text.lower():  # a fiche answer, offered for rating as actions/inbox.py does
        token = answers().record_answer("socketio", "apa_montant", text, "apa", "apa_montant", 0.9)
        await out.send_response(sender, {"text": "L’APA dépend de vos revenus."})
        await out.send_response(sender, {"custom": {"feedback": {"answer": token}}})
        await out.send_response(
            sender, {"text": "Avez-vous une autre question ?", "buttons": YES_NO}
        )
    elif text.startswith("/"):
        await out.send_response(sender, {"text": f"Choix reçu : {text}"})
    elif "détaillée" in text.lower():  # "fiche" is the rated answer above
        await out.send_response(sender, {"text": FICHE})
    elif "longue" in text.lower():
        lines = [f"Ligne {number} d’une réponse plus haute que la fenêtre." for number in range(40)]
        await out.send_response(sender, {"text": "\n".join(lines)})
    elif "html" in text.lower():
        await out.send_response(
            sender,
            {
                "text": 'Voici <img src="x" onerror="window.__xss = 1"> du <b>HTML</b> et un '
                "[lien officiel](https://www.service-public.fr/particuliers/vosdroits/F10009) "
                "javascript:alert(1)"
            },
        )
    else:
        await out.send_response(sender, {"text": f"Vous avez écrit : {text}"})
        await out.send_response(
            sender, {"text": "Puis-je vous aider pour autre chose ?", "buttons": YES_NO}
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = Sanic("scripted_rasa")
    CORS(app, resources={r"/*": {"origins": "*"}})
    app.blueprint(WebSocketIOInput(session_persistence=True).blueprint(respond))
    app.run(host="127.0.0.1", port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
