"""What the action server gives the information team: answers offered for rating, and the
messages it did not handle well (bot/inbox). Best effort: the citizen's conversation never
waits on, nor fails because of, the inbox."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker import channel_of, is_phone, latest_intent, turns
from bot.conversation import CITIZEN
from bot.inbox.store import InboxStore
from bot.knowledge import Fiche, get_knowledge_base
from bot.services import get_store

log = logging.getLogger(__name__)
# An out-of-scope reading below this is worth an officer's look: it may be a missed question.
OUT_OF_SCOPE_DOUBT = 0.6
FEEDBACK_KEY = "feedback"


def inbox_store() -> InboxStore:
    """On the tickets' engine (schema already upgraded); cheap: no connection is made here."""
    return InboxStore(get_store().engine)


def _context(tracker: Tracker) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.text) for turn in turns(tracker)]


def collect(tracker: Tracker, reason: str) -> None:
    """The citizen's latest message goes to the inbox (masked there), with its prediction."""
    intent, confidence = latest_intent(tracker)
    try:
        inbox_store().add_item(
            reason,
            channel_of(tracker),
            tracker.latest_message.get("text") or "",
            intent=intent,
            confidence=confidence,
            context=_context(tracker),
        )
    except Exception:  # never break the conversation for the inbox
        log.exception("inbox item not collected")


def collect_doubtful_out_of_scope(tracker: Tracker) -> None:
    intent, confidence = latest_intent(tracker)
    if intent in ("out_of_scope", "nlu_fallback") and (confidence or 0.0) < OUT_OF_SCOPE_DOUBT:
        collect(tracker, "out_of_scope")


def offer_feedback(
    dispatcher: CollectingDispatcher, tracker: Tracker, fiche: Fiche, intent: str
) -> None:
    """Under a fiche answer in the chat, the widget asks « Cette réponse vous a-t-elle aidé ? »;
    it knows the answer only by a random token. Nothing is asked on the phone."""
    if is_phone(tracker):
        return
    _, confidence = latest_intent(tracker)
    try:
        token = inbox_store().record_answer(
            channel_of(tracker),
            fiche.id,
            question_asked(tracker),
            topic=fiche.topic,
            intent=intent,
            confidence=confidence,
            context=_context(tracker),
        )
    except Exception:
        log.exception("answer not recorded for feedback")
        return
    if token:
        dispatcher.utter_message(json_message={FEEDBACK_KEY: {"answer": token}})


def question_asked(tracker: Tracker) -> str:
    """The citizen's own words the answer follows: after a button (a payload such as
    "/apa_amount"), the last sentence they typed, not the payload."""
    text = tracker.latest_message.get("text") or ""
    if not text.startswith("/"):
        return text
    typed = [t.text for t in turns(tracker) if t.speaker == CITIZEN]
    typed = [t for t in typed if not t.startswith(("/", "[bouton]"))]
    return typed[-1] if typed else ""


def collect_callback_after_answer(tracker: Tracker) -> None:
    """A callback requested after a fiche answer: the answered question goes to the inbox."""
    if not tracker.get_slot("last_fiche"):
        return
    conversation = turns(tracker)
    kb = get_knowledge_base()
    for index in range(len(conversation) - 1, -1, -1):
        turn = conversation[index]
        if turn.speaker != CITIZEN or not turn.intent or not kb.for_intent(turn.intent):
            continue
        if turn.text.startswith("[bouton]"):
            continue
        around = conversation[max(0, index - 2) : index + 4]
        try:
            inbox_store().add_item(
                "callback_after_answer",
                channel_of(tracker),
                turn.text,
                intent=turn.intent,
                confidence=turn.confidence,
                fiche_id=tracker.get_slot("last_fiche"),
                context=[(t.speaker, t.text) for t in around],
            )
        except Exception:
            log.exception("inbox item not collected")
        return
