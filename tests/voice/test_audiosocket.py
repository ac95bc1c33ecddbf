"""The AudioSocket protocol over a real TCP connection."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from voice import audiosocket
from voice.audiosocket import Kind, ProtocolError


async def _exchange(raw: bytes) -> list[audiosocket.Message | Exception]:
    """Sends raw bytes to a server that decodes messages until the connection closes."""
    decoded: list[audiosocket.Message | Exception] = []
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (message := await audiosocket.read_message(reader)) is not None:
                decoded.append(message)
        except ProtocolError as exc:
            decoded.append(exc)
        writer.close()
        done.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    # Written in small pieces: TCP delivers a stream, not messages.
    for start in range(0, len(raw), 7):
        writer.write(raw[start : start + 7])
        await writer.drain()
    writer.close()
    await asyncio.wait_for(done.wait(), 5)
    server.close()
    await server.wait_closed()
    return decoded


def test_messages_survive_the_socket():
    call = uuid.uuid4()
    frame = bytes(range(256)) + bytes(64)  # 320 bytes: 20 ms at 8 kHz
    raw = b"".join(
        m.encode()
        for m in (
            audiosocket.call_id(call),
            audiosocket.audio(frame),
            audiosocket.dtmf("#"),
            audiosocket.error(0x02),
            audiosocket.hangup(),
        )
    )
    decoded = asyncio.run(_exchange(raw))
    assert [m.kind for m in decoded] == [Kind.UUID, Kind.AUDIO, Kind.DTMF, Kind.ERROR, Kind.HANGUP]
    assert decoded[0].call_id == str(call)
    assert decoded[1].payload == frame
    assert decoded[2].digit == "#"
    assert decoded[3].payload == b"\x02"


def test_wire_format_is_kind_then_big_endian_length():
    assert audiosocket.hangup().encode() == b"\x00\x00\x00"
    assert audiosocket.dtmf("7").encode() == b"\x03\x00\x017"
    assert audiosocket.audio(b"\x01\x02" * 160).encode()[:3] == b"\x10\x01\x40"
    assert audiosocket.call_id(uuid.UUID(int=1)).encode()[:3] == b"\x01\x00\x10"


def test_unknown_kind_and_malformed_payloads_are_refused():
    assert isinstance(asyncio.run(_exchange(b"\x42\x00\x00"))[0], ProtocolError)
    assert isinstance(asyncio.run(_exchange(b"\x01\x00\x03abc"))[0], ProtocolError)
    with pytest.raises(ValueError):
        audiosocket.dtmf("x")
    with pytest.raises(ValueError):
        audiosocket.audio(b"\x00")


def test_a_truncated_message_is_a_closed_connection():
    assert asyncio.run(_exchange(b"\x10\x01\x40" + bytes(100))) == []
