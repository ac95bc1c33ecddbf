"""A client that plays the part of Asterisk on one call, over the real AudioSocket protocol.

Like Asterisk it sends the call's UUID first, then the caller's audio in real time (20 ms frames,
silence when the caller says nothing), DTMF keys, and a hang-up; it records the audio the gateway
sends back. Used by the tests and `make bench-voice`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import aiohttp

from voice import audiosocket
from voice.audio import FRAME_MS, PHONE_RATE, Audio, frame_bytes, frames

SILENT_FRAME = b"\x00" * frame_bytes(PHONE_RATE)


@dataclass
class Received:
    at: float  # monotonic seconds
    pcm: bytes


@dataclass
class PhoneCall:
    host: str
    port: int
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received: list[Received] = field(default_factory=list)
    ended_by_gateway: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._outgoing: deque[bytes] = deque()
        self._drained = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.last_speech_frame_at = 0.0

    # --- set-up and tear-down ----------------------------------------------------------------

    async def register_caller(self, http_url: str, caller: str) -> None:
        """What the dialplan's CURL() does before AudioSocket(): tell the gateway the number
        (as a form, like CURL's POST data)."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{http_url}/calls/{self.call_id}", data={"caller": caller}) as response,
        ):
            response.raise_for_status()

    async def connect(self) -> None:
        reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(audiosocket.call_id(self.call_id).encode())
        await self._writer.drain()
        self._tasks = [
            asyncio.create_task(self._send_loop()),
            asyncio.create_task(self._receive_loop(reader)),
        ]

    async def hangup(self) -> None:
        """The caller hangs up: Asterisk sends a hang-up message and closes the socket."""
        await self._stop_sending()
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(ConnectionError):
                self._writer.write(audiosocket.hangup().encode())
                await self._writer.drain()
        await self.close()

    async def close(self) -> None:
        await self._stop_sending()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()

    async def _stop_sending(self) -> None:
        if self._tasks and not self._tasks[0].done():
            self._tasks[0].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tasks[0]

    # --- the caller's side -------------------------------------------------------------------

    async def _send_loop(self) -> None:
        """One frame every 20 ms, in real time: speech when queued, silence otherwise."""
        assert self._writer is not None
        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        while not self._writer.is_closing():
            frame = self._outgoing.popleft() if self._outgoing else SILENT_FRAME
            self._writer.write(audiosocket.audio(frame).encode())
            if frame is not SILENT_FRAME:
                self.last_speech_frame_at = time.monotonic()
            if not self._outgoing:
                self._drained.set()
            try:
                await self._writer.drain()
            except ConnectionError:
                return
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * FRAME_MS / 1000 - loop.time()))

    async def speak(self, audio: Audio) -> float:
        """Says `audio` on the line (real time); returns when its last frame left (monotonic)."""
        self._drained.clear()
        self._outgoing.extend(frames(audio.to(PHONE_RATE).pcm()))
        await self._drained.wait()
        return self.last_speech_frame_at

    async def press(self, keys: str, gap: float = 0.15) -> None:
        assert self._writer is not None
        for key in keys:
            self._writer.write(audiosocket.dtmf(key).encode())
            await self._writer.drain()
            await asyncio.sleep(gap)

    # --- the gateway's side ------------------------------------------------------------------

    async def _receive_loop(self, reader: asyncio.StreamReader) -> None:
        while True:
            message = await audiosocket.read_message(reader)
            if message is None or message.kind is audiosocket.Kind.HANGUP:
                self.ended_by_gateway.set()
                return
            if message.kind is audiosocket.Kind.AUDIO:
                self.received.append(Received(time.monotonic(), message.payload))

    async def answer(self, after: float = 0.0, quiet: float = 1.5, timeout: float = 60.0) -> Audio:
        """The assistant's next spoken answer: audio received after `after` (monotonic) until
        the gateway has been quiet for `quiet` seconds or hung up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine = [r for r in self.received if r.at > after]
            ended = self.ended_by_gateway.is_set()
            if mine and (ended or time.monotonic() - mine[-1].at >= quiet):
                return Audio.from_pcm(b"".join(r.pcm for r in mine), PHONE_RATE)
            if ended:
                return Audio.silence(0)
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no answer from the gateway within {timeout} s")

    def first_audio_after(self, moment: float) -> float | None:
        return next((r.at for r in self.received if r.at > moment), None)
