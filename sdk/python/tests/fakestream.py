"""A fake of the agent's stream (over wsserver.py) for the tests of the stream's iterators, and
the test case that connects an algo to it. No agent needed.

It answers subscribes, refuses those naming a topic or an instrument it is told to, leaves
unanswered those naming an instrument it is told to ignore, and sends what a test gives it.
"""
from __future__ import annotations

import asyncio
import io
import json
import sys
import time
import unittest
from pathlib import Path
from typing import Any, Callable

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]  # the SDK, wsserver

import algodeck  # noqa: E402
from wsserver import Peer, serve  # noqa: E402

ALGO = "unit"


class FakeStream:
    """The agent's stream as the iterators see it: one script per connection (a reconnect is a new one)."""

    def __init__(self, refuse: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.ignore = ignore
        #: Every request, per connection: (connection number, message).
        self.requests: list[tuple[int, dict[str, Any]]] = []
        self.peers: list[Peer] = []

    async def script(self, peer: Peer) -> None:
        self.peers.append(peer)
        connection = len(self.peers)
        while True:
            _, opcode, payload = await peer.frame()
            if opcode == 8:
                peer.send(8, payload[:2])
                return
            message = json.loads(payload)
            self.requests.append((connection, message))
            named = set(message.get("instruments") or [])
            if message["type"] == "subscribe" and named & set(self.ignore):
                continue
            if message.get("topic") in self.refuse:
                answer = {"type": "error", "id": message["id"], "error": {"code": "forbidden", "message": "This token may not do that."}}
            elif message["type"] == "subscribe" and named & set(self.refuse):
                answer = {"type": "error", "id": message["id"], "error": {"code": "unknown_instrument", "message": "No such instrument.", "field": "instruments"}}
            else:
                answer = {"type": {"subscribe": "subscribed", "unsubscribe": "unsubscribed"}.get(message["type"], "pong"), "id": message["id"], "topic": message.get("topic")}
            peer.send(1, json.dumps(answer).encode())

    def tell(self, message: dict[str, Any]) -> None:
        """Sends a topic's message on the current connection."""
        self.peers[-1].send(1, json.dumps(message).encode())

    def subscribed(self, connection: int) -> list[str]:
        return [m["topic"] for n, m in self.requests if n == connection and m["type"] == "subscribe"]

    def sent(self, kind: str, topic: str = "ticks", connection: int | None = None) -> list[dict[str, Any]]:
        """The ``kind`` requests (subscribe, unsubscribe) of ``topic``, on one connection or all, without their ids."""
        return [{k: v for k, v in m.items() if k != "id"} for n, m in self.requests if m["type"] == kind and m.get("topic") == topic and connection in (None, n)]


class Seen:
    """Counts the messages of a type the algo's stream has handed to its listeners.

    Listeners are called in the order they were added: once this one has seen a message, those
    added before it (an iterator made before) have had it too.
    """

    def __init__(self, algo: algodeck.Algo, message_type: str) -> None:
        self.count = 0
        self._changed = asyncio.Event()
        algo._stream.on(message_type, self._saw)

    def _saw(self, message: dict[str, Any]) -> None:
        self.count += 1
        self._changed.set()

    async def until(self, count: int, timeout: float = 5) -> None:
        async def wait() -> None:
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), timeout)


async def until(done: Callable[[], bool], timeout: float = 5, what: str = "the condition") -> None:
    """Waits until ``done()`` is true; fails the test after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not come within {timeout:g} s")
        await asyncio.sleep(0.01)


def tick(instrument: str, price: float) -> dict[str, Any]:
    """A quote-mode tick as the agent's JSON format sends it."""
    return {"instrument": instrument, "token": 408065, "mode": "quote", "tradable": True, "lastPrice": price, "timestamp": "2026-12-02T09:15:00.000Z", "receivedAt": 1.7e12 + price}


class FakeStreamCase(unittest.IsolatedAsyncioTestCase):
    """Connects an algo to a fresh FakeStream; its log is kept in ``self.log``."""

    async def connect(self, refuse: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> tuple[FakeStream, algodeck.Algo]:
        fake = FakeStream(refuse, ignore)
        server, port, failures = await serve(fake.script)
        self.addAsyncCleanup(self._stop, server, failures)
        self.log = io.StringIO()
        algo = await algodeck.connect(f"http://127.0.0.1:{port}", "tok-0123456789abcdef", ALGO, log_to=self.log)
        self.addAsyncCleanup(algo.close)
        return fake, algo

    async def _stop(self, server: asyncio.AbstractServer, failures: list[BaseException]) -> None:
        server.close()
        await server.wait_closed()
        self.assertEqual(failures, [])

    def held_ticks(self, algo: algodeck.Algo) -> dict[str, int]:
        """The instruments whose ticks the algo's stream holds, with their user counts."""
        return {key[1]: entry.refs for key, entry in algo._stream._entries.items() if isinstance(key, tuple) and key[0] == "ticks"}

    def listeners(self, algo: algodeck.Algo, message_type: str) -> int:
        return len(algo._stream._listeners.get(message_type, []))

    def logged(self, msg: str) -> list[dict[str, Any]]:
        """The log lines with this message."""
        return [line for line in map(json.loads, self.log.getvalue().splitlines()) if line["msg"] == msg]
