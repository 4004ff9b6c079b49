"""A tiny WebSocket server for the tests: one script per connection, frame by frame (RFC 6455)."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import ssl
import struct
import sys
from pathlib import Path
from typing import Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algodeck.websocket import encode_frame, mask  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Peer:
    """The server's side of one connection: reads the client's frames (checking the mask), writes raw frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: dict[str, str], target: str) -> None:
        self.reader = reader
        self.writer = writer
        self.request = request
        self.target = target

    async def frame(self) -> tuple[bool, int, bytes]:
        head = await self.reader.readexactly(2)
        fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
        assert head[1] & 0x80, "a client frame must be masked"
        length = head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        key = await self.reader.readexactly(4)
        return fin, opcode, mask(await self.reader.readexactly(length), key)

    def send(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        self.writer.write(encode_frame(opcode, payload, fin=fin))

    def raw(self, data: bytes) -> None:
        self.writer.write(data)


Script = Callable[[Peer], Awaitable[None]]


async def serve(script: Script, *, answer: Callable[[dict[str, str], str], bytes] | None = None, context: ssl.SSLContext | None = None) -> tuple[asyncio.AbstractServer, int, list[BaseException]]:
    """A one-script WebSocket server on loopback; ``answer`` replaces the 101 (for handshake failures)."""
    failures: list[BaseException] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.split("\r\n")
            headers = {}
            for line in lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            target = request_line.split(" ")[1]
            if answer is not None:
                writer.write(answer(headers, target))
                await writer.drain()
            else:
                accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()).decode()
                writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode())
                await writer.drain()
                await script(Peer(reader, writer, headers, target))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except BaseException as error:  # an assertion of the script: report it to the test
            failures.append(error)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    return server, port, failures
