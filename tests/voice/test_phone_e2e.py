"""The phone line end to end: a client playing Asterisk, the gateway, the real assistant
(Rasa model, action server, database) started by the `assistant_stack` fixture.

The caller's questions are French speech synthesised by Kokoro (tests/voice/caller_speech.py)
and recognised by Whisper base in the gateway. The answers are checked on the text the gateway
gave to its speech synthesiser, plus the audio bytes that came back over AudioSocket (audible,
as long as that text takes to say): the answer's voice is espeak-ng/MBROLA, which Whisper base
transcribes too poorly (word error rate 0.4 to above 1) for a test to read a price back from it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.db import make_engine, session_factory
from bot.hours import OpeningHours
from bot.knowledge import get_knowledge_base
from bot.settings import get_settings
from bot.speech_text import speakable, split_sentences
from bot.text import fold
from bot.tickets import Ticket
from tests.voice.caller_speech import say
from tests.voice.helpers import gateway_config, running_gateway, wait_until
from voice.asterisk_client import PhoneCall
from voice.tts import is_audible

pytestmark = [pytest.mark.stack, pytest.mark.slow]
CALLER = "+33612345678"


def tickets(stack) -> list[Ticket]:
    engine = make_engine(stack.database_url)
    with session_factory(engine)() as session:
        rows = list(session.execute(select(Ticket)).scalars())
    engine.dispose()
    return rows


class Caller:
    """One call: acts, then waits for the assistant's whole spoken answer."""

    def __init__(self, gateway, call: PhoneCall) -> None:
        self.gateway, self.call = gateway, call

    @property
    def session(self):
        return self.gateway.calls[self.call.call_id]

    async def turn(self, act: Callable[[], Awaitable[float]]) -> str:
        said_before = len(self.session.metrics.said)
        moment = await act()
        await self.call.answer(after=moment, quiet=2.0, timeout=120)
        return " ".join(self.session.metrics.said[said_before:])

    async def speak(self, text: str) -> str:
        return await self.turn(lambda: self.call.speak(say(text)))

    async def press(self, keys: str) -> str:
        async def act() -> float:
            await self.call.press(keys, gap=0.05)
            return time.monotonic()

        return await self.turn(act)

    def key_for(self, word: str) -> str:
        for choice in self.session.choices:
            if word in fold(choice.title):
                return choice.digit
        raise AssertionError(f"no choice {word!r} in {self.session.choices}")


async def _start(stack, config, whisper, synthesizer, body):
    async with running_gateway(
        gateway_config(config, rasa_url=stack.rasa_url, no_input_timeout=15.0),
        whisper,
        synthesizer,
    ) as gateway:
        call = PhoneCall("127.0.0.1", gateway.audiosocket_port)
        await call.register_caller(f"http://127.0.0.1:{gateway.http_port}", CALLER)
        await call.connect()
        caller = Caller(gateway, call)
        await wait_until(lambda: call.call_id in gateway.calls)
        await call.answer(after=0, quiet=2.0, timeout=120)
        try:
            await body(gateway, caller)
        finally:
            await call.close()


def test_a_price_question_by_voice_is_answered_aloud(
    assistant_stack, voice_config, whisper, synthesizer
):
    spoken = speakable(get_knowledge_base().get("imagine_r_price").spoken)

    async def body(gateway, caller: Caller) -> None:
        start = len(caller.session.metrics.said)
        end = await caller.call.speak(say("combien coûte la carte imagine R ?"))
        audio = await caller.call.answer(after=end, quiet=2.0, timeout=120)
        said = " ".join(caller.session.metrics.said[start:])
        assert "trois cent quatre-vingt-douze euros trente" in said, caller.session.metrics.heard
        assert spoken.split(". ")[0] in said
        # The audio that came back is that text said aloud, in full.
        expected = sum(synthesizer.synthesize(s).duration for s in split_sentences(said))
        assert is_audible(audio)
        assert abs(audio.duration - expected) < 0.1 * expected + 0.5

    asyncio.run(_start(assistant_stack, voice_config, whisper, synthesizer, body))


def test_a_complex_case_by_voice_ends_with_a_phone_ticket(
    assistant_stack, voice_config, whisper, synthesizer
):
    earlier = {ticket.reference for ticket in tickets(assistant_stack)}  # other tests' tickets

    async def body(gateway, caller: Caller) -> None:
        said = await caller.speak("je veux contester la décision pour l'APA de ma mère")
        for _ in range(12):
            print("assistant:", said, "| heard:", caller.session.metrics.heard[-1:])
            folded = fold(said)
            if "reference" in folded:
                break
            # Consent, then the caller's own number, proposed by the assistant.
            if "acceptez vous" in folded or "rappeler au zero six" in folded:
                said = await caller.press(caller.key_for("oui"))
            elif "concerne t elle" in folded:  # the topic, when it was not heard
                said = await caller.press(caller.key_for("apa"))
            elif "recapitule" in folded:
                said = await caller.press(caller.key_for("confirme"))
            elif "nom" in folded.split():
                said = await caller.speak("Marie Dupont")
            elif "vouliez vous dire" in folded:  # the commune, as the assistant understood it
                said = await caller.press(caller.key_for("creteil"))
            elif "commune" in folded:
                said = await caller.speak("Créteil")
            elif "quand preferez vous" in folded:
                said = await caller.press("1")
            else:
                heard = caller.session.metrics.heard
                raise AssertionError(f"unexpected prompt: {said} (heard: {heard})")
        else:
            raise AssertionError(f"no ticket after 12 turns: {said}")
        await caller.call.hangup()
        [ticket] = [t for t in tickets(assistant_stack) if t.reference not in earlier]
        assert ticket.channel == "phone"
        assert ticket.topic == "apa" and ticket.intent == "apa_contest"
        assert ticket.fiche_id == "apa_contest"
        assert 0 < ticket.confidence <= 1
        assert ticket.citizen_name and "dupont" in fold(ticket.citizen_name).replace(" ", "")
        assert ticket.phone == CALLER
        assert ticket.commune == "Créteil"
        assert ticket.callback_slot_start and ticket.callback_slot_label
        assert ticket.consent_at is not None
        assert "contester" in ticket.reason
        assert ticket.transcript and ticket.due_at > ticket.created_at
        assert ticket.status == "open"

    asyncio.run(_start(assistant_stack, voice_config, whisper, synthesizer, body))


def test_dtmf_only_and_zero_for_a_person(assistant_stack, voice_config, whisper, synthesizer):
    open_now = OpeningHours(get_settings()).is_open(datetime.now(timezone.utc))

    async def body(gateway, caller: Caller) -> None:
        assert caller.session.choices, "the greeting offers the topics"
        said = await caller.press(caller.key_for("rsa"))
        assert "èr-èss-a" in said
        await caller.call.press("0")
        if open_now:  # a transfer request inside opening hours
            await asyncio.wait_for(caller.call.ended_by_gateway.wait(), 60)
            await wait_until(lambda: gateway.outcomes.get(caller.call.call_id) == "transfer")
        else:  # a callback outside them
            await caller.call.answer(after=time.monotonic(), quiet=2.0, timeout=120)
            assert "acceptez vous" in fold(" ".join(caller.session.metrics.said[-3:]))
            assert caller.session.metrics.sent[-1] == "/ask_human"

    asyncio.run(_start(assistant_stack, voice_config, whisper, synthesizer, body))


def test_hanging_up_mid_sentence_leaves_no_ticket_and_no_session(
    assistant_stack, voice_config, whisper, synthesizer
):
    before = len(tickets(assistant_stack))

    async def body(gateway, caller: Caller) -> None:
        said = await caller.speak("je veux contester la décision pour l'APA de ma mère")
        if "concerne t elle" in fold(said):  # the topic, when it was not heard
            said = await caller.press(caller.key_for("apa"))
        assert "acceptez vous" in fold(said), said
        said = await caller.press(caller.key_for("oui"))
        sentence = say("je m'appelle Marie Dupont et j'habite à Créteil")
        speaking = asyncio.ensure_future(caller.call.speak(sentence))
        await asyncio.sleep(sentence.duration / 2)
        speaking.cancel()
        await caller.call.hangup()
        await wait_until(lambda: not gateway.calls, timeout=5)
        assert gateway.outcomes.get(caller.call.call_id) == "hangup"

    asyncio.run(_start(assistant_stack, voice_config, whisper, synthesizer, body))
    assert len(tickets(assistant_stack)) == before
