"""A small asyncio WebSocket client (RFC 6455, client side), standard library only.

It does what the agent's stream needs and no more: the HTTP/1.1 upgrade with extra headers
(``Authorization: Bearer …``), the ``Sec-WebSocket-Accept`` check, masked client frames, text and
binary messages (fragmented or not), answering pings, and the closing handshake; ``ws://`` and
``wss://`` (TLS through :mod:`ssl`). No extensions (compression) and no subprotocols are offered,
so any reserved bit set by the server is a protocol error.

A reader task reads frames as they come, answers control frames at once, and queues whole
messages for :meth:`WebSocket.recv`; so a caller may wait for a message with a timeout without
ever cutting a frame in half.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl as ssl_module
import struct
from typing import Mapping
from urllib.parse import urlsplit

__all__ = ["WebSocket", "ConnectionClosed", "HandshakeError", "connect", "accept_key", "mask", "encode_frame"]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

#: Close codes a peer may send (RFC 6455 7.4): 1000–1003, 1007–1014, and 3000–4999.
_VALID_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}

DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024
MAX_HEADERS = 64 * 1024


class ConnectionClosed(Exception):
    """The connection is closed: ``code`` and ``reason`` from the close frame (1006: none came)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"connection closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class HandshakeError(Exception):
    """The server did not switch protocols: ``status`` and the answer's ``body`` (for its error)."""

    def __init__(self, status: int, message: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})


class _ProtocolError(Exception):
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


class WebSocket:
    """An open client connection. Use :func:`connect` to make one."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        max_message: int = DEFAULT_MAX_MESSAGE,
        close_timeout: float = 5.0,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._max_message = max_message
        self._close_timeout = close_timeout
        self._messages: asyncio.Queue[str | bytes | ConnectionClosed] = asyncio.Queue()
        self._write_lock = asyncio.Lock()
        self._close_sent = False
        self._close_received = asyncio.Event()
        self._closed: ConnectionClosed | None = None
        self._pongs: list[tuple[bytes, asyncio.Future[None]]] = []
        self.last_received = asyncio.get_running_loop().time()
        self._reader_task = asyncio.create_task(self._read_loop())

    # --- public ---

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def close_code(self) -> int | None:
        return self._closed.code if self._closed else None

    async def recv(self) -> str | bytes:
        """The next message (``str`` for text, ``bytes`` for binary); raises ConnectionClosed at the end."""
        item = await self._messages.get()
        if isinstance(item, ConnectionClosed):
            self._messages.put_nowait(item)  # every later recv says the same
            raise item
        return item

    async def send(self, message: str | bytes) -> None:
        """Sends a text message (``str``) or a binary one (``bytes``), in one frame."""
        if isinstance(message, str):
            await self._send_frame(OP_TEXT, message.encode("utf-8"))
        else:
            await self._send_frame(OP_BINARY, bytes(message))

    async def send_fragments(self, parts: list[str]) -> None:
        """Sends one text message split over several frames (for tests of peers' reassembly)."""
        data = [p.encode("utf-8") for p in parts] or [b""]
        async with self._write_lock:
            self._check_open()
            for i, chunk in enumerate(data):
                opcode = OP_TEXT if i == 0 else OP_CONTINUATION
                self._writer.write(encode_frame(opcode, chunk, fin=i == len(data) - 1, mask_key=os.urandom(4)))
            await self._writer.drain()

    async def ping(self, payload: bytes = b"") -> asyncio.Future[None]:
        """Sends a ping; the returned future completes when its pong comes."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pongs.append((payload, waiter))
        await self._send_frame(OP_PING, payload)
        return waiter

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake: sends a close frame, waits (a while) for the server's, ends."""
        if self._closed is None and not self._close_sent:
            try:
                await self._send_close(code, reason)
            except (ConnectionError, OSError):
                pass
            # The reader ends on the server's close frame (or its end of the connection).
            await asyncio.wait([self._reader_task], timeout=self._close_timeout)
        await self._shutdown(ConnectionClosed(code, reason) if self._closed is None else self._closed)

    async def wait_closed(self) -> None:
        await asyncio.shield(self._reader_task)

    # --- frames out ---

    def _check_open(self) -> None:
        if self._closed is not None:
            raise self._closed
        if self._close_sent:
            raise ConnectionClosed(1000, "closing")

    async def _send_frame(self, opcode: int, payload: bytes) -> None:
        async with self._write_lock:
            self._check_open()
            self._writer.write(encode_frame(opcode, payload, mask_key=os.urandom(4)))
            await self._writer.drain()

    async def _send_close(self, code: int, reason: str) -> None:
        payload = struct.pack("!H", code) + reason.encode("utf-8")[:123] if code else b""
        async with self._write_lock:
            if self._close_sent or self._closed is not None:
                return
            self._close_sent = True
            self._writer.write(encode_frame(OP_CLOSE, payload, mask_key=os.urandom(4)))
            await self._writer.drain()

    # --- frames in ---

    async def _read_frame(self) -> tuple[bool, int, bytes]:
        head = await self._reader.readexactly(2)
        first, second = head[0], head[1]
        fin = bool(first & 0x80)
        if first & 0x70:
            raise _ProtocolError(1002, "reserved bits set without an extension")
        opcode = first & 0x0F
        if second & 0x80:
            raise _ProtocolError(1002, "a server's frames must not be masked")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self._reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
            if length >> 63:
                raise _ProtocolError(1002, "frame length out of range")
        if opcode >= 0x8:
            if not fin:
                raise _ProtocolError(1002, "a control frame must not be fragmented")
            if length > 125:
                raise _ProtocolError(1002, "a control frame's payload is at most 125 bytes")
            if opcode not in (OP_CLOSE, OP_PING, OP_PONG):
                raise _ProtocolError(1002, f"unknown control opcode {opcode}")
        elif opcode not in (OP_CONTINUATION, OP_TEXT, OP_BINARY):
            raise _ProtocolError(1002, f"unknown data opcode {opcode}")
        if length > self._max_message:
            raise _ProtocolError(1009, "message too big")
        payload = await self._reader.readexactly(length) if length else b""
        return fin, opcode, payload

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        fragments: list[bytes] = []
        fragment_opcode: int | None = None
        size = 0
        outcome: ConnectionClosed
        try:
            while True:
                fin, opcode, payload = await self._read_frame()
                self.last_received = loop.time()
                if opcode == OP_PING:
                    if not self._close_sent:
                        try:
                            await self._send_frame(OP_PONG, payload)
                        except ConnectionClosed:
                            pass
                    continue
                if opcode == OP_PONG:
                    self._resolve_pong(payload)
                    continue
                if opcode == OP_CLOSE:
                    code, reason = self._parse_close(payload)
                    self._close_received.set()
                    if not self._close_sent:
                        # Echo the close (1005 "no code" is answered with an empty body).
                        try:
                            await self._send_close(code if code != 1005 else 0, "")
                        except (ConnectionError, OSError):
                            pass
                    outcome = ConnectionClosed(code, reason)
                    break
                if opcode == OP_CONTINUATION:
                    if fragment_opcode is None:
                        raise _ProtocolError(1002, "a continuation frame without a message to continue")
                else:
                    if fragment_opcode is not None:
                        raise _ProtocolError(1002, "a new message began before the last one ended")
                    fragment_opcode = opcode
                size += len(payload)
                if size > self._max_message:
                    raise _ProtocolError(1009, "message too big")
                fragments.append(payload)
                if not fin:
                    continue
                data = b"".join(fragments)
                kind = fragment_opcode
                fragments, fragment_opcode, size = [], None, 0
                if kind == OP_TEXT:
                    try:
                        self._messages.put_nowait(data.decode("utf-8"))
                    except UnicodeDecodeError:
                        raise _ProtocolError(1007, "a text message that is not UTF-8") from None
                else:
                    self._messages.put_nowait(data)
        except _ProtocolError as error:
            try:
                await self._send_close(error.code, error.reason)
            except (ConnectionError, OSError, ConnectionClosed):
                pass
            outcome = ConnectionClosed(error.code, error.reason)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as error:
            outcome = ConnectionClosed(1006, f"the connection was lost: {error}" if str(error) else "the connection was lost")
        except asyncio.CancelledError:
            outcome = ConnectionClosed(1006, "closed")
            await self._shutdown(outcome, from_reader=True)
            raise
        await self._shutdown(outcome, from_reader=True)

    def _parse_close(self, payload: bytes) -> tuple[int, str]:
        if len(payload) == 0:
            return 1005, ""
        if len(payload) == 1:
            raise _ProtocolError(1002, "a close frame with a one-byte body")
        (code,) = struct.unpack("!H", payload[:2])
        if not (code in _VALID_CLOSE or 3000 <= code <= 4999):
            raise _ProtocolError(1002, f"invalid close code {code}")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise _ProtocolError(1007, "a close reason that is not UTF-8") from None
        return code, reason

    def _resolve_pong(self, payload: bytes) -> None:
        for i, (expected, waiter) in enumerate(self._pongs):
            if expected == payload:
                # A pong answers its ping and every earlier one.
                for _, earlier in self._pongs[: i + 1]:
                    if not earlier.done():
                        earlier.set_result(None)
                del self._pongs[: i + 1]
                return

    async def _shutdown(self, outcome: ConnectionClosed, from_reader: bool = False) -> None:
        if self._closed is None:
            self._closed = outcome
            self._messages.put_nowait(outcome)
            for _, waiter in self._pongs:
                if not waiter.done():
                    waiter.set_exception(outcome)
            self._pongs.clear()
        if not from_reader and not self._reader_task.done():
            self._reader_task.cancel()
            try:
                await self._reader_task
            except (asyncio.CancelledError, Exception):
                pass
        if not self._writer.is_closing():
            self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)
        except (asyncio.TimeoutError, ConnectionError, OSError, ssl_module.SSLError, asyncio.CancelledError):
            pass


async def connect(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    ssl: ssl_module.SSLContext | None = None,
    timeout: float = 10.0,
    max_message: int = DEFAULT_MAX_MESSAGE,
) -> WebSocket:
    """Opens ``ws://`` or ``wss://`` ``url``: the upgrade handshake, checked; raises HandshakeError."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"not a ws:// or wss:// URL: {url}")
    secure = parts.scheme == "wss"
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"no host in {url}")
    port = parts.port or (443 if secure else 80)
    context: ssl_module.SSLContext | None = None
    if secure:
        context = ssl or ssl_module.create_default_context()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    host_header = host if ":" not in host else f"[{host}]"
    if parts.port is not None:
        host_header += f":{parts.port}"

    async def handshake() -> WebSocket:
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host if context else None, limit=2**20
        )
        try:
            lines = [
                f"GET {path} HTTP/1.1",
                f"Host: {host_header}",
                "Upgrade: websocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Key: {key}",
                "Sec-WebSocket-Version: 13",
            ]
            for name, value in (headers or {}).items():
                if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
                    raise ValueError(f"a header with a line break: {name}")
                lines.append(f"{name}: {value}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                raise HandshakeError(0, "the server's answer headers are too long") from None
            except asyncio.IncompleteReadError:
                raise HandshakeError(0, "the server closed the connection during the handshake") from None
            if len(head) > MAX_HEADERS:
                raise HandshakeError(0, "the server's answer headers are too long")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            fields = status_line.split(" ", 2)
            if len(fields) < 2 or not fields[0].startswith("HTTP/1.") or not fields[1].isdigit():
                raise HandshakeError(0, f"not an HTTP answer: {status_line[:80]!r}")
            status = int(fields[1])
            answer: dict[str, str] = {}
            for line in header_lines:
                if not line:
                    continue
                name, sep, value = line.partition(":")
                if not sep:
                    raise HandshakeError(status, f"a malformed header line: {line[:80]!r}")
                lower = name.strip().lower()
                answer[lower] = (answer[lower] + ", " + value.strip()) if lower in answer else value.strip()
            if status != 101:
                body = b""
                length = answer.get("content-length", "")
                if length.isdigit() and int(length) <= 1 << 20:
                    try:
                        body = await asyncio.wait_for(reader.readexactly(int(length)), 5.0)
                    except (asyncio.IncompleteReadError, asyncio.TimeoutError):
                        pass
                raise HandshakeError(status, f"the server answered {status} instead of switching to WebSocket", body, answer)
            if answer.get("upgrade", "").lower() != "websocket":
                raise HandshakeError(status, "the answer's Upgrade is not websocket")
            if "upgrade" not in [token.strip().lower() for token in answer.get("connection", "").split(",")]:
                raise HandshakeError(status, "the answer's Connection does not say Upgrade")
            if answer.get("sec-websocket-accept") != accept_key(key):
                raise HandshakeError(status, "the answer's Sec-WebSocket-Accept does not match the key")
            if answer.get("sec-websocket-extensions"):
                raise HandshakeError(status, "the server chose an extension that was not offered")
            if answer.get("sec-websocket-protocol"):
                raise HandshakeError(status, "the server chose a subprotocol that was not offered")
        except BaseException:
            writer.close()
            raise
        return WebSocket(reader, writer, max_message=max_message)

    return await asyncio.wait_for(handshake(), timeout)
