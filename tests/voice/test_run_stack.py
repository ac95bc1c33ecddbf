"""`make run`'s phone line: the gateway as a service of triage/stack.py, on its defaults (the best
recogniser installed, the Kokoro voice), answering a call over AudioSocket."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import replace

import pytest

from bot.text import fold
from tests.voice.caller_speech import say
from triage.run import phone_line as run_phone_line
from voice.asterisk_client import PhoneCall
from voice.audio import Audio, telephone_band
from voice.tts import is_audible

pytestmark = [pytest.mark.stack, pytest.mark.slow]
ANSWER_SECONDS = 7.0


@pytest.fixture()
def phone_line(assistant_stack, voice_config, monkeypatch):
    """The stack's voice service, started as `make run` starts it (models where `make models`
    put them; the sentences rendered ahead kept in var/ between runs)."""
    settings = assistant_stack.settings
    environment = {
        **settings.environment,
        "TRIAGE_VOICE_MODELS": str(voice_config.whisper_model.parent),
        "TRIAGE_TTS_CACHE": str(voice_config.tts_cache),
    }
    # The stack hands its settings' environment to the processes it starts.
    monkeypatch.setattr(assistant_stack, "settings", replace(settings, environment=environment))
    assistant_stack.add_voice()
    assistant_stack.start_service("voice")
    yield assistant_stack
    assistant_stack.stop_service("voice")
    del assistant_stack.services["voice"]


def test_the_stack_answers_a_call_on_its_audiosocket_port(phone_line, whisper):
    with urllib.request.urlopen(f"{phone_line.voice_url}/health", timeout=5) as response:
        health = json.load(response)
    expected = "vosk" if _vosk_installed() else "whisper"
    assert health["recognizer"] == expected
    assert health["voice"] == "kokoro/ff_siwis"
    # What `make run` prints: the port, who listens, how to install the other recogniser.
    printed = run_phone_line(phone_line)
    assert f"127.0.0.1:{phone_line.audiosocket_port}" in printed
    if expected == "whisper":
        assert "listens with Whisper base" in printed and "TRIAGE_VOSK_ARCHIVE" in printed
    else:
        assert "listens with Vosk French" in printed and "TRIAGE_VOICE_ENGINE=whisper" in printed

    async def call() -> tuple[str, float]:
        line = PhoneCall("127.0.0.1", phone_line.audiosocket_port)
        await line.connect()
        greeting = await line.answer(after=0, quiet=2.0, timeout=180)
        assert is_audible(greeting)
        end = await line.speak(say("combien coûte la carte imagine R ?"))
        # The first seconds of the answer say the price: no need to hear it all.
        deadline = time.monotonic() + 180
        while _seconds_after(line, end) < ANSWER_SECONDS and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        answer = Audio.from_pcm(b"".join(r.pcm for r in line.received if r.at > end), 8000)
        delay = (line.first_audio_after(end) or time.monotonic()) - end
        await line.hangup()
        assert is_audible(answer), "no spoken answer to the question"
        return whisper.transcribe(telephone_band(answer)).text, delay

    heard, delay = asyncio.run(call())
    print(f"answer heard by Whisper: {heard!r}, first audio {delay:.2f} s after the question")
    words = set(fold(heard).split())
    assert words & {"imagine", "392", "euros", "forfait", "scolaire"}, heard


def _seconds_after(line: PhoneCall, moment: float) -> float:
    return sum(len(r.pcm) for r in line.received if r.at > moment) / 16000


def _vosk_installed() -> bool:
    from voice.config import VoiceConfig

    return (VoiceConfig.from_env().vosk_model / "am").is_dir()
