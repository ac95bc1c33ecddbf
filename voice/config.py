"""Deployment settings of the phone gateway, read from the environment.

Everything that belongs to the département (name, opening hours) stays in departement.yml and is
read through bot.settings; this file only holds where the models are, which engine listens, and
where the gateway and Rasa run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.settings import get_settings

ENGINES = ("vosk", "whisper")
# "auto": Vosk French when its model is installed, else Whisper base.
ENGINE_CHOICES = ("auto", *ENGINES)
TTS_ENGINES = ("kokoro", "espeak")
VOSK_FR_MODEL_NAME = "vosk-model-small-fr-0.22"
KOKORO_MODEL_NAME = "kokoro-v1.0.float-conv.onnx"
KOKORO_VOICE_NAME = "ff_siwis.bin"
# Seconds of audio Whisper's encoder reads for a caller's turn (30 = Whisper's own window, four
# times the cost; see voice/asr.py).
WHISPER_WINDOW_S = 10.0


def _models_dir(env: dict[str, str]) -> Path:
    return Path(env.get("TRIAGE_VOICE_MODELS") or get_settings().var_dir / "voice" / "models")


@dataclass(frozen=True)
class VoiceConfig:
    rasa_url: str = "http://127.0.0.1:5005"
    engine: str = "auto"
    vosk_model: Path = Path()
    whisper_model: Path = Path()
    whisper_threads: int = 2
    whisper_window: float = WHISPER_WINDOW_S
    # espeak-ng voices to try in order; the first one installed is used (MBROLA fr1 is the most
    # intelligible on an 8 kHz line, see voice/README.md).
    tts_voices: tuple[str, ...] = ("mb/mb-fr1", "mb/mb-fr4", "roa/fr")
    tts_rate: int = 150
    # Speech synthesis engines in order of preference: the first one that opens is used.
    tts_engines: tuple[str, ...] = TTS_ENGINES
    kokoro_model: Path = Path()
    kokoro_voice: Path = Path()
    tts_threads: int = 2
    tts_cache: Path | None = None  # sentences rendered ahead, by hash of their text
    # Render the sentences said on many calls ahead, in the background (voice.prerender), and
    # look for changes of the knowledge base every `prerender_interval` seconds.
    prerender: bool = True
    prerender_interval: float = 30.0
    host: str = "127.0.0.1"
    audiosocket_port: int = 9092
    http_port: int = 8091
    # Turn-taking (seconds).
    no_input_timeout: float = 6.0
    max_utterance: float = 20.0
    end_of_speech_silence: float = 0.6
    digit_timeout: float = 2.5
    rasa_timeout: float = 15.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> VoiceConfig:
        env = dict(get_settings().environment if env is None else env)
        models = _models_dir(env)
        engine = env.get("TRIAGE_VOICE_ENGINE", "auto")
        if engine not in ENGINE_CHOICES:
            raise ValueError(f"TRIAGE_VOICE_ENGINE must be one of {ENGINE_CHOICES}, not {engine!r}")
        values: dict[str, object] = {
            "rasa_url": env.get("TRIAGE_RASA_URL", cls.rasa_url).rstrip("/"),
            "engine": engine,
            "vosk_model": Path(env.get("TRIAGE_VOSK_MODEL") or models / VOSK_FR_MODEL_NAME),
            "whisper_model": Path(env.get("TRIAGE_WHISPER_MODEL") or models / "whisper-base"),
            "whisper_threads": int(env.get("TRIAGE_WHISPER_THREADS", "2")),
            "whisper_window": float(env.get("TRIAGE_WHISPER_WINDOW", "10")),
            "tts_rate": int(env.get("TRIAGE_TTS_RATE", "150")),
            "kokoro_model": Path(env.get("TRIAGE_KOKORO_MODEL") or models / KOKORO_MODEL_NAME),
            "kokoro_voice": Path(env.get("TRIAGE_KOKORO_VOICE") or models / KOKORO_VOICE_NAME),
            "tts_threads": int(env.get("TRIAGE_TTS_THREADS", "2")),
            "tts_cache": Path(
                env.get("TRIAGE_TTS_CACHE") or get_settings().var_dir / "voice" / "tts-cache"
            ),
            "host": env.get("TRIAGE_VOICE_HOST", cls.host),
            "audiosocket_port": int(env.get("TRIAGE_AUDIOSOCKET_PORT", "9092")),
            "http_port": int(env.get("TRIAGE_VOICE_HTTP_PORT", "8091")),
        }
        if env.get("TRIAGE_TTS_ENGINES"):
            engines = tuple(e.strip() for e in env["TRIAGE_TTS_ENGINES"].split(",") if e.strip())
            unknown = [e for e in engines if e not in TTS_ENGINES]
            if unknown:
                raise ValueError(f"TRIAGE_TTS_ENGINES: unknown {unknown}, known {TTS_ENGINES}")
            values["tts_engines"] = engines
        if env.get("TRIAGE_TTS_VOICES"):
            values["tts_voices"] = tuple(env["TRIAGE_TTS_VOICES"].split(","))
        if env.get("TRIAGE_PRERENDER"):
            values["prerender"] = env["TRIAGE_PRERENDER"] not in ("0", "false", "no")
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def recognizer(self) -> str:
        """The engine that will listen: `auto` is Vosk French when its model is installed."""
        if self.engine != "auto":
            return self.engine
        return "vosk" if (self.vosk_model / "am").is_dir() else "whisper"
