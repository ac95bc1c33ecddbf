"""Helpers of the gateway tests: a gateway on free ports, waiting for a condition."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from tests.voice.scripted_rasa import ScriptedRasa
from voice.asr import Recognizer
from voice.asterisk_client import PhoneCall
from voice.config import VoiceConfig
from voice.gateway import Gateway
from voice.tts import Synthesizer


def gateway_config(voice_config: VoiceConfig, **changes: object) -> VoiceConfig:
    """Ports chosen by the system, short waits so that silence tests take seconds."""
    defaults = {
        "host": "127.0.0.1",
        "audiosocket_port": 0,
        "http_port": 0,
        "no_input_timeout": 2.0,
        "digit_timeout": 1.0,
        "prerender": False,  # tests/voice/test_prerender.py renders ahead on its own
    }
    return replace(voice_config, **{**defaults, **changes})


@contextlib.asynccontextmanager
async def running_gateway(
    config: VoiceConfig, recognizer: Recognizer, synthesizer: Synthesizer
) -> AsyncIterator[Gateway]:
    gateway = Gateway(config, recognizer=recognizer, synthesizer=synthesizer)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


@contextlib.asynccontextmanager
async def scripted_gateway(
    voice_config: VoiceConfig, recognizer: Recognizer, synthesizer: Synthesizer, **changes: object
) -> AsyncIterator[tuple[Gateway, ScriptedRasa]]:
    """A gateway on free ports in front of the scripted assistant; both stopped after."""
    rasa = ScriptedRasa()
    await rasa.start()
    try:
        config = gateway_config(voice_config, rasa_url=rasa.url, **changes)
        async with running_gateway(config, recognizer, synthesizer) as gateway:
            yield gateway, rasa
    finally:
        await rasa.stop()


async def dial(gateway: Gateway, caller: str | None = None) -> PhoneCall:
    """A call to the gateway, as Asterisk places it (the caller's number registered first)."""
    call = PhoneCall("127.0.0.1", gateway.audiosocket_port)
    if caller:
        await call.register_caller(f"http://127.0.0.1:{gateway.http_port}", caller)
    await call.connect()
    return call


async def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)
