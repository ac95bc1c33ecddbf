"""The assistant's own facts (callback delays, who the département is, personal data), from the
département's configuration: the values that fill the `utter_fact_*` responses of
bot/domain/facts.yml, so another département's file changes the answers without touching them."""

from __future__ import annotations

from bot.hours import OpeningHours
from bot.settings import Settings

# General intents answered by `action_assistant_fact`, each with its response.
FACT_RESPONSES: dict[str, str] = {
    "callback_info": "utter_fact_callback_info",
    "about_departement": "utter_fact_about_departement",
    "personal_data": "utter_fact_personal_data",
}


def fact_values(settings: Settings) -> dict[str, str]:
    """Every variable the fact responses use, as French text."""
    return {
        "departement_name": settings.name,
        "contact_phone": settings.contact_phone,
        "website": settings.website,
        "hours": OpeningHours(settings).describe(),
        "deadline_hours": str(settings.deadline_working_hours),
        "urgent_hours": str(settings.urgent_deadline_working_hours),
        "attempts": str(settings.max_failed_attempts),
        "retention_days": str(settings.retention_days),
        "conversation_hours": str(settings.conversation_retention_hours),
        "privacy_contact": settings.privacy_contact or f"le {settings.name}",
    }


def response_for(intent: str | None) -> str | None:
    return FACT_RESPONSES.get(intent or "")
