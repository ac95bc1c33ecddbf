"""Speech synthesis: pyttsx3 over espeak-ng in French, rendered to 8 kHz for the telephone line.

Voices are tried in the configured order and the first one installed is kept. MBROLA fr1
(Debian mbrola + mbrola-fr1) is the default: on an 8 kHz line Whisper base transcribed it with a
word error rate of 0.40 where it scored 1.15 on espeak-ng's own French voice (voice/README.md).

espeak-ng is a process-wide C library and pyttsx3 keeps one engine per process, so every
rendering runs on one dedicated thread. Short texts (the prompts said on every call) are cached.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from voice.audio import PHONE_RATE, Audio, read_audio, rms_dbfs

log = logging.getLogger(__name__)

ESPEAK_RATE = 22050
# pyttsx3's espeak driver labels every file 22 050 Hz; MBROLA voices really produce 16 kHz.
MBROLA_RATE = 16000
MBROLA_DIR = Path("/usr/share/mbrola")
CACHE_MAX_CHARS = 300
RENDER_TIMEOUT = 10.0
# espeak-ng is one C library per process: every synthesizer renders on this one thread, into
# files of this folder (a late callback may still write there, so it lives as long as the process).
_TTS_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
_TMP = Path(tempfile.mkdtemp(prefix="triage-tts-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
_RENDERINGS = itertools.count()


class TTSUnavailable(RuntimeError):
    """No configured voice can be used; the message names the Debian packages to install."""


def _voice_installed(voice_id: str, known: set[str]) -> bool:
    """espeak-ng lists its own voices; MBROLA ones need the mbrola binary and their database."""
    if voice_id.startswith("mb/"):
        name = voice_id.split("mb-", 1)[-1]
        return shutil.which("mbrola") is not None and (MBROLA_DIR / name / name).is_file()
    return voice_id in known


class Synthesizer:
    def __init__(
        self,
        voices: Sequence[str] = ("mb/mb-fr1", "mb/mb-fr4", "roa/fr"),
        words_per_minute: int = 150,
        rate: int = PHONE_RATE,
        cache_size: int = 256,
    ) -> None:
        self.rate = rate
        self._words_per_minute = words_per_minute
        self._executor = _TTS_THREAD
        self._finished = threading.Event()
        self._cache: OrderedDict[str, Audio] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._engine: object | None = None
        self.voice = self._executor.submit(self._open, tuple(voices)).result()

    # --- on the TTS thread -------------------------------------------------------------------

    def _open(self, voices: tuple[str, ...]) -> str:
        try:
            import pyttsx3
            import pyttsx3.drivers.espeak as espeak_driver

            # The driver print()s "Audio saved to ..." on every file: route it to the log.
            espeak_driver.print = lambda *args, **_: log.debug(" ".join(map(str, args)))
            engine = pyttsx3.init("espeak")
        except (ImportError, OSError, RuntimeError) as exc:
            raise TTSUnavailable(
                f"espeak-ng could not be loaded ({exc}): apt-get install espeak-ng"
            ) from exc
        known = {v.id for v in engine.getProperty("voices")}
        engine.connect("finished-utterance", lambda **_: self._finished.set())
        self._engine = engine
        for voice in voices:
            if not _voice_installed(voice, known):
                continue
            try:
                if is_audible(self._render(voice, "Bonjour.")):
                    return voice
            except ValueError:  # espeak-ng refused the voice name
                pass
            log.warning("voice %s produced no audio; trying the next one", voice)
        raise TTSUnavailable(
            f"none of the voices {list(voices)} works: apt-get install espeak-ng "
            "(and mbrola mbrola-fr1 from Debian contrib/non-free for the MBROLA voices)"
        )

    def _render(self, voice: str, text: str) -> Audio:
        audio = self._render_once(voice, text)
        return audio if audio.duration > 0 else self._render_once(voice, text)

    def _render_once(self, voice: str, text: str) -> Audio:
        engine = self._engine
        engine.setProperty("voice", voice)  # type: ignore[attr-defined]
        engine.setProperty("rate", self._words_per_minute)  # type: ignore[attr-defined]
        engine.setProperty("volume", 0.85)  # type: ignore[attr-defined]  # MBROLA saturates at 1.0
        path = _TMP / f"{next(_RENDERINGS)}.wav"
        self._finished.clear()
        engine.save_to_file(text, str(path))  # type: ignore[attr-defined]
        engine.runAndWait()  # type: ignore[attr-defined]
        # espeak-ng calls back from its own thread; runAndWait can return before the file is
        # written (seen once in 200 renderings): wait for the driver's end-of-utterance event.
        if not self._finished.wait(RENDER_TIMEOUT) or not path.exists():
            log.warning("espeak-ng produced no audio for %r", text)
            return Audio.silence(0, self.rate)
        audio = read_audio(path)
        path.unlink()
        actual = MBROLA_RATE if voice.startswith("mb/") else audio.rate
        return Audio(audio.samples, actual).to(self.rate)

    # --- public ------------------------------------------------------------------------------

    def synthesize(self, text: str) -> Audio:
        """`text` spoken in French at the line's rate (silence for an empty text)."""
        text = " ".join(text.split())
        return self._cached(text) or self._executor.submit(self._render_and_cache, text).result()

    async def synthesize_async(self, text: str) -> Audio:
        text = " ".join(text.split())
        cached = self._cached(text)
        if cached is not None:
            return cached
        return await asyncio.wrap_future(self._executor.submit(self._render_and_cache, text))

    def _cached(self, text: str) -> Audio | None:
        if not text:
            return Audio.silence(0, self.rate)
        with self._cache_lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        return None

    def _render_and_cache(self, text: str) -> Audio:
        audio = self._render(self.voice, text)
        if len(text) <= CACHE_MAX_CHARS:
            with self._cache_lock:
                self._cache[text] = audio
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return audio

    def warm(self, texts: Iterable[str]) -> None:
        """Render the prompts said on every call once, so that no caller waits for them."""
        for text in texts:
            self.synthesize(text)

    def is_cached(self, text: str) -> bool:
        with self._cache_lock:
            return " ".join(text.split()) in self._cache

    def close(self) -> None:
        with self._cache_lock:
            self._cache.clear()


def is_audible(audio: Audio, min_dbfs: float = -40.0) -> bool:
    """True when some 100 ms stretch is louder than `min_dbfs` (not silence, not hiss)."""
    step = max(1, audio.rate // 10)
    return any(
        rms_dbfs(audio.samples[start : start + step]) > min_dbfs
        for start in range(0, len(audio.samples), step)
    )
