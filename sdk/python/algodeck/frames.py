"""WebSocket frames (RFC 6455), client side: encoding, reading and checking, joining into messages.

No extensions (compression) are offered, so any reserved bit set by the server is a protocol
error. :class:`ProtocolError` carries the close code a client answers it with.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import struct

__all__ = [
    "GUID",
    "OP_CONTINUATION",
    "OP_TEXT",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_PING",
    "OP_PONG",
    "ProtocolError",
    "MessageAssembler",
    "accept_key",
    "mask",
    "encode_frame",
    "close_payload",
    "parse_close",
    "read_frame",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

#: Close codes a peer may send (RFC 6455 7.4): 1000–1003, 1007–1014, and 3000–4999.
_VALID_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}


class ProtocolError(Exception):
    """The server broke the protocol: ``code`` is what the client closes with (1002, 1007, 1009)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer for ``key``."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def mask(data: bytes, key: bytes) -> bytes:
    """XORs ``data`` with the 4-byte ``key`` repeated (masking and unmasking are the same)."""
    n = len(data)
    if n == 0:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True, mask_key: bytes | None = None) -> bytes:
    """One frame; masked when ``mask_key`` is given (a client's frames always are)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    mask_bit = 0x80 if mask_key is not None else 0
    if n < 126:
        header = struct.pack("!BB", first, mask_bit | n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, n)
    if mask_key is None:
        return header + payload
    return header + mask_key + mask(payload, mask_key)


def close_payload(code: int, reason: str) -> bytes:
    """A close frame's body: the code and the reason (cut to fit 125 bytes); empty for code 0."""
    return struct.pack("!H", code) + reason.encode("utf-8")[:123] if code else b""


def parse_close(payload: bytes) -> tuple[int, str]:
    """The code and reason of a close frame's body (1005 when it has none); checked."""
    if len(payload) == 0:
        return 1005, ""
    if len(payload) == 1:
        raise ProtocolError(1002, "a close frame with a one-byte body")
    (code,) = struct.unpack("!H", payload[:2])
    if not (code in _VALID_CLOSE or 3000 <= code <= 4999):
        raise ProtocolError(1002, f"invalid close code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(1007, "a close reason that is not UTF-8") from None
    return code, reason


async def read_frame(reader: asyncio.StreamReader, max_message: int) -> tuple[bool, int, bytes]:
    """The next frame from the server: ``(fin, opcode, payload)``, its header checked."""
    head = await reader.readexactly(2)
    first, second = head[0], head[1]
    fin = bool(first & 0x80)
    if first & 0x70:
        raise ProtocolError(1002, "reserved bits set without an extension")
    opcode = first & 0x0F
    if second & 0x80:
        raise ProtocolError(1002, "a server's frames must not be masked")
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
        if length >> 63:
            raise ProtocolError(1002, "frame length out of range")
    if opcode >= 0x8:
        if not fin:
            raise ProtocolError(1002, "a control frame must not be fragmented")
        if length > 125:
            raise ProtocolError(1002, "a control frame's payload is at most 125 bytes")
        if opcode not in (OP_CLOSE, OP_PING, OP_PONG):
            raise ProtocolError(1002, f"unknown control opcode {opcode}")
    elif opcode not in (OP_CONTINUATION, OP_TEXT, OP_BINARY):
        raise ProtocolError(1002, f"unknown data opcode {opcode}")
    if length > max_message:
        raise ProtocolError(1009, "message too big")
    payload = await reader.readexactly(length) if length else b""
    return fin, opcode, payload


class MessageAssembler:
    """Joins data frames into whole messages (``str`` for text, ``bytes`` for binary), in order."""

    def __init__(self, max_message: int) -> None:
        self._max_message = max_message
        self._fragments: list[bytes] = []
        self._opcode: int | None = None
        self._size = 0

    def add(self, fin: bool, opcode: int, payload: bytes) -> str | bytes | None:
        """Takes a data frame; answers the message it ends, else None (more frames to come)."""
        if opcode == OP_CONTINUATION:
            if self._opcode is None:
                raise ProtocolError(1002, "a continuation frame without a message to continue")
        else:
            if self._opcode is not None:
                raise ProtocolError(1002, "a new message began before the last one ended")
            self._opcode = opcode
        self._size += len(payload)
        if self._size > self._max_message:
            raise ProtocolError(1009, "message too big")
        self._fragments.append(payload)
        if not fin:
            return None
        data = b"".join(self._fragments)
        kind = self._opcode
        self._fragments, self._opcode, self._size = [], None, 0
        if kind != OP_TEXT:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(1007, "a text message that is not UTF-8") from None
