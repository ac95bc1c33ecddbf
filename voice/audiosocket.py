"""Asterisk's AudioSocket protocol (docs.asterisk.org, Configuration/Channel-Drivers/AudioSocket).

Over TCP, each message is one byte of kind, two bytes of payload length (big-endian), then the
payload:
  0x00 hang-up (no payload; closing the socket means the same)
  0x01 the call's UUID (16 bytes, binary)
  0x03 a DTMF digit (1 ASCII byte)
  0x10 audio: signed linear 16-bit, 8 kHz, mono, little-endian (320 bytes = 20 ms)
  0xff error (optional application-specific code: 0x01 hang-up, 0x02 frame forwarding,
       0x04 memory)
Asterisk sends the UUID first. Both directions carry audio; the server may send hang-up.
"""

from __future__ import annotations

import asyncio
import struct
import uuid
from dataclasses import dataclass
from enum import IntEnum

HEADER = struct.Struct(">BH")


class Kind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    AUDIO = 0x10
    ERROR = 0xFF


class ProtocolError(ValueError):
    """A message that breaks the protocol (unknown kind, wrong payload size)."""


@dataclass(frozen=True)
class Message:
    kind: Kind
    payload: bytes = b""

    def encode(self) -> bytes:
        return HEADER.pack(self.kind, len(self.payload)) + self.payload

    @property
    def call_id(self) -> str:
        return str(uuid.UUID(bytes=self.payload))

    @property
    def digit(self) -> str:
        return self.payload.decode("ascii")


def hangup() -> Message:
    return Message(Kind.HANGUP)


def call_id(value: str | uuid.UUID) -> Message:
    return Message(Kind.UUID, uuid.UUID(str(value)).bytes)


def dtmf(digit: str) -> Message:
    if len(digit) != 1 or digit not in "0123456789*#ABCD":
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return Message(Kind.DTMF, digit.encode("ascii"))


def audio(pcm: bytes) -> Message:
    if len(pcm) % 2:
        raise ValueError("16-bit audio needs an even number of bytes")
    return Message(Kind.AUDIO, pcm)


def error(code: int = 0) -> Message:
    return Message(Kind.ERROR, bytes([code]) if code else b"")


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """The next message, or None when the peer closed the connection."""
    try:
        header = await reader.readexactly(HEADER.size)
        kind, length = HEADER.unpack(header)
        payload = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    try:
        message = Message(Kind(kind), payload)
    except ValueError:
        raise ProtocolError(f"unknown AudioSocket kind 0x{kind:02x}") from None
    if message.kind is Kind.UUID and length != 16:
        raise ProtocolError(f"UUID payload of {length} bytes (16 expected)")
    if message.kind is Kind.DTMF and length != 1:
        raise ProtocolError(f"DTMF payload of {length} bytes (1 expected)")
    return message
