"""Answering: a fiche for a simple question, an orientation outside the topics, the hours."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.inbox import (
    collect,
    collect_doubtful_out_of_scope,
    offer_feedback,
)
from actions.replies import (
    fiche_buttons,
    send_anything_else,
    send_fiche,
    topic_buttons,
)
from actions.tracker import (
    channel_of,
    is_phone,
    last_user_parse,
    latest_entity,
    latest_intent,
    ranking,
)
from bot.catalogue import topics_sentence
from bot.context import follow_up_intent, question_intents
from bot.fiche_search import get_fiche_index, resolve
from bot.knowledge import Fiche, get_knowledge_base
from bot.orientation import orient
from bot.routing import TOPIC_LABELS, specific_intent, topic_of
from bot.services import get_opening_hours, get_store
from bot.settings import get_settings
from bot.tickets.models import InteractionOutcome

# Below this, a candidate intent is not worth proposing to the citizen.
CANDIDATE_MIN_CONFIDENCE = 0.1
# A second question at least this close to the first (as a share of its confidence) is offered.
RELATED = 0.5


def record(tracker: Tracker, **fields: Any) -> None:
    get_store().record_interaction(tracker.sender_id, channel_of(tracker), **fields)


def answerable(intent: str) -> bool:
    """A fiche answers this intent in the conversation (not a hand-off to an agent)."""
    fiche = get_knowledge_base().for_intent(intent)
    return fiche is not None and not fiche.handoff


def context_intent(tracker: Tracker) -> str | None:
    """The current topic's intent a follow-up without topic words means (bot/context.py)."""
    intent, _ = latest_intent(tracker)
    text = tracker.latest_message.get("text") or ""
    orientation = orient(text) if intent in ("out_of_scope", "nlu_fallback") else None
    return follow_up_intent(
        text,
        intent,
        ranking(tracker.latest_message),
        tracker.get_slot("topic"),
        tracker.get_slot("last_fiche"),
        answerable,
        elsewhere=orientation is not None and not orientation.generic,
    )


def answer_intent(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> list[Any]:
    text = tracker.latest_message.get("text") or ""
    intent, *second = question_intents(text, intent, tracker.get_slot("topic"), answerable)
    fiche = get_knowledge_base().for_intent(intent)
    if fiche is None:
        dispatcher.utter_message(response="utter_default")
        return []
    phone = is_phone(tracker)
    send_fiche(dispatcher, fiche, phone)
    offer_feedback(dispatcher, tracker, fiche, intent)
    other = get_knowledge_base().for_intent(second[0]) if second else None
    if other is not None:  # two questions in one message: both answers
        send_fiche(dispatcher, other, phone)
        offer_feedback(dispatcher, tracker, other, second[0])
    send_anything_else(dispatcher, phone, None if other else related_fiche(tracker, intent))
    record(
        tracker,
        topic=fiche.topic,
        intent=intent,
        fiche_id=fiche.id,
        outcome=InteractionOutcome.ANSWERED,
    )
    last = other or fiche
    return [
        SlotSet("fallback_count", 0),
        SlotSet("topic", last.topic),
        SlotSet("last_fiche", last.id),
    ]


def related_fiche(tracker: Tracker, intent: str) -> Fiche | None:
    """A second question of the same topic the NLU found almost as likely: offered as a link."""
    candidates = dict(ranking(tracker.latest_message))
    best = candidates.get(intent, 0.0)
    for name, confidence in candidates.items():
        if name != intent and topic_of(name) == topic_of(intent) and confidence >= RELATED * best:
            fiche = get_knowledge_base().for_intent(name)
            if fiche is not None and not fiche.handoff:
                return fiche
    return None


def start_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, topic: str | None
) -> list[Any]:
    """Explain what happens next for this case; the rules then open the callback form."""
    specific = specific_intent(intent, topic) or intent
    fiche = get_knowledge_base().for_intent(specific)
    if fiche is not None:
        send_fiche(dispatcher, fiche, is_phone(tracker))
    if not tracker.get_slot("ticket_reference"):
        dispatcher.utter_message(response="utter_handoff_intro")
    record(
        tracker, topic=topic_of(specific), intent=specific, outcome=InteractionOutcome.IN_PROGRESS
    )
    return [
        SlotSet("handoff_intent", specific),
        SlotSet("topic", topic_of(specific) or topic),
    ]


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        settings = get_settings()
        dispatcher.utter_message(
            text=(
                f"Bonjour, je suis l'assistant du {settings.name}. Je réponds aux questions sur "
                f"{topics_sentence()}, et je peux organiser le rappel par un conseiller. "
                "Quelle est votre question ?"
            ),
            buttons=topic_buttons(),
        )
        record(tracker, outcome=InteractionOutcome.IN_PROGRESS)
        return []


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        intent, _ = latest_intent(tracker)
        followed = context_intent(tracker)
        if followed:  # a follow-up read in the conversation's topic (bot.context)
            return answer_intent(dispatcher, tracker, followed)
        return answer_question(dispatcher, tracker, intent or "")


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> list[Any]:
    """The NLU unsure between fiches of one topic: the fiche search decides (bot.fiche_search)."""
    message = tracker.latest_message
    decision = resolve(
        message.get("text") or "", intent, ranking(message), get_knowledge_base(), get_fiche_index()
    )
    if decision.answer is not None:
        return answer_intent(dispatcher, tracker, decision.answer.intents[0])
    if not decision.choices:
        return answer_intent(dispatcher, tracker, intent)
    if is_phone(tracker):  # no list read aloud: the best guess, as before
        return answer_intent(dispatcher, tracker, intent)
    other = {"title": "Autre chose", "payload": "/deny"}
    dispatcher.utter_message(
        response="utter_choose_fiche", buttons=[*fiche_buttons(list(decision.choices)), other]
    )
    record(
        tracker,
        topic=decision.choices[0].topic,
        intent=intent,
        outcome=InteractionOutcome.IN_PROGRESS,
    )
    return [SlotSet("topic", decision.choices[0].topic)]


class ActionOrient(Action):
    """Outside the four topics: say who handles it; no ticket."""

    def name(self) -> str:
        return "action_orient"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        follow_up = context_intent(tracker)  # "quels papiers faut-il ?" after an APA answer
        if follow_up:
            return answer_intent(dispatcher, tracker, follow_up)
        collect_doubtful_out_of_scope(tracker)
        return orient_citizen(dispatcher, tracker)


def orient_citizen(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
    orientation = orient(tracker.latest_message.get("text") or "")
    text = orientation.answer
    if orientation.links and not is_phone(tracker):
        text += "\n" + "\n".join(f"- {link.label} : {link.url}" for link in orientation.links)
    dispatcher.utter_message(text=text)
    if not orientation.emergency:
        dispatcher.utter_message(
            text=f"Je peux vous aider pour {topics_sentence()}.",
            buttons=[] if is_phone(tracker) else topic_buttons(),
        )
    record(tracker, outcome=InteractionOutcome.ORIENTED)
    return [SlotSet("fallback_count", 0)]


class ActionBotChallenge(Action):
    """ "Vous êtes un robot ?": the assistant says what it is. The same reading, unsure, of a
    question of the conversation's topic ("c'est combien ?" after the canteen) is answered in
    the topic instead (bot.context)."""

    def name(self) -> str:
        return "action_bot_challenge"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        followed = context_intent(tracker)
        if followed:
            return answer_intent(dispatcher, tracker, followed)
        dispatcher.utter_message(response="utter_iamabot")
        return []


class ActionOpeningHours(Action):
    def name(self) -> str:
        return "action_opening_hours"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        settings, hours = get_settings(), get_opening_hours()
        now = datetime.now(timezone.utc)
        text = f"Nos conseillers répondent au {settings.contact_phone} {hours.describe()}."
        if hours.is_open(now):
            text += " Ils sont joignables en ce moment."
        else:
            slot = hours.callback_slots(now, count=1)[0]
            text += f" Prochaine ouverture : {slot.label}. Je peux aussi organiser un rappel."
        dispatcher.utter_message(text=text)
        send_anything_else(dispatcher, is_phone(tracker))
        return []


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(text="Merci de votre visite. Au revoir et bonne journée !")
        # Never lowers an answered or callback outcome (outcomes only move forward).
        record(tracker, outcome=InteractionOutcome.ABANDONED)
        return []


class ActionHandleFallback(Action):
    """An unclear message: one clarifying question, then a callback the second time."""

    def name(self) -> str:
        return "action_handle_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        follow_up = context_intent(tracker)
        if follow_up:  # unclear alone, clear in the conversation's topic
            return answer_intent(dispatcher, tracker, follow_up)
        candidates = ranking(tracker.latest_message)
        if candidates and candidates[0][0] == "out_of_scope":
            collect(tracker, "out_of_scope")
            return orient_citizen(dispatcher, tracker)
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        collect(tracker, "fallback" if count >= 2 else "clarification")
        if count >= 2:
            dispatcher.utter_message(
                text=(
                    "Je n'arrive pas à bien comprendre votre demande. Le plus simple est qu'un "
                    "conseiller vous rappelle."
                )
            )
            best = next((name for name, _ in candidates if topic_of(name)), None)
            return [
                SlotSet("fallback_count", 0),
                SlotSet("handoff_intent", best),
                SlotSet("topic", topic_of(best)),
                FollowupAction("callback_form"),
            ]
        self._clarify(dispatcher, tracker, candidates)
        record(tracker, outcome=InteractionOutcome.IN_PROGRESS)
        return [
            SlotSet("fallback_count", count),
            SlotSet("pending_question", tracker.latest_message.get("text")),
        ]

    @staticmethod
    def _clarify(
        dispatcher: CollectingDispatcher, tracker: Tracker, candidates: list[tuple[str, float]]
    ) -> None:
        kb = get_knowledge_base()
        found = (
            kb.for_intent(name)
            for name, confidence in candidates[:3]
            if topic_of(name) and confidence >= CANDIDATE_MIN_CONFIDENCE
        )
        likely = [fiche for fiche in found if fiche is not None]
        topics = {fiche.topic for fiche in likely}
        if len(topics) == 1 and not is_phone(tracker):
            dispatcher.utter_message(
                text="Je veux être sûr de bien comprendre. Votre question porte-t-elle sur :",
                buttons=[*fiche_buttons(likely), {"title": "Autre chose", "payload": "/deny"}],
            )
            return
        dispatcher.utter_message(
            text=(
                "Je n'ai pas bien compris. Votre question concerne-t-elle "
                f"{topics_sentence('ou')} ? Vous pouvez aussi reformuler."
            ),
            buttons=topic_buttons(),
        )


class ActionTopicChosen(Action):
    """The citizen named a topic outside a form: route the unclear question, or list the topic."""

    def name(self) -> str:
        return "action_topic_chosen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        topic = latest_entity(tracker, "topic") or tracker.get_slot("topic")
        if topic not in TOPIC_LABELS:
            dispatcher.utter_message(response="utter_ask_question")
            return []
        unclear = (
            last_user_parse(tracker, "nlu_fallback")
            if tracker.get_slot("pending_question")
            else None
        )
        best = next((name for name, _ in ranking(unclear or {}) if topic_of(name) == topic), None)
        events: list[Any] = [SlotSet("pending_question", None), SlotSet("topic", topic)]
        fiche = get_knowledge_base().for_intent(best) if best else None
        if best and fiche is not None and fiche.handoff:
            # "contester la décision" then "l'APA": a case for an agent, as if asked at once.
            confidence = dict(ranking(unclear or {})).get(best)
            return [
                *events,
                SlotSet("fallback_count", 0),
                SlotSet("handoff_confidence", confidence),  # the ticket shows how sure it was
                *start_handoff(dispatcher, tracker, best, topic),
                FollowupAction("callback_form"),
            ]
        if best:
            return events + answer_intent(dispatcher, tracker, best)
        fiches = [f for f in get_knowledge_base().by_topic(topic) if not f.handoff]
        dispatcher.utter_message(
            text=(
                f"Voici les questions fréquentes sur : {TOPIC_LABELS[topic]}. "
                "Vous pouvez aussi écrire la vôtre."
            ),
            buttons=fiche_buttons(fiches[:8]),
        )
        return events
