"""PCM audio: 16-bit signed little-endian mono, as Asterisk's AudioSocket carries it.

Samples travel as numpy int16 arrays with their sample rate beside them; the line runs at 8 kHz,
recognisers want 8 or 16 kHz, espeak-ng and MBROLA produce 16 or 22.05 kHz.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

PHONE_RATE = 8000
FRAME_MS = 20
SAMPLE_BYTES = 2


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # int16, mono
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def to(self, rate: int) -> Audio:
        return self if rate == self.rate else Audio(resample(self.samples, self.rate, rate), rate)

    def pcm(self) -> bytes:
        return self.samples.astype("<i2").tobytes()

    @classmethod
    def from_pcm(cls, pcm: bytes, rate: int) -> Audio:
        return cls(np.frombuffer(pcm, dtype="<i2").astype(np.int16), rate)

    @classmethod
    def silence(cls, seconds: float, rate: int = PHONE_RATE) -> Audio:
        return cls(np.zeros(int(seconds * rate), dtype=np.int16), rate)


def resample(samples: np.ndarray, source: int, target: int) -> np.ndarray:
    """Polyphase resampling (with its anti-aliasing filter), int16 in and out."""
    if source == target:
        return samples
    factor = gcd(source, target)
    out = resample_poly(samples.astype(np.float32), target // factor, source // factor)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def read_audio(path: Path | str) -> Audio:
    """Any file libsndfile reads (WAV, FLAC, Ogg Vorbis/Opus), mixed down to mono."""
    data, rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1).astype(np.int16)
    return Audio(np.ascontiguousarray(mono), int(rate))


def write_wav(path: Path | str, audio: Audio) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_BYTES)
        out.setframerate(audio.rate)
        out.writeframes(audio.pcm())


def concatenate(parts: list[Audio]) -> Audio:
    rate = parts[0].rate if parts else PHONE_RATE
    return Audio(
        np.concatenate([p.to(rate).samples for p in parts] or [np.zeros(0, np.int16)]), rate
    )


def frame_bytes(rate: int = PHONE_RATE, ms: int = FRAME_MS) -> int:
    return rate * ms // 1000 * SAMPLE_BYTES


def frames(pcm: bytes, rate: int = PHONE_RATE, ms: int = FRAME_MS) -> Iterator[bytes]:
    """Fixed-size frames; the last one is padded with silence (the line wants whole frames)."""
    size = frame_bytes(rate, ms)
    for start in range(0, len(pcm), size):
        chunk = pcm[start : start + size]
        yield chunk + b"\x00" * (size - len(chunk))


def rms_dbfs(samples: np.ndarray) -> float:
    """Loudness in dB relative to full scale (-inf for digital silence)."""
    if len(samples) == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(rms / 32768) if rms > 0 else float("-inf")


def telephone_band(audio: Audio) -> Audio:
    """`audio` as a caller hears it: 300-3400 Hz, 8 kHz, through G.711 µ-law and back."""
    from scipy.signal import butter, sosfilt

    line = audio.to(PHONE_RATE)
    band = butter(4, [300, 3400], btype="bandpass", fs=PHONE_RATE, output="sos")
    filtered = sosfilt(band, line.samples.astype(np.float64) / 32768.0)
    clipped = np.clip(filtered, -1.0, 1.0)
    # G.711 µ-law (mu = 255): compress, quantize to 8 bits, expand.
    mu = 255.0
    compressed = np.sign(clipped) * np.log1p(mu * np.abs(clipped)) / np.log1p(mu)
    quantized = np.round(compressed * 127.0) / 127.0
    expanded = np.sign(quantized) * np.expm1(np.abs(quantized) * np.log1p(mu)) / mu
    return Audio(np.clip(np.rint(expanded * 32767), -32768, 32767).astype(np.int16), PHONE_RATE)
