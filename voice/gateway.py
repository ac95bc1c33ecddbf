"""The gateway to the telephone system: an Asterisk AudioSocket server, one conversation per call.

Calls run side by side on one asyncio loop; recognition and synthesis run in threads. Beside the
AudioSocket port, a small HTTP server on the same host lets the dialplan
- register the caller's number before the call (AudioSocket carries only the call's UUID):
    POST /calls/{uuid}   body `caller=+33612345678` (form) or {"caller": "+33…"} (JSON)
- read how the call ended once AudioSocket() returns: GET /calls/{uuid}/outcome ->
    `transfer` (put the caller through to an agent), `end`, `hangup`, `error` or `unknown`
- route by the département's opening hours (departement.yml, French public holidays included),
  without copying them into the dialplan: GET /open -> `open` or `closed`
- check the gateway: GET /health -> {"active_calls": n}
Registrations and outcomes are kept in memory for a few minutes only (they hold phone numbers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from aiohttp import web

from bot.hours import OpeningHours
from bot.settings import get_settings
from bot.validators import normalise_phone
from voice import audiosocket, prompts
from voice.asr import Recognizer
from voice.audio import PHONE_RATE, Audio
from voice.call import CallContext, CallEnded, CallSession
from voice.config import VoiceConfig
from voice.prerender import Prerenderer
from voice.tts import Synthesizer

log = logging.getLogger(__name__)

FIRST_MESSAGE_TIMEOUT = 5.0
KEEP_SECONDS = 300.0


class AudioSocketLine:
    """The caller's side of one AudioSocket connection."""

    rate = PHONE_RATE

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self.bytes_sent = 0

    async def send_audio(self, pcm: bytes) -> None:
        if self._writer.is_closing():
            raise CallEnded
        try:
            self._writer.write(audiosocket.audio(pcm).encode())
            await self._writer.drain()
        except ConnectionError as exc:
            raise CallEnded from exc
        self.bytes_sent += len(pcm)

    async def hangup(self) -> None:
        if self._writer.is_closing():
            return
        with contextlib.suppress(ConnectionError):
            self._writer.write(audiosocket.hangup().encode())
            await self._writer.drain()


@dataclass
class _Expiring:
    """A small in-memory map whose entries are forgotten after KEEP_SECONDS."""

    items: dict[str, tuple[float, str]] = field(default_factory=dict)

    def put(self, key: str, value: str) -> None:
        now = time.monotonic()
        self.items = {k: v for k, v in self.items.items() if now - v[0] < KEEP_SECONDS}
        self.items[key] = (now, value)

    def pop(self, key: str) -> str | None:
        entry = self.items.pop(key, None)
        return entry[1] if entry and time.monotonic() - entry[0] < KEEP_SECONDS else None

    def get(self, key: str) -> str | None:
        entry = self.items.get(key)
        return entry[1] if entry and time.monotonic() - entry[0] < KEEP_SECONDS else None


class Gateway:
    def __init__(
        self,
        config: VoiceConfig,
        recognizer: Recognizer | None = None,
        synthesizer: Synthesizer | None = None,
    ) -> None:
        self.config = config
        self.context = CallContext.create(config, recognizer, synthesizer)
        self.hours = OpeningHours(get_settings())
        self.calls: dict[str, CallSession] = {}
        self.callers = _Expiring()
        self.outcomes = _Expiring()
        self._server: asyncio.base_events.Server | None = None
        self._http: web.AppRunner | None = None
        self.audiosocket_port = config.audiosocket_port
        self.http_port = config.http_port
        self.prerenderer: Prerenderer | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self.config.prerender:
            # In the background: the line answers at once, with whatever is rendered so far.
            self.prerenderer = Prerenderer(
                self.context.synthesizer,
                get_settings(),
                extra=[
                    prompts.goodbye_after_silence(
                        self.context.contact_phone, self.context.opening_hours
                    ),
                    prompts.technical_problem(
                        self.context.contact_phone, self.context.opening_hours
                    ),
                ],
                interval=self.config.prerender_interval,
                busy=lambda: bool(self.calls),
            )
            self.prerenderer.start()
        # The first decoding of a model is slower (allocations, caches): not on a caller's turn.
        await asyncio.to_thread(self.context.recognizer.transcribe, Audio.silence(1.0))
        self._server = await asyncio.start_server(
            self._handle, self.config.host, self.config.audiosocket_port
        )
        self.audiosocket_port = self._server.sockets[0].getsockname()[1]
        self._http = web.AppRunner(self._http_app(), access_log=None)
        await self._http.setup()
        site = web.TCPSite(self._http, self.config.host, self.config.http_port)
        await site.start()
        self.http_port = self._http.addresses[-1][1]
        log.info(
            "AudioSocket on %s:%d, registrations on http://%s:%d, assistant at %s, ASR %s, "
            "voice %s",
            self.config.host,
            self.audiosocket_port,
            self.config.host,
            self.http_port,
            self.config.rasa_url,
            self.context.recognizer.name,
            self.context.synthesizer.voice,
        )

    async def stop(self) -> None:
        if self.prerenderer is not None:
            await asyncio.to_thread(self.prerenderer.stop)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for session in list(self.calls.values()):
            session.hang_up()
        if self._http is not None:
            await self._http.cleanup()
        await self.context.rasa.close()

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    # --- one call ----------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await asyncio.wait_for(audiosocket.read_message(reader), FIRST_MESSAGE_TIMEOUT)
        except (asyncio.TimeoutError, audiosocket.ProtocolError) as exc:
            log.warning("AudioSocket connection refused: %r", exc)
            first = None
        if first is None or first.kind is not audiosocket.Kind.UUID:
            await self._close(writer, audiosocket.error())
            return
        call_id = first.call_id
        line = AudioSocketLine(writer)
        session = CallSession(call_id, self.callers.pop(call_id), line, self.context)
        self.calls[call_id] = session
        log.info("call %s: start (%d active)", call_id, len(self.calls))
        listener = asyncio.create_task(self._listen(reader, session))
        try:
            # Known before the socket closes: the dialplan asks for it as AudioSocket() returns.
            self.outcomes.put(call_id, await session.run())
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            self.calls.pop(call_id, None)
            await self._close(writer)
        log.info("call %s: %s (%d active)", call_id, session.outcome, len(self.calls))

    async def _listen(self, reader: asyncio.StreamReader, session: CallSession) -> None:
        """Dispatches what Asterisk sends; hang-up, error or a closed socket end the call."""
        try:
            while True:
                message = await audiosocket.read_message(reader)
                if message is None or message.kind in (
                    audiosocket.Kind.HANGUP,
                    audiosocket.Kind.ERROR,
                ):
                    break
                if message.kind is audiosocket.Kind.AUDIO:
                    session.hear(message.payload)
                elif message.kind is audiosocket.Kind.DTMF:
                    session.press(message.digit)
        except audiosocket.ProtocolError as exc:
            log.warning("call %s: %s", session.call_id, exc)
        session.hang_up()

    @staticmethod
    async def _close(writer: asyncio.StreamWriter, last: audiosocket.Message | None = None) -> None:
        with contextlib.suppress(ConnectionError):
            if last is not None and not writer.is_closing():
                writer.write(last.encode())
                await writer.drain()
            writer.close()
            await writer.wait_closed()

    # --- HTTP side ---------------------------------------------------------------------------

    def _http_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/calls/{call_id}", self._register)
        app.router.add_get("/calls/{call_id}/outcome", self._outcome)
        app.router.add_get("/open", self._open)
        app.router.add_get("/health", self._health)
        return app

    async def _register(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        caller = normalise_phone(str(body.get("caller") or ""))
        call_id = request.match_info["call_id"].lower()
        if caller:
            self.callers.put(call_id, caller)
        # A hidden or foreign number is not an error: the assistant will ask for one.
        return web.Response(status=204)

    async def _outcome(self, request: web.Request) -> web.Response:
        outcome = self.outcomes.get(request.match_info["call_id"].lower()) or "unknown"
        return web.Response(text=outcome)

    async def _open(self, _: web.Request) -> web.Response:
        is_open = self.hours.is_open(datetime.now(timezone.utc))
        return web.Response(text="open" if is_open else "closed")

    async def _health(self, _: web.Request) -> web.Response:
        prerendered = self.prerenderer is not None and self.prerenderer.passes > 0
        return web.json_response(
            {
                "active_calls": len(self.calls),
                "recognizer": self.context.recognizer.name,
                "voice": self.context.synthesizer.voice,
                "rendered_ahead": prerendered,
            }
        )
