"""The callback form: consent, name, phone, commune, slot, then a confirmed summary → a ticket."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import record
from actions.inbox import collect_callback_after_answer
from actions.replies import send_fiche
from actions.tracker import (
    caller_number,
    channel_of,
    idempotency_key,
    is_phone,
    latest_intent,
    ranking,
    responses_before_latest_message,
    turns,
)
from bot.callback import (
    OUTSIDE_DEPARTEMENT,
    Moment,
    case_for_answer,
    case_messages,
    case_reason,
    conversation_details,
    find_name,
    is_question,
    match_moment,
    named_field,
    outside_departement,
    read_details,
    read_form_turn,
    to_moments,
    wants_to_cancel,
)
from bot.communes import resolve_commune, suggest_communes
from bot.conversation import citizen_texts, collect_entities, transcript
from bot.hours import CallbackSlot, format_date_fr, format_time_fr
from bot.knowledge import get_knowledge_base
from bot.routing import TOPIC_LABELS, topic_of
from bot.services import get_opening_hours, get_store
from bot.settings import get_settings
from bot.text import digit_pairs, yes_no
from bot.tickets import TicketDraft
from bot.tickets.models import InteractionOutcome
from bot.urgency import assess_priority
from bot.validators import clean_name, format_phone, normalise_phone, phone_digit_pairs

FORM_SLOTS = ("consent", "citizen_name", "phone", "commune", "callback_slot", "ticket_confirmed")
# Below this, a topic intent read in an answer to the form is not taken for a question.
QUESTION_CONFIDENCE = 0.5
# Whose case it is when the citizen did not say; the name or commune when the form gave up.
UNSAID = "non précisé"
# Answers not understood after which the form stops asking a field and leaves it to the agent
# (a misheard commune on a bad phone line would otherwise be asked for ever), with the label
# the agent reads in the ticket's reason, next to what was heard.
MAX_MISSES = 2
LEFT_TO_AGENT = {"citizen_name": "Nom", "commune": "Commune"}
# Such a field in the summary read to the citizen.
TO_CHECK = "à vérifier par le conseiller"


def yes_or_no(tracker: Tracker, value: Any) -> bool | None:
    """The words decide (bot.text.yes_no); when they do not, a confident affirm or deny does."""
    answer = yes_no(str(value or ""))
    if answer is not None:
        return answer
    intent, confidence = latest_intent(tracker)
    if intent == "affirm" and (confidence or 0) > 0.5:
        return True
    if intent == "deny" and (confidence or 0) > 0.5:
        return False
    return None


def cancelled(tracker: Tracker) -> bool:
    """The citizen asked to stop ("annuler", the cancel button) while the form was open.

    Handled here rather than by a rule: the form reads free text, so it would take "annuler" as
    the answer to its question.
    """
    intent, confidence = latest_intent(tracker)
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return intent == "cancel"
    return (intent == "cancel" and (confidence or 0) >= 0.7) or wants_to_cancel(text)


def phone_display(e164: str, phone: bool) -> str:
    return ", ".join(phone_digit_pairs(e164)) if phone else format_phone(e164)


def offered_slots() -> list[CallbackSlot]:
    return get_opening_hours().callback_slots(datetime.now(timezone.utc), count=4)


def moments() -> list[Moment]:
    return to_moments(offered_slots(), get_opening_hours().tz)


def slot_for(words: str) -> str | None:
    """The id of the offered slot the citizen's words designate."""
    today = datetime.now(get_opening_hours().tz)
    moment = match_moment(words, moments(), today)
    return moment.id if moment else None


def canonical(name: str, value: Any) -> Any:
    """A field's stored form, or None when the value is not valid for it."""
    text = str(value or "")
    if name == "citizen_name":
        return clean_name(text)
    if name == "phone":
        return normalise_phone(text)
    if name == "commune":
        if text == OUTSIDE_DEPARTEMENT:
            return OUTSIDE_DEPARTEMENT
        return resolve_commune(text)
    if name == "callback_slot":
        return slot_for(text)
    return value


def topic_question(tracker: Tracker) -> str | None:
    """The topic intent of the latest message when the NLU is confident of its topic.

    The confidence is the topic's, summed over its intents (as the topic fallback judges it): with
    nearly a hundred fiches, a clear RSA message may spread over several RSA intents.
    """
    ranked = ranking(tracker.latest_message)
    if not ranked:
        return None
    name = ranked[0][0]
    topic = topic_of(name)
    if topic and sum(c for n, c in ranked if topic_of(n) == topic) >= QUESTION_CONFIDENCE:
        return name
    return None


def misheard_fields(tracker: Tracker) -> dict[str, list[str]]:
    """The answers to the name or commune questions not understood, by field."""
    value = tracker.get_slot("misheard")
    if not isinstance(value, dict):
        return {}
    return {str(k): [str(h) for h in v] for k, v in value.items() if isinstance(v, list)}


def case_for_needed(tracker: Tracker) -> bool:
    """Whose case it is matters for the APA (usually a parent's) when the citizen did not say."""
    return (
        tracker.get_slot("topic") == "apa"
        and not tracker.get_slot("concerned_person")
        and tracker.get_slot("case_for") is None
    )


class ValidateCallbackForm(FormValidationAction):
    """Reads each message of the form with the core (bot.callback): a message may answer the
    question, give other fields, correct one, or ask a question of its own."""

    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict,
    ) -> list[str]:
        if tracker.get_slot("consent") is False or cancelled(tracker):
            return []  # refused or cancelled: nothing more is asked, nothing is stored
        if tracker.get_slot("ticket_reference"):
            return ["ticket_addition"]
        slots = [slot for slot in domain_slots if slot != "ticket_addition"]
        if tracker.get_slot("case_for") is None and not case_for_needed(tracker):
            slots.remove("case_for")
        return slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[Any]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            return self._prefill(tracker)
        text = tracker.latest_message.get("text") or ""
        if cancelled(tracker) or requested == "ticket_addition":
            return await super().get_validation_events(dispatcher, tracker, domain)
        if requested == "case_for" and not text.startswith("/"):
            return self._case_for(dispatcher, tracker, text)
        if text.startswith("/"):
            return await super().get_validation_events(dispatcher, tracker, domain)
        if requested == "consent":
            digression = self._digression(dispatcher, tracker, text, requested)
            if digression is not None:
                return [*digression, SlotSet(requested, None)]
            events = await super().get_validation_events(dispatcher, tracker, domain)
            if tracker.get_slot("consent") is True:  # "oui, c'est le 06…": the rest counts too
                events += self._other_fields(tracker, text)
            return events
        return self._free_text(dispatcher, tracker, text, requested)

    @staticmethod
    def _other_fields(tracker: Tracker, text: str, expected: str | None = None) -> list[Any]:
        """Fields a message gives besides the answer asked for, for fields still empty."""
        events = []
        for name, value in read_details(text, expected).fields().items():
            stored = canonical(name, value)
            if stored is not None and tracker.get_slot(name) is None:
                events.append(SlotSet(name, stored))
        return events

    # --- the form opens: what the conversation already said ----------------------------

    def _prefill(self, tracker: Tracker) -> list[Any]:
        conversation = turns(tracker)
        found = conversation_details(citizen_texts(conversation))
        fields = found.fields()
        caller = caller_number(tracker)
        if caller and "phone" not in fields:
            fields["phone"] = caller
        events = []
        for name, value in fields.items():
            if tracker.get_slot(name) is None:
                stored = canonical(name, value)
                if stored is not None:
                    events.append(SlotSet(name, stored))
        if found.concerned_person and not tracker.get_slot("concerned_person"):
            events.append(SlotSet("concerned_person", found.concerned_person))
        elif found.own_case and tracker.get_slot("case_for") is None:
            events.append(SlotSet("case_for", "moi"))
        if tracker.get_slot("case_messages") is None:
            events.append(
                SlotSet("case_messages", case_messages(conversation, tracker.get_slot("topic")))
            )
        if tracker.get_slot("ticket_reference"):
            events.append(SlotSet("ticket_addition", None))
        intent, _ = latest_intent(tracker)
        if intent == "nlu_fallback" and tracker.get_slot("handoff_confidence") is None:
            # A callback after messages the assistant did not understand: say how unsure it was.
            best = ranking(tracker.latest_message)[:1]
            events.append(SlotSet("handoff_confidence", best[0][1] if best else 0.0))
        return events

    # --- a message typed or spoken in answer to a question -----------------------------

    def _case_for(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[Any]:
        """Whose case: a clear answer, a question, or something else (often the name): the
        form does not insist, the agent will ask."""
        answer = case_for_answer(text)
        if answer is not None:
            relative = None if answer == "moi" else answer
            return [SlotSet("case_for", answer), SlotSet("concerned_person", relative)]
        digression = self._digression(dispatcher, tracker, text, "case_for")
        if digression is not None:
            return [*digression, SlotSet("case_for", None)]
        return [SlotSet("case_for", UNSAID), *self._other_fields(tracker, text, "citizen_name")]

    def _digression(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str, requested: str
    ) -> list[Any] | None:
        """A question asked instead of a yes/no answer: answered, then the form asks again."""
        intent = topic_question(tracker)
        if yes_or_no(tracker, text) is not None or (
            requested == "case_for" and case_for_answer(text)
        ):
            return None
        if not (intent or is_question(text)):
            return None
        events = self._answer(dispatcher, tracker, intent, text)
        dispatcher.utter_message(response="utter_back_to_form")
        return events

    def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None, text: str
    ) -> list[Any]:
        fiche = get_knowledge_base().for_intent(intent) if intent else None
        if fiche is not None and not fiche.handoff:
            send_fiche(dispatcher, fiche, is_phone(tracker))
            return []
        # A question the fiches do not answer, or more about the case: for the agent.
        dispatcher.utter_message(response="utter_case_noted")
        return [SlotSet("case_messages", [*(tracker.get_slot("case_messages") or []), text])]

    def _free_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str, requested: str
    ) -> list[Any]:
        # A field left to the agent is still open: a clear value given later replaces it.
        filled = {
            name: None if tracker.get_slot(name) == UNSAID else tracker.get_slot(name)
            for name in FORM_SLOTS
        }
        turn = read_form_turn(text, requested, filled, topic_question(tracker) is not None)
        if turn.question:
            answered = self._answer(dispatcher, tracker, topic_question(tracker), text)
            noted = any(m.get("response") == "utter_case_noted" for m in dispatcher.messages)
            if noted and requested in LEFT_TO_AGENT:
                # No fiche answers it: often a misheard name or commune read as a question.
                value, misheard = self._missed(dispatcher, tracker, requested, text, remark=True)
                if value is None:
                    dispatcher.utter_message(response="utter_back_to_form")
                return [*answered, SlotSet("misheard", misheard), SlotSet(requested, value)]
            dispatcher.utter_message(response="utter_back_to_form")
            return [*answered, SlotSet(requested, None)]
        values: dict[str, Any] = {}
        for name, raw in turn.updates.items():
            stored = canonical(name, raw)
            if stored is not None:
                values[name] = stored
        events: list[Any] = []
        if turn.remark and requested not in values:
            events += self._answer(dispatcher, tracker, None, text)
        if values.get("commune") == OUTSIDE_DEPARTEMENT and (
            "utter_commune_outside" not in responses_before_latest_message(tracker)
        ):
            # First time: say who handles it; "hors département" again keeps the request.
            values.pop("commune")
            dispatcher.utter_message(
                response="utter_commune_outside",
                short_name=get_settings().short_name,
                buttons=[{"title": "Être rappelé quand même", "payload": "hors département"}],
            )
        if requested == "ticket_confirmed":
            if values:
                dispatcher.utter_message(response="utter_correction_done")
                values["ticket_confirmed"] = None
            elif yes_or_no(tracker, text) is True:
                values["ticket_confirmed"] = True
            else:
                wanted = named_field(text)
                if wanted:  # "modifier le nom": ask that field again
                    values[wanted] = None
                else:
                    dispatcher.utter_message(response="utter_what_to_change")
                values["ticket_confirmed"] = None
        elif requested not in values:
            # Nothing for the field asked: a remark, or an answer not understood (not another
            # field given, a correction, or "hors département" the first time).
            missed = not (turn.correction or values) and (turn.remark or not dispatcher.messages)
            if missed and requested in LEFT_TO_AGENT:
                values[requested], values["misheard"] = self._missed(
                    dispatcher, tracker, requested, text, turn.remark
                )
            else:
                if not (turn.remark or turn.correction or values or dispatcher.messages):
                    self._not_understood(dispatcher, requested, text)
                values[requested] = None
        if any(values.get(name) not in (None, UNSAID) for name in misheard_fields(tracker)):
            # A name or commune understood at last: what was misheard before is no longer needed.
            values["misheard"] = {
                name: heard
                for name, heard in misheard_fields(tracker).items()
                if values.get(name) in (None, UNSAID)
            } or None
        if turn.correction and requested != "ticket_confirmed":
            dispatcher.utter_message(response="utter_correction_done")
        return [*events, *(SlotSet(name, value) for name, value in values.items())]

    def _missed(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        requested: str,
        text: str,
        remark: bool,
    ) -> tuple[str | None, dict[str, list[str]]]:
        """An answer to the name or commune question not understood: asked again, then (after
        MAX_MISSES answers) left to the agent. What was heard is kept for the ticket's reason.

        Returns the field's value (None: asked again; UNSAID: the agent will ask) and the new
        `misheard` slot.
        """
        misheard = misheard_fields(tracker)
        heard = [*misheard.get(requested, []), text.strip()[:80]]
        misheard[requested] = heard
        if len(heard) >= MAX_MISSES:
            dispatcher.utter_message(response=f"utter_{requested}_left_to_agent")
            return UNSAID, misheard
        if not remark:
            self._not_understood(dispatcher, requested, text)
        return None, misheard

    @staticmethod
    def _not_understood(dispatcher: CollectingDispatcher, requested: str, text: str) -> None:
        if requested == "citizen_name":
            dispatcher.utter_message(response="utter_name_not_understood")
        elif requested == "phone":
            dispatcher.utter_message(response="utter_phone_invalid")
        elif requested == "callback_slot":
            dispatcher.utter_message(
                response="utter_slot_not_understood",
                buttons=[{"title": slot.label, "payload": slot.id} for slot in offered_slots()],
            )
        elif requested == "commune":
            settings = get_settings()
            suggestions = suggest_communes(text)
            buttons = [{"title": name, "payload": name} for name in suggestions]
            buttons.append(
                {"title": f"Hors du {settings.short_name}", "payload": "hors département"}
            )
            dispatcher.utter_message(
                response="utter_commune_suggestions" if suggestions else "utter_commune_unknown",
                commune_text=text.strip()[:60],
                short_name=settings.short_name,
                buttons=buttons,
            )

    # --- answers read by the per-slot methods (buttons, yes/no questions) --------------

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is True:
            return {"consent": True}
        answer = yes_or_no(tracker, value)
        if answer is None:
            dispatcher.utter_message(response="utter_consent_yes_no")
        return {"consent": answer}

    def validate_case_for(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        answer = case_for_answer(str(value or ""))
        if answer is None:  # the form asks again, with its buttons
            return {"case_for": None}
        relative = None if answer == "moi" else answer
        return {"case_for": answer, "concerned_person": relative}

    def validate_citizen_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        name = clean_name(str(value or "")) or find_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_name_not_understood")
        return {"citizen_name": name}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        caller = caller_number(tracker)
        if caller and yes_or_no(tracker, value) is True:
            return {"phone": caller}
        number = normalise_phone(str(value or ""))
        if number is None:
            dispatcher.utter_message(response="utter_phone_invalid")
        return {"phone": number}

    def validate_commune(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        commune = canonical("commune", value) or (
            OUTSIDE_DEPARTEMENT if outside_departement(str(value or "")) else None
        )
        if commune is None:
            self._not_understood(dispatcher, "commune", str(value or ""))
        return {"commune": commune}

    def validate_callback_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        slot_id = slot_for(str(value or ""))
        if slot_id is None:
            self._not_understood(dispatcher, "callback_slot", str(value or ""))
        return {"callback_slot": slot_id}

    def validate_ticket_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if yes_or_no(tracker, value) is True:
            return {"ticket_confirmed": True}
        wanted = named_field(str(value or ""))
        if wanted:
            return {wanted: None, "ticket_confirmed": None}
        dispatcher.utter_message(response="utter_what_to_change")
        return {"ticket_confirmed": None}

    def validate_ticket_addition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"ticket_addition": text or None}


class ActionAskConsent(Action):
    def name(self) -> str:
        return "action_ask_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(
            response="utter_ask_consent", retention_days=get_settings().retention_days
        )
        return []


class ActionAskPhone(Action):
    def name(self) -> str:
        return "action_ask_phone"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        caller = caller_number(tracker)
        if caller:
            dispatcher.utter_message(
                response="utter_ask_phone_caller",
                caller_display=phone_display(caller, is_phone(tracker)),
            )
        else:
            dispatcher.utter_message(response="utter_ask_phone")
        return []


class ActionAskCommune(Action):
    def name(self) -> str:
        return "action_ask_commune"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        relative = tracker.get_slot("concerned_person")
        if relative and tracker.get_slot("topic") == "apa":
            dispatcher.utter_message(response="utter_ask_commune_relative")
        else:
            dispatcher.utter_message(response="utter_ask_commune")
        return []


class ActionAskCallbackSlot(Action):
    def name(self) -> str:
        return "action_ask_callback_slot"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(
            response="utter_ask_callback_slot",
            buttons=[{"title": slot.label, "payload": slot.id} for slot in offered_slots()],
        )
        return []


def chosen_slot(tracker: Tracker) -> CallbackSlot | None:
    slot_id = tracker.get_slot("callback_slot")
    if not slot_id:
        return None
    try:
        return CallbackSlot.from_id(slot_id, get_opening_hours())
    except ValueError:
        return None


def subject_of(tracker: Tracker) -> str:
    """What the request is about, for the agent: the fiche's title, else the topic."""
    intent = tracker.get_slot("handoff_intent")
    fiche = get_knowledge_base().for_intent(intent) if intent else None
    if fiche is not None:
        return fiche.title
    topic = tracker.get_slot("topic")
    if topic in TOPIC_LABELS:
        return f"Demande de rappel — {TOPIC_LABELS[topic]}"
    return "Demande de rappel"


def reason_of(tracker: Tracker) -> str:
    messages = tracker.get_slot("case_messages")
    if messages is None:
        messages = case_messages(turns(tracker), tracker.get_slot("topic"))
    misheard = misheard_fields(tracker)
    to_check = {
        label: misheard[name]
        for name, label in LEFT_TO_AGENT.items()
        if name in misheard and tracker.get_slot(name) == UNSAID
    }
    heard = {h for answers in to_check.values() for h in answers}
    return case_reason(
        subject_of(tracker),
        [m for m in messages if m.strip()[:80] not in heard],  # quoted once, as heard
        tracker.get_slot("concerned_person"),
        tracker.get_slot("handoff_confidence"),
        to_check=to_check,
    )


def given(tracker: Tracker, name: str) -> str | None:
    """A field's value for the ticket: None when the form left it to the agent."""
    value = tracker.get_slot(name)
    return None if value == UNSAID else value


class ActionAskTicketConfirmed(Action):
    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        slot = chosen_slot(tracker)
        relative = tracker.get_slot("concerned_person")
        dispatcher.utter_message(
            response="utter_ask_ticket_confirmed",
            phone_display=phone_display(tracker.get_slot("phone"), is_phone(tracker)),
            slot_label=slot.label if slot else "dès que possible",
            reason=reason_of(tracker),
            concerned_line=f"\n- Personne concernée : {relative}" if relative else "",
            # Left to the agent: said plainly rather than "non précisé".
            citizen_name=given(tracker, "citizen_name") or TO_CHECK,
            commune=given(tracker, "commune") or TO_CHECK,
        )
        return []


def reset_form() -> list[Any]:
    return [
        SlotSet(name, None)
        for name in (
            *FORM_SLOTS,
            "case_for",
            "concerned_person",
            "case_messages",
            "ticket_addition",
            "handoff_intent",
            "handoff_confidence",
            "misheard",
        )
    ]


class ActionSubmitCallback(Action):
    def name(self) -> str:
        return "action_submit_callback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        settings = get_settings()
        if cancelled(tracker):
            dispatcher.utter_message(response="utter_cancelled")
            return reset_form()
        reference = tracker.get_slot("ticket_reference")
        addition = tracker.get_slot("ticket_addition")
        if reference and addition:
            get_store().add_to_reason(reference, addition)
            dispatcher.utter_message(response="utter_addition_saved")
            return reset_form()
        if tracker.get_slot("consent") is not True:
            dispatcher.utter_message(
                response="utter_no_consent",
                contact_phone=settings.contact_phone,
                hours=get_opening_hours().describe(),
            )
            return reset_form()
        draft = self._draft(tracker)
        receipt = get_store().create(draft)
        self._confirm(dispatcher, tracker, draft, receipt)
        record(
            tracker,
            topic=draft.topic,
            intent=draft.intent,
            fiche_id=draft.fiche_id,
            outcome=InteractionOutcome.CALLBACK,
            commune=draft.commune,
            ticket_reference=receipt.reference,
        )
        collect_callback_after_answer(tracker)
        return [*reset_form(), SlotSet("ticket_reference", receipt.reference)]

    @staticmethod
    def _draft(tracker: Tracker) -> TicketDraft:
        conversation = turns(tracker)
        intent = tracker.get_slot("handoff_intent")
        topic = tracker.get_slot("topic")
        fiche = get_knowledge_base().for_intent(intent) if intent else None
        texts = citizen_texts(conversation)
        entities = collect_entities(conversation)
        for name, values in conversation_details(texts).entities().items():
            entities[name] = [
                *entities.get(name, []),
                *(v for v in values if v not in entities.get(name, [])),
            ]
        return TicketDraft(
            idempotency_key=idempotency_key(tracker),
            channel=channel_of(tracker),
            topic=topic if topic in TOPIC_LABELS else topic_of(intent),
            intent=intent,
            confidence=tracker.get_slot("handoff_confidence"),
            fiche_id=fiche.id if fiche else None,
            entities=entities,
            # Left to the agent: no name or commune on the ticket (the reason says what was
            # heard), so the worklist and the statistics by commune do not count "non précisé".
            citizen_name=given(tracker, "citizen_name"),
            phone=tracker.get_slot("phone"),
            commune=given(tracker, "commune"),
            callback_slot=chosen_slot(tracker),
            consent_at=datetime.now(timezone.utc),
            reason=reason_of(tracker),
            transcript=transcript(conversation),
            priority=assess_priority(texts, intent),
        )

    @staticmethod
    def _confirm(
        dispatcher: CollectingDispatcher, tracker: Tracker, draft: TicketDraft, receipt: Any
    ) -> None:
        phone = is_phone(tracker)
        reference = " ".join(digit_pairs(receipt.reference)) if phone else receipt.reference
        urgent = (
            " Votre demande est marquée comme urgente." if draft.priority.value == "urgent" else ""
        )
        delayed = (
            ""
            if receipt.stored
            else " Notre système d'enregistrement est momentanément indisponible : votre demande "
            "est conservée et sera transmise aux conseillers dès son rétablissement."
        )
        dispatcher.utter_message(
            response="utter_callback_booked",
            reference=reference,
            phone_display=phone_display(draft.phone or "", phone),
            slot_label=draft.callback_slot.label if draft.callback_slot else "dès que possible",
            # One date format in the conversation: the slots' « lundi 30 novembre à 20 h ».
            due=f"{format_date_fr(receipt.due_at.date())} à {format_time_fr(receipt.due_at)}",
            urgent=urgent,
            delayed=delayed,
        )
