"""Speech synthesis for the telephone line: engines in a configured order, a cache of rendered
sentences, everything at 8 kHz.

Engines (TRIAGE_TTS_ENGINES, first one that works is used):
- `kokoro`: Kokoro-82M with the French voice ff_siwis (voice/kokoro.py), the default. Whisper base
  transcribes it at a word error rate of about 0.2 on the telephone band, where espeak-ng's own
  French voice is close to unintelligible (voice/README.md, `make bench-voice`).
- `espeak`: pyttsx3 over espeak-ng (MBROLA fr1/fr4 voices when a deployment installs them); fast,
  robotic, the fallback when Kokoro's files are not installed.

Kokoro takes about half a second per second of speech on two cores: the sentences said on many
calls (fixed prompts, every fiche's spoken answer, the domain's responses) are rendered ahead in
the background (voice.prerender) and kept on disk by a hash of their text; the others are
rendered while the call goes on, the first one as soon as it exists (voice.call).

espeak-ng is a process-wide C library and pyttsx3 keeps one engine per process, so every espeak
rendering runs on one dedicated thread; Kokoro renders on its own single thread too, so that two
renderings never fight for the two cores.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import itertools
import logging
import shutil
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from voice.audio import PHONE_RATE, Audio, read_audio, rms_dbfs, write_wav
from voice.config import VoiceConfig

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
_KOKORO_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kokoro")
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


class EspeakEngine:
    """pyttsx3 over espeak-ng: the first of `voices` that is installed and audible."""

    def __init__(self, voices: Sequence[str], words_per_minute: int = 150) -> None:
        self._words_per_minute = words_per_minute
        self._engine: object | None = None
        self.executor = _TTS_THREAD
        self.voice = self.executor.submit(self._open, tuple(voices)).result()
        self.key = f"espeak-{self.voice.replace('/', '_')}-{words_per_minute}"

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

    def render(self, text: str) -> Audio:
        """On the engine's thread (Synthesizer submits to `executor`)."""
        return self._render(self.voice, text)

    def _render(self, voice: str, text: str) -> Audio:
        audio = self._render_once(voice, text)
        return audio if audio.duration > 0 else self._render_once(voice, text)

    def _render_once(self, voice: str, text: str) -> Audio:
        # The espeak-ng command rather than pyttsx3's in-process library: the library crashed the
        # whole process (a segmentation fault in espeak's Synth) during a long test run, and a
        # crash would take the phone gateway down with every call in progress. A process costs
        # about 20 ms; the voices are still listed through pyttsx3 (_open).
        path = _TMP / f"{next(_RENDERINGS)}.wav"
        command = ["espeak-ng", "-v", voice, "-s", str(self._words_per_minute), "-a", "85"]
        try:
            subprocess.run(
                [*command, "-w", str(path), "--stdin"],
                input=text.encode("utf-8"),
                capture_output=True,
                check=True,
                timeout=RENDER_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError):
            log.warning("espeak-ng produced no audio for a sentence")
            return Audio.silence(0, PHONE_RATE)
        if not path.exists():
            log.warning("espeak-ng produced no audio for a sentence")
            return Audio.silence(0, PHONE_RATE)
        audio = read_audio(path)
        path.unlink()
        actual = MBROLA_RATE if voice.startswith("mb/") else audio.rate
        return Audio(audio.samples, actual)


class KokoroEngine:
    """Kokoro-82M (voice.kokoro) on its own rendering thread."""

    def __init__(self, model: Path, voice: Path, threads: int = 2) -> None:
        from voice.kokoro import KokoroUnavailable, KokoroVoice

        try:
            self._voice = KokoroVoice(model, voice, threads=threads)
        except KokoroUnavailable as exc:
            raise TTSUnavailable(str(exc)) from exc
        except (ImportError, OSError, RuntimeError) as exc:
            raise TTSUnavailable(f"Kokoro could not be loaded: {exc}") from exc
        self.executor = _KOKORO_THREAD
        self.voice = self._voice.name
        stat = model.stat()
        self.key = f"{self.voice.replace('/', '-')}-{stat.st_size}"
        # The first run allocates ONNX Runtime's buffers: not on a caller's turn.
        try:
            self.executor.submit(self._voice.synthesize, "Bonjour.").result()
        except (OSError, subprocess.CalledProcessError) as exc:
            raise TTSUnavailable(
                f"Kokoro needs espeak-ng's French phonemes ({exc}): apt-get install espeak-ng"
            ) from exc

    def render(self, text: str) -> Audio:
        return self._voice.synthesize(text)


def open_engine(name: str, config: VoiceConfig) -> EspeakEngine | KokoroEngine:
    if name == "kokoro":
        return KokoroEngine(config.kokoro_model, config.kokoro_voice, config.tts_threads)
    if name == "espeak":
        return EspeakEngine(config.tts_voices, config.tts_rate)
    raise TTSUnavailable(f"unknown speech synthesis engine {name!r} (kokoro, espeak)")


class Synthesizer:
    """Says French text at the line's rate with the first engine that works.

    Sentences rendered ahead (`prerender`) are kept in memory and, when `cache_dir` is given, on
    disk under a hash of the engine and the text: a restart finds them, a changed text is simply
    another key. Other short sentences are kept in a small in-memory LRU only (they may hold a
    caller's name or number: never written to disk).
    """

    def __init__(
        self,
        voices: Sequence[str] = ("mb/mb-fr1", "mb/mb-fr4", "roa/fr"),
        words_per_minute: int = 150,
        rate: int = PHONE_RATE,
        cache_size: int = 256,
        engine: EspeakEngine | KokoroEngine | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.rate = rate
        self.engine = engine or EspeakEngine(voices, words_per_minute)
        self.voice = self.engine.voice
        self._executor = self.engine.executor
        self._cache: OrderedDict[str, Audio] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._prerendered: dict[str, Audio] = {}
        self._disk = cache_dir / f"{self.engine.key}-{rate}" if cache_dir else None
        self._foreground = 0  # renderings a call is waiting for: the background yields to them
        self.rendered = 0  # texts rendered by the engine (not from a cache)

    @classmethod
    def from_config(cls, config: VoiceConfig) -> Synthesizer:
        """The configured engines, in order: the first that opens is used."""
        problems = []
        for name in config.tts_engines:
            try:
                engine = open_engine(name, config)
            except TTSUnavailable as exc:
                problems.append(f"{name}: {exc}")
                log.warning("speech synthesis %s unavailable: %s", name, exc)
                continue
            return cls(engine=engine, cache_dir=config.tts_cache)
        raise TTSUnavailable("; ".join(problems) or "no speech synthesis engine configured")

    # --- public ------------------------------------------------------------------------------

    def synthesize(self, text: str) -> Audio:
        """`text` spoken in French at the line's rate (silence for an empty text)."""
        text = " ".join(text.split())
        cached = self._cached(text)
        if cached is not None:
            return cached
        return self._submit(text).result()

    async def synthesize_async(self, text: str) -> Audio:
        text = " ".join(text.split())
        cached = self._cached(text)
        if cached is not None:
            return cached
        return await asyncio.wrap_future(self._submit(text))

    def _submit(self, text: str) -> Future[Audio]:
        with self._cache_lock:
            self._foreground += 1
        future = self._executor.submit(self._render_and_cache, text)
        future.add_done_callback(lambda _: self._done_foreground())
        return future

    def _done_foreground(self) -> None:
        with self._cache_lock:
            self._foreground -= 1

    def _cached(self, text: str) -> Audio | None:
        if not text:
            return Audio.silence(0, self.rate)
        with self._cache_lock:
            if text in self._prerendered:
                return self._prerendered[text]
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        # Rendered ahead by an earlier run (or another process) but not loaded yet.
        path = self._disk_path(text)
        if path is not None and path.is_file():
            audio = read_audio(path)
            with self._cache_lock:
                self._prerendered[text] = audio
            return audio
        return None

    def _render(self, text: str) -> Audio:
        self.rendered += 1
        return self.engine.render(text).to(self.rate)

    def _render_and_cache(self, text: str) -> Audio:
        audio = self._render(text)
        if len(text) <= CACHE_MAX_CHARS:
            with self._cache_lock:
                self._cache[text] = audio
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return audio

    # --- rendered ahead ----------------------------------------------------------------------

    def _disk_path(self, text: str) -> Path | None:
        if self._disk is None:
            return None
        return self._disk / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.wav"

    def prerender(
        self,
        texts: Iterable[str],
        stop: threading.Event | None = None,
        busy: Callable[[], bool] | None = None,
        prune: bool = True,
    ) -> int:
        """Renders (or loads from disk) each text not held yet, yielding to calls (waits while
        a sentence is awaited or `busy()` is true: the two cores are theirs); forgets the texts
        rendered ahead before that are no longer in `texts`. Returns how many were rendered by
        the engine. Blocking: run it in a thread."""
        wanted = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
        rendered = 0
        for text in wanted:
            if stop is not None and stop.is_set():
                return rendered
            with self._cache_lock:
                if text in self._prerendered:
                    continue
            path = self._disk_path(text)
            if path is not None and path.is_file():
                audio = read_audio(path)
            else:
                while (self._foreground or (busy and busy())) and not (stop and stop.is_set()):
                    time.sleep(0.05)
                if stop is not None and stop.is_set():
                    return rendered
                audio = self._executor.submit(self._render, text).result()
                rendered += 1
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_suffix(".partial")
                    write_wav(partial, audio)
                    partial.replace(path)
            with self._cache_lock:
                self._prerendered[text] = audio
        if not prune:
            return rendered
        keep = set(wanted)
        with self._cache_lock:
            for text in [t for t in self._prerendered if t not in keep]:
                del self._prerendered[text]
        if self._disk is not None and self._disk.is_dir():
            names = {p.name for t in keep if (p := self._disk_path(t)) is not None}
            for stale in self._disk.glob("*.wav"):
                if stale.name not in names:
                    stale.unlink(missing_ok=True)
        return rendered

    def warm(self, texts: Iterable[str]) -> None:
        """Render texts once so that no caller waits for them (kept with the prerendered)."""
        for text in texts:
            text = " ".join(text.split())
            if text and self._cached(text) is None:
                audio = self._executor.submit(self._render, text).result()
                with self._cache_lock:
                    self._prerendered[text] = audio

    def is_cached(self, text: str) -> bool:
        text = " ".join(text.split())
        with self._cache_lock:
            return text in self._cache or text in self._prerendered

    def is_prerendered(self, text: str) -> bool:
        with self._cache_lock:
            return " ".join(text.split()) in self._prerendered

    def close(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._prerendered.clear()


def is_audible(audio: Audio, min_dbfs: float = -40.0) -> bool:
    """True when some 100 ms stretch is louder than `min_dbfs` (not silence, not hiss)."""
    step = max(1, audio.rate // 10)
    return any(
        rms_dbfs(audio.samples[start : start + step]) > min_dbfs
        for start in range(0, len(audio.samples), step)
    )
