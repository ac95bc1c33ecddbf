"""The callback form: consent, name, phone, commune, slot, then a confirmed summary → a ticket."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import record
from actions.tracker import (
    caller_number,
    channel_of,
    idempotency_key,
    is_phone,
    latest_intent,
    turns,
)
from bot.communes import resolve_commune, suggest_communes
from bot.conversation import citizen_texts, collect_entities, summarise_reason, transcript
from bot.hours import CallbackSlot
from bot.knowledge import get_knowledge_base
from bot.routing import TOPIC_LABELS, fold, topic_of
from bot.services import get_opening_hours, get_store
from bot.settings import get_settings
from bot.tickets import TicketDraft
from bot.urgency import assess_priority
from bot.validators import clean_name, format_phone, normalise_phone, phone_digit_pairs

FORM_SLOTS = ("consent", "citizen_name", "phone", "commune", "callback_slot", "ticket_confirmed")
OUTSIDE_DEPARTEMENT = "Hors département"
# What "modifier …" in the summary refers to.
CORRECTIONS = {
    "nom": "citizen_name",
    "telephone": "phone",
    "numero": "phone",
    "commune": "commune",
    "ville": "commune",
    "creneau": "callback_slot",
    "horaire": "callback_slot",
    "moment": "callback_slot",
}
YES = {
    "oui",
    "o",
    "ok",
    "d'accord",
    "daccord",
    "j'accepte",
    "accepte",
    "oui j'accepte",
    "bien sur",
    "exact",
    "c'est correct",
    "correct",
    "confirmer",
    "je confirme",
}
NO = {"non", "n", "je refuse", "refuse", "non merci", "pas d'accord"}
ANY_TIME = (
    "peu importe",
    "n'importe",
    "nimporte",
    "le plus tot",
    "au plus tot",
    "quand vous voulez",
    "indifferent",
    "pas de preference",
)


def yes_or_no(tracker: Tracker, value: Any) -> bool | None:
    intent, confidence = latest_intent(tracker)
    text = fold(str(value or "")).strip(" .!")
    if text in YES or (intent == "affirm" and (confidence or 0) > 0.5):
        return True
    if text in NO or (intent == "deny" and (confidence or 0) > 0.5):
        return False
    return None


def cancelled(tracker: Tracker) -> bool:
    """The citizen asked to stop ("annuler", the cancel button) while the form was open.

    Handled here rather than by a rule: the form reads free text, so it would take "annuler" as
    the answer to its question.
    """
    intent, confidence = latest_intent(tracker)
    return intent == "cancel" and (confidence or 0) >= 0.7


def phone_display(e164: str, phone: bool) -> str:
    return ", ".join(phone_digit_pairs(e164)) if phone else format_phone(e164)


def offered_slots() -> list[CallbackSlot]:
    return get_opening_hours().callback_slots(datetime.now(timezone.utc), count=4)


def match_slot(value: str, slots: list[CallbackSlot]) -> CallbackSlot | None:
    text = fold(value).strip()
    for slot in slots:
        if text == slot.id.lower() or text == fold(slot.label):
            return slot
    if any(words in text for words in ANY_TIME) or text in {"1"}:
        return slots[0] if slots else None
    if text.isdigit() and 1 <= int(text) <= len(slots):  # "2" on the phone keypad
        return slots[int(text) - 1]
    scored = []
    for slot in slots:
        label = fold(slot.label)
        words = [w for w in text.replace("-", " ").split() if len(w) > 2]
        score = sum(1 for w in words if w in label)
        if "matin" in text and slot.start.astimezone(get_opening_hours().tz).hour < 12:
            score += 1
        if "apres" in text and slot.start.astimezone(get_opening_hours().tz).hour >= 12:
            score += 1
        scored.append((score, slot))
    best = max(scored, key=lambda item: item[0], default=(0, None))
    return best[1] if best[0] > 0 else None


class ValidateCallbackForm(FormValidationAction):
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
        return domain_slots

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        answer = yes_or_no(tracker, value)
        if answer is None:
            dispatcher.utter_message(
                text="Répondez simplement par oui ou par non, s'il vous plaît."
            )
        return {"consent": answer}

    def validate_citizen_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        name = clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(
                text=(
                    "Je n'ai pas compris le nom. Écrivez-le simplement, "
                    "par exemple « Marie Dupont »."
                ),
            )
        return {"citizen_name": name}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        caller = caller_number(tracker)
        if caller and yes_or_no(tracker, value) is True:
            return {"phone": caller}
        number = normalise_phone(str(value or ""))
        if number is None:
            dispatcher.utter_message(
                text=(
                    "Ce numéro ne semble pas valide. Donnez un numéro français à 10 chiffres, "
                    "par exemple 06 12 34 56 78."
                )
            )
        return {"phone": number}

    def validate_commune(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if fold(text).strip() in {fold(OUTSIDE_DEPARTEMENT), "hors departement", "ailleurs"}:
            return {"commune": OUTSIDE_DEPARTEMENT}
        commune = resolve_commune(text)
        if commune:
            return {"commune": commune}
        settings = get_settings()
        suggestions = suggest_communes(text)
        buttons = [{"title": name, "payload": name} for name in suggestions]
        buttons.append(
            {"title": f"J'habite hors du {settings.short_name}", "payload": OUTSIDE_DEPARTEMENT}
        )
        text = (
            f"Je ne trouve pas « {text.strip()[:60]} » parmi les communes du {settings.short_name}."
        )
        if suggestions:
            text += " Vouliez-vous dire l'une de celles-ci ?"
        dispatcher.utter_message(text=text, buttons=buttons)
        return {"commune": None}

    def validate_callback_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        slot = match_slot(str(value or ""), offered_slots())
        if slot is None:
            dispatcher.utter_message(
                text="Je n'ai pas compris le moment choisi. Choisissez l'un des créneaux proposés."
            )
            return {"callback_slot": None}
        return {"callback_slot": slot.id}

    def validate_ticket_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = fold(str(value or ""))
        if "modif" in text or "corrig" in text or "chang" in text:
            for word, slot in CORRECTIONS.items():
                if word in text:
                    return {slot: None, "ticket_confirmed": None}
        answer = yes_or_no(tracker, value)
        if answer is True:
            return {"ticket_confirmed": True}
        dispatcher.utter_message(
            text="Que souhaitez-vous modifier ? Vous pouvez aussi annuler la demande."
        )
        return {"ticket_confirmed": None}


class ActionAskConsent(Action):
    def name(self) -> str:
        return "action_ask_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        days = get_settings().retention_days
        dispatcher.utter_message(
            text=(
                "Pour vous rappeler, j'ai besoin de votre nom, de votre numéro de téléphone et de "
                "votre commune. Ils servent uniquement à traiter votre demande et sont effacés "
                f"{days} jours après sa clôture. Acceptez-vous d'être rappelé et que ces "
                "informations soient enregistrées ?"
            ),
            buttons=[
                {"title": "Oui, j'accepte", "payload": "/affirm"},
                {"title": "Non", "payload": "/deny"},
            ],
        )
        return []


class ActionAskCitizenName(Action):
    def name(self) -> str:
        return "action_ask_citizen_name"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(text="Quel est le nom de la personne à rappeler ?")
        return []


class ActionAskPhone(Action):
    def name(self) -> str:
        return "action_ask_phone"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        caller = caller_number(tracker)
        if caller and normalise_phone(caller):
            dispatcher.utter_message(
                text=f"Pouvons-nous vous rappeler au {phone_display(caller, is_phone(tracker))} ? "
                "Dites oui, ou donnez un autre numéro.",
                buttons=[{"title": "oui", "payload": "/affirm"}],
            )
        else:
            dispatcher.utter_message(text="À quel numéro de téléphone pouvons-nous vous rappeler ?")
        return []


class ActionAskCommune(Action):
    def name(self) -> str:
        return "action_ask_commune"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        dispatcher.utter_message(text="Dans quelle commune habitez-vous ?")
        return []


class ActionAskCallbackSlot(Action):
    def name(self) -> str:
        return "action_ask_callback_slot"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        slots = offered_slots()
        dispatcher.utter_message(
            text="Quand préférez-vous être rappelé ?",
            buttons=[{"title": slot.label, "payload": slot.id} for slot in slots],
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


def reason_of(tracker: Tracker) -> str:
    intent = tracker.get_slot("handoff_intent")
    fiche = get_knowledge_base().for_intent(intent) if intent else None
    topic_intents = set(get_knowledge_base().intents()) | {
        "file_status",
        "payment_issue",
        "contest_decision",
        "nlu_fallback",
    }
    return summarise_reason(fiche.title if fiche else None, turns(tracker), topic_intents)


class ActionAskTicketConfirmed(Action):
    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        phone = is_phone(tracker)
        slot = chosen_slot(tracker)
        lines = [
            "Je récapitule votre demande de rappel :",
            f"- Nom : {tracker.get_slot('citizen_name')}",
            f"- Téléphone : {phone_display(tracker.get_slot('phone'), phone)}",
            f"- Commune : {tracker.get_slot('commune')}",
            f"- Rappel souhaité : {slot.label if slot else 'dès que possible'}",
            f"- Motif : {reason_of(tracker)}",
            "Est-ce correct ?",
        ]
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[
                {"title": "Oui, je confirme", "payload": "/affirm"},
                {"title": "Modifier le nom", "payload": "modifier le nom"},
                {"title": "Modifier le téléphone", "payload": "modifier le téléphone"},
                {"title": "Modifier la commune", "payload": "modifier la commune"},
                {"title": "Modifier le créneau", "payload": "modifier le créneau"},
                {"title": "Annuler la demande", "payload": "/cancel"},
            ],
        )
        return []


def reset_form() -> list[Any]:
    return [SlotSet(name, None) for name in (*FORM_SLOTS, "handoff_intent", "handoff_confidence")]


class ActionSubmitCallback(Action):
    def name(self) -> str:
        return "action_submit_callback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        settings = get_settings()
        if cancelled(tracker):
            dispatcher.utter_message(response="utter_cancelled")
            return reset_form()
        if tracker.get_slot("consent") is not True:
            dispatcher.utter_message(
                text=(
                    "Sans votre accord, je ne peux pas enregistrer de demande de rappel, "
                    "et rien n'a "
                    f"été conservé. Vous pouvez appeler le {settings.contact_phone} "
                    f"{get_opening_hours().describe()}."
                )
            )
            return reset_form()
        draft = self._draft(tracker)
        receipt = get_store().create(draft)
        dispatcher.utter_message(text=self._confirmation(tracker, draft, receipt))
        record(
            tracker,
            topic=draft.topic,
            intent=draft.intent,
            fiche_id=draft.fiche_id,
            outcome="callback",
            commune=draft.commune,
            ticket_reference=receipt.reference,
        )
        return [*reset_form(), SlotSet("ticket_reference", receipt.reference)]

    @staticmethod
    def _draft(tracker: Tracker) -> TicketDraft:
        conversation = turns(tracker)
        intent = tracker.get_slot("handoff_intent")
        topic = tracker.get_slot("topic")
        fiche = get_knowledge_base().for_intent(intent) if intent else None
        commune = tracker.get_slot("commune")
        return TicketDraft(
            idempotency_key=idempotency_key(tracker),
            channel=channel_of(tracker),
            topic=topic if topic in TOPIC_LABELS else topic_of(intent),
            intent=intent,
            confidence=tracker.get_slot("handoff_confidence"),
            fiche_id=fiche.id if fiche else None,
            entities=collect_entities(conversation),
            citizen_name=tracker.get_slot("citizen_name"),
            phone=tracker.get_slot("phone"),
            commune=commune,
            callback_slot=chosen_slot(tracker),
            consent_at=datetime.now(timezone.utc),
            reason=reason_of(tracker),
            transcript=transcript(conversation),
            priority=assess_priority(citizen_texts(conversation), intent),
        )

    @staticmethod
    def _confirmation(tracker: Tracker, draft: TicketDraft, receipt: Any) -> str:
        phone = is_phone(tracker)
        reference = (
            " ".join(receipt.reference.replace("-", "")[i : i + 2] for i in range(0, 12, 2))
            if phone
            else receipt.reference
        )
        when = draft.callback_slot.label if draft.callback_slot else "dès que possible"
        text = (
            f"C'est noté. Votre demande porte la référence {reference}. "
            f"Un conseiller vous rappellera au {phone_display(draft.phone or '', phone)}, "
            f"de préférence {when}, et au plus tard le "
            f"{receipt.due_at.strftime('%d/%m/%Y à %H h %M')}."
        )
        if draft.priority.value == "urgent":
            text += " Votre demande est marquée comme urgente."
        if not receipt.stored:
            text += (
                " Notre système d'enregistrement est momentanément indisponible : "
                "votre demande est "
                "conservée et sera transmise aux conseillers dès son rétablissement."
            )
        return text
