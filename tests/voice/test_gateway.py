"""The AudioSocket gateway over real TCP, with real audio, against a scripted assistant.

A client plays the part of Asterisk (voice/asterisk_client.py); the assistant is Rasa's REST
`phone` webhook answering from a short script (scripted_rasa.py), so that the turn-taking can be
checked quickly and exactly. test_phone_e2e.py runs the same gateway against the real assistant.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.speech_text import speakable
from tests.voice.caller_speech import say
from tests.voice.helpers import dial, gateway_config, running_gateway, scripted_gateway, wait_until
from tests.voice.scripted_rasa import NAMES
from voice import audiosocket, prompts
from voice.asterisk_client import PhoneCall
from voice.tts import is_audible

pytestmark = pytest.mark.slow


async def _outcome(gateway, call_id: str) -> str:
    url = f"http://127.0.0.1:{gateway.http_port}/calls/{call_id}/outcome"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.text()


def _call_tasks() -> list[asyncio.Task]:
    names = ("CallSession.", "Gateway._handle", "Gateway._listen")
    return [t for t in asyncio.all_tasks() if t.get_coro().__qualname__.startswith(names)]


def _said(gateway, call: PhoneCall) -> list[str]:
    return gateway.calls[call.call_id].metrics.said


def test_dtmf_only_navigation_to_a_transfer(voice_config, vosk_korean, synthesizer):
    async def scenario() -> None:
        async with scripted_gateway(voice_config, vosk_korean, synthesizer) as (gateway, rasa):
            call = await dial(gateway, caller="06 12 34 56 78")
            await wait_until(lambda: call.received)
            said = _said(gateway, call)
            await wait_until(lambda: len(said) >= 2)
            assert said[:3] == [
                "Bonjour.",
                "Quel est le sujet ?",
                speakable(prompts_choice()),
            ]
            # A wrong key, during the prompt: the prompt stops, the choices are said again.
            await asyncio.sleep(1.0)
            await call.press("7")
            pressed = time.monotonic()
            await wait_until(lambda: prompts.UNKNOWN_KEY in said)
            await call.answer(after=pressed + 0.5, quiet=1.0)
            # 2 is RSA, at once (a menu is offered); then 0 (no menu: after the key pause).
            await call.press("2")
            await wait_until(lambda: speakable("Sujet RSA.") in said)
            await call.press("0")
            await asyncio.wait_for(call.ended_by_gateway.wait(), 30)
            assert rasa.messages(call.call_id) == ["/greet", '/inform{"topic":"rsa"}', "/ask_human"]
            assert {r["metadata"]["caller_number"] for r in rasa.received} == {"+33612345678"}
            assert {r["metadata"]["channel"] for r in rasa.received} == {"phone"}
            assert said[-1] == "Je vous mets en relation."  # not the callback form after it
            await wait_until(lambda: not gateway.calls)
            assert await _outcome(gateway, call.call_id) == "transfer"
            await call.close()

    asyncio.run(scenario())


def test_the_prompt_stops_at_once_when_a_key_is_pressed(voice_config, vosk_korean, synthesizer):
    async def scenario() -> None:
        async with scripted_gateway(voice_config, vosk_korean, synthesizer) as (gateway, rasa):
            call = await dial(gateway)
            await wait_until(lambda: call.received)
            await asyncio.sleep(1.0)
            await call.press("4")  # collège: the script says goodbye and hangs up
            pressed = time.monotonic()
            await asyncio.wait_for(call.ended_by_gateway.wait(), 30)
            assert rasa.messages(call.call_id) == ["/greet", '/inform{"topic":"college"}']
            full_greeting = sum(
                synthesizer.synthesize(s).duration
                for s in ["Bonjour.", "Quel est le sujet ?", prompts_choice()]
            )
            heard_before = len([r for r in call.received if r.at <= pressed]) * 0.02
            goodbye = synthesizer.synthesize("Au revoir.").duration
            heard_in_all = len(call.received) * 0.02
            assert 0.8 < heard_before < 1.5
            # What came after the key is the goodbye only: the rest of the greeting was cut.
            assert heard_in_all < heard_before + goodbye + 0.2 < full_greeting
            await wait_until(lambda: not gateway.calls)
            assert await _outcome(gateway, call.call_id) == "end"
            await call.close()

    asyncio.run(scenario())


def prompts_choice() -> str:
    return "Dites APA, RSA, transport ou collège, ou tapez 1, 2, 3 ou 4."


def test_silence_reprompts_twice_then_offers_a_callback_and_ends(
    voice_config, vosk_korean, synthesizer
):
    async def scenario() -> None:
        async with scripted_gateway(
            voice_config, vosk_korean, synthesizer, no_input_timeout=1.0
        ) as (gateway, rasa):
            call = await dial(gateway)
            await wait_until(lambda: gateway.calls)
            said = _said(gateway, call)
            await asyncio.wait_for(call.ended_by_gateway.wait(), 90)
            assert said.count(prompts.NOT_HEARD) == 2
            assert said.count("Quel est le sujet ?") == 3
            offer = said.index(prompts.CALLBACK_OFFER.split(". ")[0] + ".")
            assert offer > said.index(prompts.NOT_HEARD)
            goodbye = " ".join(said[offer:])
            assert "nos conseillers vous répondent du lundi au vendredi de huit heures" in goodbye
            assert said[-1] == "Au revoir."
            assert rasa.messages(call.call_id) == ["/greet"]
            await wait_until(lambda: not gateway.calls)
            assert await _outcome(gateway, call.call_id) == "end"
            await call.close()

    asyncio.run(scenario())


def test_typed_numbers_are_read_back_in_pairs_and_confirmed(voice_config, vosk_korean, synthesizer):
    async def scenario() -> None:
        async with scripted_gateway(voice_config, vosk_korean, synthesizer) as (gateway, rasa):
            call = await dial(gateway)
            await wait_until(lambda: gateway.calls)
            said = _said(gateway, call)
            await call.press("2")
            await wait_until(lambda: "Et ensuite ?" in said)
            read_back = (
                "J'ai noté : zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit."
            )
            await call.press("0612345678#", gap=0.05)
            await wait_until(lambda: read_back in said)
            await call.press("2")  # no: nothing is sent, the caller is asked again
            await wait_until(lambda: prompts.REPEAT_NUMBER.split(". ")[0] + "." in said)
            await call.press("0612345678#", gap=0.05)
            await wait_until(lambda: said.count(read_back) == 2)
            await call.press("1")  # yes
            await wait_until(lambda: len(rasa.messages(call.call_id)) == 3)
            assert rasa.messages(call.call_id)[-1] == "06 12 34 56 78"
            await call.hangup()

    asyncio.run(scenario())


def test_the_caller_interrupts_by_speaking_and_is_understood(voice_config, whisper, synthesizer):
    question = say("combien coûte la carte imagine R ?")

    async def scenario() -> None:
        async with scripted_gateway(voice_config, whisper, synthesizer) as (gateway, rasa):
            call = await dial(gateway)
            await wait_until(lambda: call.received)
            await asyncio.sleep(1.0)
            speaking = asyncio.ensure_future(call.speak(question))
            started = time.monotonic()
            end = await speaking
            # Barge-in: the greeting stops within half a second of the caller's voice.
            during = [r for r in call.received if started + 0.6 < r.at < end]
            assert not during
            await wait_until(lambda: len(rasa.messages(call.call_id)) == 2)
            heard = rasa.messages(call.call_id)[1].lower()
            assert "carte" in heard and "imagine" in heard
            answer = await call.answer(after=end, quiet=1.0)
            assert is_audible(answer)
            await call.hangup()

    asyncio.run(scenario())


def test_hanging_up_mid_sentence_leaves_nothing_behind(voice_config, whisper, synthesizer):
    question = say("je veux contester la décision pour l'APA de ma mère")

    async def scenario() -> None:
        async with scripted_gateway(voice_config, whisper, synthesizer) as (gateway, rasa):
            call = await dial(gateway)
            await call.answer(after=0, quiet=1.0)
            speaking = asyncio.ensure_future(call.speak(question))
            await asyncio.sleep(question.duration / 2)
            speaking.cancel()
            await call.hangup()
            await wait_until(lambda: not gateway.calls, timeout=5)
            assert await _outcome(gateway, call.call_id) == "hangup"
            await asyncio.sleep(0.5)
            assert not _call_tasks()  # no listener, recogniser or conversation left
            assert rasa.messages(call.call_id) == ["/greet"]  # the half sentence never left

    asyncio.run(scenario())


def test_many_calls_at_once(voice_config, vosk_korean, synthesizer):
    async def one_call(gateway, key: str, topic: str) -> PhoneCall:
        call = await dial(gateway)
        await wait_until(lambda: call.received)
        await call.press(key)
        said = gateway.calls[call.call_id].metrics.said
        await wait_until(lambda: speakable(f"Sujet {NAMES[topic]}.") in said)
        return call

    async def scenario() -> None:
        async with scripted_gateway(voice_config, vosk_korean, synthesizer) as (gateway, rasa):
            keys = [("1", "apa"), ("2", "rsa"), ("3", "imagine_r"), ("1", "apa")]
            calls = await asyncio.gather(*(one_call(gateway, k, t) for k, t in keys))
            url = f"http://127.0.0.1:{gateway.http_port}/health"
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                assert (await response.json())["active_calls"] == 4
            for call, (_, topic) in zip(calls, keys, strict=True):
                assert rasa.messages(call.call_id)[-1] == f'/inform{{"topic":"{topic}"}}'
            await asyncio.gather(*(call.hangup() for call in calls))
            await wait_until(lambda: not gateway.calls, timeout=5)

    asyncio.run(scenario())


def test_assistant_down_the_caller_is_told_and_the_call_ends(
    voice_config, vosk_korean, synthesizer
):
    async def scenario() -> None:
        config = gateway_config(voice_config, rasa_url="http://127.0.0.1:9", rasa_timeout=3.0)
        async with running_gateway(config, vosk_korean, synthesizer) as gateway:
            call = await dial(gateway)
            await asyncio.wait_for(call.ended_by_gateway.wait(), 60)
            audio = await call.answer(after=0, quiet=0.5)
            assert is_audible(audio) and audio.duration > 3
            await wait_until(lambda: not gateway.calls)
            assert await _outcome(gateway, call.call_id) == "error"
            await call.close()

    asyncio.run(scenario())


def test_a_connection_that_does_not_start_with_its_uuid_is_refused(
    voice_config, vosk_korean, synthesizer
):
    async def scenario() -> None:
        config = gateway_config(voice_config, rasa_url="http://127.0.0.1:9")
        async with running_gateway(config, vosk_korean, synthesizer) as gateway:
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.audiosocket_port)
            writer.write(audiosocket.audio(bytes(320)).encode())
            await writer.drain()
            reply = await asyncio.wait_for(audiosocket.read_message(reader), 5)
            assert reply is not None and reply.kind is audiosocket.Kind.ERROR
            assert await asyncio.wait_for(audiosocket.read_message(reader), 5) is None
            assert not gateway.calls
            writer.close()

    asyncio.run(scenario())


def test_the_http_side_for_the_dialplan(voice_config, vosk_korean, synthesizer):
    from datetime import datetime, timezone

    from bot.hours import OpeningHours
    from bot.settings import get_settings

    async def scenario() -> None:
        config = gateway_config(voice_config, rasa_url="http://127.0.0.1:9")
        async with running_gateway(config, vosk_korean, synthesizer) as gateway:
            base = f"http://127.0.0.1:{gateway.http_port}"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/open") as response:
                    is_open = OpeningHours(get_settings()).is_open(datetime.now(timezone.utc))
                    assert await response.text() == ("open" if is_open else "closed")
                # Asterisk's CURL() posts a form; a hidden number is no error and is not kept.
                async with http.post(f"{base}/calls/abc", data={"caller": "anonymous"}) as r:
                    assert r.status == 204
                async with http.post(f"{base}/calls/def", data={"caller": "0612345678"}) as r:
                    assert r.status == 204
                assert gateway.callers.get("abc") is None
                assert gateway.callers.get("def") == "+33612345678"
                async with http.get(f"{base}/calls/nobody/outcome") as response:
                    assert await response.text() == "unknown"

    asyncio.run(scenario())
