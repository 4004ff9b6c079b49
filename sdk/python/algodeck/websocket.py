"""A small asyncio WebSocket client (RFC 6455, client side), standard library only.

It does what the agent's stream needs and no more: the HTTP/1.1 upgrade with extra headers
(``Authorization: Bearer …``), the ``Sec-WebSocket-Accept`` check, masked client frames, text and
binary messages (fragmented or not), answering pings, and the closing handshake; ``ws://`` and
``wss://`` (TLS through :mod:`ssl`). No extensions (compression) and no subprotocols are offered.
The frames themselves are encoded and checked in :mod:`algodeck.frames`.

A reader task reads frames as they come, answers control frames at once, and queues whole
messages for :meth:`WebSocket.recv`; so a caller may wait for a message with a timeout without
ever cutting a frame in half.
"""
from __future__ import annotations

import asyncio
import base64
import os
import ssl as ssl_module
from typing import Mapping
from urllib.parse import urlsplit

from .frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    MessageAssembler,
    ProtocolError,
    accept_key,
    close_payload,
    encode_frame,
    mask,
    parse_close,
    read_frame,
)

__all__ = ["WebSocket", "ConnectionClosed", "HandshakeError", "connect", "accept_key", "mask", "encode_frame"]

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
        payload = close_payload(code, reason)
        async with self._write_lock:
            if self._close_sent or self._closed is not None:
                return
            self._close_sent = True
            self._writer.write(encode_frame(OP_CLOSE, payload, mask_key=os.urandom(4)))
            await self._writer.drain()

    # --- frames in ---

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assembler = MessageAssembler(self._max_message)
        outcome: ConnectionClosed
        try:
            while True:
                fin, opcode, payload = await read_frame(self._reader, self._max_message)
                self.last_received = loop.time()
                if opcode == OP_PING:
                    if not self._close_sent:
                        try:
                            await self._send_frame(OP_PONG, payload)
                        except ConnectionClosed:
                            pass
                elif opcode == OP_PONG:
                    self._resolve_pong(payload)
                elif opcode == OP_CLOSE:
                    code, reason = parse_close(payload)
                    self._close_received.set()
                    if not self._close_sent:
                        # Echo the close (1005 "no code" is answered with an empty body).
                        try:
                            await self._send_close(code if code != 1005 else 0, "")
                        except (ConnectionError, OSError):
                            pass
                    outcome = ConnectionClosed(code, reason)
                    break
                else:
                    message = assembler.add(fin, opcode, payload)
                    if message is not None:
                        self._messages.put_nowait(message)
        except ProtocolError as error:
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
