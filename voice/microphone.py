"""A conversation through the sound card: the same session as a phone call, at 16 kHz.

Typed digits (then Enter) stand for the keypad. Without a headset the loudspeaker would reach
the microphone and interrupt every prompt, so the microphone is muted while the assistant
speaks unless --barge-in is given.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from voice.audio import FRAME_MS
from voice.call import CallContext, CallSession
from voice.config import VoiceConfig

RATE = 16000
ECHO_GUARD = 0.3  # seconds of microphone dropped after the loudspeaker stops


class NoSoundDevice(RuntimeError):
    pass


class SoundCardLine:
    rate = RATE

    def __init__(self) -> None:
        import sounddevice

        self._out = sounddevice.RawOutputStream(samplerate=RATE, channels=1, dtype="int16")
        self._out.start()
        self.speaking_until = 0.0

    async def send_audio(self, pcm: bytes) -> None:
        self.speaking_until = time.monotonic() + FRAME_MS / 1000 + ECHO_GUARD
        await asyncio.to_thread(self._out.write, pcm)

    async def hangup(self) -> None:
        print("(fin de l'appel)")

    def close(self) -> None:
        self._out.stop()
        self._out.close()


def _check_devices() -> None:
    try:
        import sounddevice

        devices = sounddevice.query_devices()
    except (OSError, ImportError) as exc:
        raise NoSoundDevice(f"no sound system ({exc}): apt-get install libportaudio2") from exc
    if not any(d["max_input_channels"] > 0 for d in devices):
        raise NoSoundDevice("no microphone found on this machine")
    if not any(d["max_output_channels"] > 0 for d in devices):
        raise NoSoundDevice("no loudspeaker found on this machine")


async def converse(config: VoiceConfig, caller: str | None, barge_in: bool) -> int:
    try:
        _check_devices()
    except NoSoundDevice as exc:
        print(f"Mode micro indisponible : {exc}.", file=sys.stderr)
        return 2
    import sounddevice

    loop = asyncio.get_running_loop()
    line = SoundCardLine()
    context = CallContext.create(config)
    session = CallSession(f"mic-{uuid.uuid4().hex[:12]}", caller, line, context)

    def captured(data: bytes, frames: int, at: object, status: object) -> None:
        if barge_in or time.monotonic() > line.speaking_until:
            loop.call_soon_threadsafe(session.hear, bytes(data))

    def typed() -> None:
        for key in sys.stdin.readline().strip():
            if key in "0123456789*#":
                session.press(key)

    loop.add_reader(sys.stdin, typed)
    microphone = sounddevice.RawInputStream(
        samplerate=RATE,
        channels=1,
        dtype="int16",
        blocksize=RATE * FRAME_MS // 1000,
        callback=captured,
    )
    print("Parlez après le message d'accueil (tapez des chiffres puis Entrée pour le clavier).")
    with microphone:
        try:
            outcome = await session.run()
        finally:
            loop.remove_reader(sys.stdin)
            line.close()
            await context.rasa.close()
    print(f"Appel terminé : {outcome}")
    return 0
