"""The phone line: the voice gateway posts recognised text here, with the caller's number.

POST /webhooks/phone/webhook {"sender": call id, "message": text,
                              "metadata": {"caller_number": "+33…"}}
"""

from __future__ import annotations

from rasa.core.channels.rest import RestInput

from channels.guard import guarded


class PhoneInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "phone"

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return super().blueprint(guarded(on_new_message))
