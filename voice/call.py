"""One phone conversation: turn-taking between a caller's line and the assistant.

The transport (AudioSocket, a microphone) pushes the caller's 20 ms frames, keys and hang-up into
the session and gives it a `Line` to talk back on. The session:
- listens: voice activity detection, streaming recognition, end of speech;
- sends each turn to Rasa (the same assistant as the chat) and says the answer, choices included;
- lets the caller interrupt a prompt by speaking or pressing a key (barge-in);
- re-prompts twice on silence, then offers a callback and ends politely;
- reads phone numbers and references back in pairs of digits and has them confirmed;
- maps 0 or "conseiller" to /ask_human at any moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

from bot.hours import OpeningHours
from bot.settings import get_settings
from bot.speech_text import choices_prompt, speakable, split_sentences
from bot.text import REFERENCE_MIN_DIGITS, digits_in_pairs, spoken_digits, spoken_reference, yes_no
from bot.validators import normalise_phone, phone_digit_pairs
from voice import prompts
from voice.asr import RecognitionStream, Recognizer, Transcript, load_recognizer
from voice.audio import FRAME_MS, Audio, frame_bytes, frames
from voice.choices import (
    Choice,
    choices_from_buttons,
    message_for_keys,
    message_for_speech,
    vocabulary,
)
from voice.config import VoiceConfig
from voice.rasa_client import AssistantUnavailable, BotMessage, RasaClient
from voice.tts import Synthesizer
from voice.vad import SpeechDetector, SpeechEvent

log = logging.getLogger(__name__)

PREROLL_MS = 300
YES_NO = choices_from_buttons(
    [{"title": "oui", "payload": "oui"}, {"title": "non", "payload": "non"}]
)
# Audio is sent this far ahead of real time so that the far end never runs dry.
PLAYBACK_LEAD = 0.06
START_MESSAGE = "/greet"


class CallEnded(Exception):
    """The line is gone (the caller hung up, the connection broke)."""


class Line(Protocol):
    rate: int

    async def send_audio(self, pcm: bytes) -> None:
        """One frame of the assistant's voice to the caller; CallEnded once the line is gone."""

    async def hangup(self) -> None:
        """End the call from our side."""


@dataclass
class Utterance:
    text: str


@dataclass
class Keys:
    keys: str


@dataclass(frozen=True)
class CallContext:
    """What every call of a gateway shares: engines (loaded once), the assistant, settings."""

    recognizer: Recognizer
    synthesizer: Synthesizer
    rasa: RasaClient
    config: VoiceConfig
    contact_phone: str  # as said: "39, 94"
    opening_hours: str  # as said: "du lundi au vendredi de 8 heures à 20 heures…"

    @classmethod
    def create(
        cls,
        config: VoiceConfig,
        recognizer: Recognizer | None = None,
        synthesizer: Synthesizer | None = None,
    ) -> CallContext:
        settings = get_settings()
        return cls(
            recognizer=recognizer or load_recognizer(config),
            synthesizer=synthesizer or Synthesizer.from_config(config),
            rasa=RasaClient(config.rasa_url, config.rasa_timeout),
            config=config,
            contact_phone=digits_in_pairs(settings.contact_phone),
            opening_hours=speakable(OpeningHours(settings).describe()),
        )


@dataclass
class CallMetrics:
    """What was said, heard and sent, and how long each answer took (for tests and logs)."""

    answer_delays: list[float] = field(default_factory=list)  # end of speech -> first audio
    said: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)


class CallSession:
    def __init__(
        self, call_id: str, caller_number: str | None, line: Line, context: CallContext
    ) -> None:
        self.call_id = call_id
        self.caller_number = caller_number
        self.line = line
        self.context = context
        self.config = context.config
        self.outcome = "hangup"
        self.metrics = CallMetrics()
        self._detector = SpeechDetector(
            line.rate, end_ms=int(self.config.end_of_speech_silence * 1000)
        )
        self._preroll: deque[bytes] = deque(maxlen=PREROLL_MS // FRAME_MS)
        self._inputs: asyncio.Queue[Utterance | Keys] = asyncio.Queue()
        self._asr_queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        self._stream: RecognitionStream | None = None
        self._pending = bytearray()
        self._open_utterances = 0  # started and not yet recognised
        self._keys = ""
        self._key_timer: asyncio.TimerHandle | None = None
        self._interrupted = asyncio.Event()
        self._speech_ended_at: float | None = None
        self._choices: list[Choice] = []
        self._last_reply = SpokenReply([], [], None)
        self._main: asyncio.Task[None] | None = None
        self._hung_up = False

    @property
    def choices(self) -> list[Choice]:
        """The choices offered by the last prompt (their keys are their digits)."""
        return list(self._choices)

    # --- the transport pushes events ---------------------------------------------------------

    def hear(self, frame: bytes) -> None:
        """One 20 ms frame of the caller's audio."""
        event = self._detector.push(frame)
        if event is SpeechEvent.START:
            self._start_utterance([*self._preroll, frame])
            self._preroll.clear()
        elif self._stream is not None:
            self._feed(frame)
            if event is SpeechEvent.PAUSE:
                self._flush_pending()
                self._asr_queue.put_nowait(("prepare", None))
            elif event is SpeechEvent.END:
                self._end_utterance()
        else:
            self._preroll.append(frame)

    def press(self, digit: str) -> None:
        """A DTMF key: interrupts the prompt; collected until '#', a pause or a menu choice."""
        self._interrupted.set()
        if self._key_timer is not None:
            self._key_timer.cancel()
        self._keys += digit
        if digit == "#" or (self._choices and len(self._keys) == 1):
            self._flush_keys()
        else:
            loop = asyncio.get_running_loop()
            self._key_timer = loop.call_later(self.config.digit_timeout, self._flush_keys)

    def hang_up(self) -> None:
        """The caller hung up (or the connection broke): stop everything now."""
        self._hung_up = True
        if self._main is not None and not self._main.done():
            self._main.cancel()

    # --- listening ---------------------------------------------------------------------------

    def _start_utterance(self, pcm_frames: list[bytes]) -> None:
        self._interrupted.set()  # barge-in: the caller talks over the prompt
        self._stream = self.context.recognizer.stream(self.line.rate, self._vocabulary())
        self._open_utterances += 1
        self._asr_queue.put_nowait(("start", self._stream))
        for frame in pcm_frames:
            self._feed(frame)

    def _feed(self, frame: bytes) -> None:
        self._pending += frame
        if len(self._pending) >= frame_bytes(self.line.rate, 100):
            self._flush_pending()

    def _flush_pending(self) -> None:
        if self._pending:
            self._asr_queue.put_nowait(("audio", bytes(self._pending)))
            self._pending.clear()

    def _end_utterance(self) -> None:
        self._flush_pending()
        self._asr_queue.put_nowait(("end", None))
        self._stream = None
        self._speech_ended_at = time.monotonic()

    async def _recognise(self) -> None:
        """Feeds the recogniser in order, off the event loop, one utterance at a time."""
        current: RecognitionStream | None = None
        while True:
            kind, value = await self._asr_queue.get()
            if kind == "start":
                current = value  # type: ignore[assignment]
                continue
            if current is None:
                continue  # audio of an utterance the engine already closed
            if kind == "prepare":
                await asyncio.to_thread(current.prepare)
                continue
            result: Transcript | None
            if kind == "end":
                result = await asyncio.to_thread(current.finish)
            else:
                result = await asyncio.to_thread(current.accept, cast(bytes, value))
                if result is None or not result.final:
                    if result is not None:
                        log.debug("call %s partial %r", self.call_id, result.text)
                    continue
                # The engine heard the end of the utterance before the voice detector did.
                if self._stream is current:
                    self._stream = None
                    self._pending.clear()
                    self._detector.reset()
                    self._speech_ended_at = time.monotonic()
            current = None
            self._heard(result.text)

    def _heard(self, text: str) -> None:
        self._open_utterances -= 1
        if text.strip():
            log.info("call %s heard %r", self.call_id, text)
            self.metrics.heard.append(text.strip())
            self._inputs.put_nowait(Utterance(text.strip()))

    def _flush_keys(self) -> None:
        self._key_timer = None
        keys, self._keys = self._keys, ""
        if keys:
            self._inputs.put_nowait(Keys(keys))

    def _vocabulary(self) -> list[str] | None:
        return vocabulary(self._choices) if self._choices else None

    async def _next_input(self, timeout: float) -> Utterance | Keys | None:
        """The caller's next turn, or None after `timeout` seconds without speech or key."""
        deadline = time.monotonic() + timeout
        limit = deadline + self.config.max_utterance
        while True:
            busy = self._open_utterances > 0 or bool(self._keys)
            now = time.monotonic()
            if now >= limit or (now >= deadline and not busy):
                return None
            try:
                return await asyncio.wait_for(self._inputs.get(), 0.1)
            except asyncio.TimeoutError:
                continue

    # --- speaking ----------------------------------------------------------------------------

    async def say(self, texts: Sequence[str], interruptible: bool = True) -> bool:
        """Say the texts sentence by sentence (the next one is synthesised while one plays).
        Returns False when the caller interrupted."""
        sentences = [s for t in texts for s in split_sentences(speakable(t))]
        if not sentences:
            return True
        self.metrics.said.extend(sentences)
        sentences = first_part_apart(sentences, self.context.synthesizer.is_cached)
        self._interrupted.clear()
        upcoming = asyncio.ensure_future(self.context.synthesizer.synthesize_async(sentences[0]))
        try:
            for index in range(len(sentences)):
                audio = await upcoming
                if index + 1 < len(sentences):
                    upcoming = asyncio.ensure_future(
                        self.context.synthesizer.synthesize_async(sentences[index + 1])
                    )
                if not await self._play(audio, interruptible):
                    return False
            return True
        finally:
            upcoming.cancel()

    async def _play(self, audio: Audio, interruptible: bool) -> bool:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for index, frame in enumerate(frames(audio.to(self.line.rate).pcm(), self.line.rate)):
            if interruptible and self._interrupted.is_set():
                log.info("call %s: barge-in", self.call_id)
                return False
            if self._speech_ended_at is not None:
                delay = time.monotonic() - self._speech_ended_at
                self._speech_ended_at = None
                self.metrics.answer_delays.append(delay)
                log.info("call %s: answering %.2f s after the end of speech", self.call_id, delay)
            await self.line.send_audio(frame)
            delay = start + (index + 1) * FRAME_MS / 1000 - PLAYBACK_LEAD - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        return True

    # --- the conversation --------------------------------------------------------------------

    async def run(self) -> str:
        """Converse until the caller hangs up or the conversation ends; returns the outcome."""
        recognition = asyncio.create_task(self._recognise())
        self._main = asyncio.create_task(self._converse())
        try:
            await self._main
        except CallEnded:
            log.info("call %s: the line is gone", self.call_id)
        except asyncio.CancelledError:
            if not self._hung_up:
                raise  # the gateway is shutting down
            log.info("call %s: the caller hung up", self.call_id)
        finally:
            self._main.cancel()
            recognition.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recognition
            if self._key_timer is not None:
                self._key_timer.cancel()
        return self.outcome

    async def _converse(self) -> None:
        messages = await self._ask_assistant(START_MESSAGE)
        silences = 0
        while messages is not None:
            if messages:
                action = await self._say_messages(messages)
                if action:
                    await self._end("transfer" if action == "transfer" else "end")
                    return
            turn = await self._next_input(self.config.no_input_timeout)
            if turn is None:
                silences += 1
                if not await self._on_silence(silences):
                    return
                messages = []
                continue
            silences = 0
            message = await self._message_for(turn)
            # No message (a wrong key, a number not confirmed): listen again.
            messages = await self._ask_assistant(message) if message else []

    async def _say_messages(self, messages: list[BotMessage]) -> str | None:
        """Says the answer and its choices; returns the transfer/hang-up action it ends with."""
        reply = spoken_reply(messages)
        self._choices = reply.choices
        if reply.spoken:
            self._last_reply = reply
        await self.say(reply.spoken, interruptible=reply.action is None)
        return reply.action

    async def _on_silence(self, silences: int) -> bool:
        """Re-prompts twice, then offers a callback, then says goodbye (False: call ended)."""
        if silences <= 2:
            await self.say([prompts.NOT_HEARD, *self._last_reply.question])
            return True
        if silences == 3:
            self._choices = []  # a lone 0 then means a person, not a menu key
            await self.say([prompts.CALLBACK_OFFER])
            return True
        await self.say(
            [prompts.goodbye_after_silence(self.context.contact_phone, self.context.opening_hours)],
            interruptible=False,
        )
        await self._end("end")
        return False

    async def _message_for(self, turn: Utterance | Keys) -> str | None:
        """What to send to Rasa for the caller's turn (None: nothing, listen again)."""
        if isinstance(turn, Keys):
            message = message_for_keys(turn.keys, self._choices)
            if message is None:
                await self.say([prompts.UNKNOWN_KEY, self._last_reply.prompt])
                return None
            if message.isdigit() and len(message) >= REFERENCE_MIN_DIGITS:
                return await self._confirmed(message, message)
            return message
        message = message_for_speech(turn.text, self._choices)
        if message != turn.text:
            return message
        number = spoken_number(turn.text)
        if number is None:
            return message
        return await self._confirmed(number, spoken_digits(turn.text))

    async def _confirmed(self, digits: str, as_digits: str) -> str | None:
        """Reads a number back in pairs and asks; the message to send once confirmed."""
        # Yes and no as choices: a key answers at once, a restricted grammar can listen.
        saved_choices, self._choices = self._choices, YES_NO
        await self.say([prompts.confirm_number(digits_in_pairs(digits))])
        turn = await self._next_input(self.config.no_input_timeout)
        self._choices = saved_choices
        answer = None
        if isinstance(turn, Keys):
            answer = {"1": True, "2": False}.get(turn.keys.rstrip("#"))
        elif isinstance(turn, Utterance):
            answer = yes_no(turn.text)
        if answer:
            phone = normalise_phone(digits)
            return " ".join(phone_digit_pairs(phone)) if phone else as_digits
        await self.say([prompts.REPEAT_NUMBER])
        return None

    async def _ask_assistant(self, message: str) -> list[BotMessage] | None:
        self.metrics.sent.append(message)
        try:
            return await self.context.rasa.send(self.call_id, message, self.caller_number)
        except AssistantUnavailable as exc:
            log.error("call %s: assistant unavailable: %s", self.call_id, exc)
            await self.say(
                [prompts.technical_problem(self.context.contact_phone, self.context.opening_hours)],
                interruptible=False,
            )
            await self._end("error")
            return None

    async def _end(self, outcome: str) -> None:
        self.outcome = outcome
        await self.line.hangup()


@dataclass
class SpokenReply:
    texts: list[str]  # the assistant's messages
    choices: list[Choice]
    action: str | None
    prompt: str = ""  # the choices, said: "Dites APA, RSA… ou tapez 1, 2…"

    @property
    def spoken(self) -> list[str]:
        return [*self.texts, self.prompt] if self.prompt else self.texts

    @property
    def question(self) -> list[str]:
        """What to say again when the caller said nothing: the last sentence and the choices."""
        last = split_sentences(speakable(self.texts[-1]))[-1:] if self.texts else []
        return [*last, self.prompt] if self.prompt else last


def spoken_reply(messages: Sequence[BotMessage]) -> SpokenReply:
    """Rasa's messages as the phone says them: texts, then the buttons as a spoken choice.

    A transfer or hang-up action ends the reply: what follows it (the callback form, in case the
    transfer fails) is not said, the call leaves the gateway."""
    texts: list[str] = []
    buttons: list[dict] = []
    action = None
    for message in messages:
        if message.text:
            texts.append(message.text)
        buttons.extend(message.buttons)
        action = message.phone_action
        if action:
            break
    choices = [] if action else choices_from_buttons(buttons)
    prompt = choices_prompt([c.title for c in choices])
    return SpokenReply(texts, choices, action, prompt)


FIRST_PART_MIN_WORDS = 3
FIRST_PART_SPLIT_WORDS = 9
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def first_part_apart(sentences: list[str], is_cached: Callable[[str], bool]) -> list[str]:
    """The first sentence cut at its first clause when it must be synthesised and is long:
    the caller hears the first words sooner, the rest is rendered while they play."""
    if not sentences or is_cached(sentences[0]):
        return sentences
    first = sentences[0]
    if len(first.split()) < FIRST_PART_SPLIT_WORDS:
        return sentences
    clauses = _CLAUSE_END.split(first)
    head = []
    for index, clause in enumerate(clauses[:-1]):
        head.append(clause)
        if len(" ".join(head).split()) >= FIRST_PART_MIN_WORDS:
            return [" ".join(head), " ".join(clauses[index + 1 :]), *sentences[1:]]
    return sentences


def spoken_number(text: str) -> str | None:
    """The phone number or reference a caller said, as digits, when the turn holds one."""
    phone = normalise_phone(text)
    if phone:
        return "0" + phone[3:]
    return spoken_reference(text)
