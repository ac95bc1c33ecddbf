"""`triage voice`: the phone line's tools.

  triage voice --serve                 the AudioSocket gateway for Asterisk
  triage voice --wav question.wav      answer a recorded question; the spoken answer as a WAV file
  triage voice --mic                   talk to the assistant with a microphone and loudspeaker

All of them talk to the Rasa server (TRIAGE_RASA_URL, default http://127.0.0.1:5005), which
`make run` starts. Heavy libraries are imported when a command runs, not when `triage` starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import uuid
from dataclasses import replace
from pathlib import Path

from voice.config import ENGINE_CHOICES, VoiceConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "voice",
        help="the phone line: AudioSocket gateway, recorded question, microphone",
        description=__doc__.splitlines()[0],
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve", action="store_true", help="run the AudioSocket gateway")
    mode.add_argument("--wav", type=Path, help="a recorded question (WAV, FLAC, Ogg)")
    mode.add_argument("--mic", action="store_true", help="converse through the sound card")
    parser.add_argument("--out", type=Path, help="--wav: where to write the answer")
    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        help="speech recognition (default: auto = Vosk French when installed, else Whisper; "
        "whisper for --wav)",
    )
    parser.add_argument("--rasa-url", help="the Rasa server (default: TRIAGE_RASA_URL)")
    parser.add_argument("--host", help="--serve: where to listen (default: TRIAGE_VOICE_HOST)")
    parser.add_argument("--audiosocket-port", type=int, help="--serve: the AudioSocket port")
    parser.add_argument("--http-port", type=int, help="--serve: the port of the HTTP side")
    parser.add_argument("--caller", help="--wav/--mic: the caller's number passed to the assistant")
    parser.add_argument(
        "--barge-in",
        action="store_true",
        help="--mic: keep listening while the assistant speaks (use a headset)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = VoiceConfig.from_env()
    if args.rasa_url:
        config = replace(config, rasa_url=args.rasa_url.rstrip("/"))
    if args.host:
        config = replace(config, host=args.host)
    if args.audiosocket_port is not None:
        config = replace(config, audiosocket_port=args.audiosocket_port)
    if args.http_port is not None:
        config = replace(config, http_port=args.http_port)
    from voice.asr import ModelMissing
    from voice.rasa_client import AssistantUnavailable
    from voice.tts import TTSUnavailable

    try:
        if args.serve:
            return _serve(replace(config, engine=args.engine or config.engine))
        if args.wav:
            return asyncio.run(_answer_recording(config, args))
        return asyncio.run(_microphone(replace(config, engine=args.engine or config.engine), args))
    except (ModelMissing, TTSUnavailable) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except AssistantUnavailable as exc:
        print(
            f"L'assistant ne répond pas ({exc}). Lancez-le avec `make run`, ou donnez son "
            "adresse avec --rasa-url.",
            file=sys.stderr,
        )
        return 3


def _serve(config: VoiceConfig) -> int:
    from voice.gateway import Gateway

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Gateway(config).serve_forever())
    return 0


async def _answer_recording(config: VoiceConfig, args: argparse.Namespace) -> int:
    from bot.speech_text import speakable, split_sentences
    from voice.asr import load_recognizer
    from voice.audio import concatenate, read_audio, write_wav
    from voice.call import spoken_reply
    from voice.rasa_client import RasaClient
    from voice.tts import Synthesizer

    engine = args.engine if args.engine and args.engine != "auto" else "whisper"
    recognizer = load_recognizer(config, engine)
    heard = (await asyncio.to_thread(recognizer.transcribe, read_audio(args.wav))).text
    if not heard:
        print(f"Aucune parole reconnue dans {args.wav}.", file=sys.stderr)
        return 1
    print(f"Question reconnue : {heard}")
    rasa = RasaClient(config.rasa_url, config.rasa_timeout)
    try:
        messages = await rasa.send(f"wav-{uuid.uuid4().hex[:12]}", heard, args.caller)
    finally:
        await rasa.close()
    reply = spoken_reply(messages)
    sentences = [s for text in reply.spoken for s in split_sentences(speakable(text))]
    print("Réponse : " + " ".join(sentences))
    synthesizer = Synthesizer.from_config(config)
    audio = concatenate([synthesizer.synthesize(s) for s in sentences])
    out = args.out or args.wav.with_name(f"{args.wav.stem}.reponse.wav")
    write_wav(out, audio)
    print(f"Réponse parlée : {out} ({audio.duration:.1f} s, {audio.rate} Hz)")
    synthesizer.close()
    return 0


async def _microphone(config: VoiceConfig, args: argparse.Namespace) -> int:
    from voice.microphone import converse

    return await converse(config, args.caller, args.barge_in)
