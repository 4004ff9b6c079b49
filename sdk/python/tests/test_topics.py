"""The orders and risk topics, held from connect; their iterators listen from when they are made.

Against a fake of the agent's stream (wsserver.py) that answers subscribes, refuses the topics
it is told to, and sends what a test gives it. No agent needed.
"""
from __future__ import annotations

import asyncio
import gc
import io
import json
import sys
import unittest
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]  # the SDK, wsserver

import algodeck  # noqa: E402
from algodeck import AlgoDeckError  # noqa: E402
from algodeck.stream import topic_key  # noqa: E402
from wsserver import Peer, serve  # noqa: E402

ALGO = "unit"
FILLED = {"id": "o-1", "algo": ALGO, "instrument": "NSE:INFY", "side": "BUY", "quantity": 2, "type": "MARKET", "state": "filled", "filledQuantity": 2, "averagePrice": 1500.5, "fees": 0, "createdAt": "2026-12-02T09:15:00.000Z", "updatedAt": "2026-12-02T09:15:00.100Z"}


class FakeStream:
    """The agent's stream as the held topics see it: one script per connection (a reconnect is a new one)."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
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
            if message.get("topic") in self.refuse:
                answer = {"type": "error", "id": message["id"], "error": {"code": "forbidden", "message": "This token may not do that."}}
            else:
                answer = {"type": {"subscribe": "subscribed", "unsubscribe": "unsubscribed"}.get(message["type"], "pong"), "id": message["id"], "topic": message.get("topic")}
            peer.send(1, json.dumps(answer).encode())

    def tell(self, message: dict[str, Any]) -> None:
        """Sends a topic's message on the current connection."""
        self.peers[-1].send(1, json.dumps(message).encode())

    def subscribed(self, connection: int) -> list[str]:
        return [m["topic"] for n, m in self.requests if n == connection and m["type"] == "subscribe"]


class HeldTopicsTest(unittest.IsolatedAsyncioTestCase):
    async def connect(self, refuse: tuple[str, ...] = ()) -> tuple[FakeStream, algodeck.Algo]:
        fake = FakeStream(refuse)
        server, port, failures = await serve(fake.script)
        self.addAsyncCleanup(self._stop, server, failures)
        algo = await algodeck.connect(f"http://127.0.0.1:{port}", "tok-0123456789abcdef", ALGO, log_to=io.StringIO())
        self.addAsyncCleanup(algo.close)
        return fake, algo

    async def _stop(self, server: asyncio.AbstractServer, failures: list[BaseException]) -> None:
        server.close()
        await server.wait_closed()
        self.assertEqual(failures, [])

    def listeners(self, algo: algodeck.Algo, message_type: str) -> int:
        return len(algo._stream._listeners.get(message_type, []))

    async def test_connect_holds_orders_and_risk_and_a_reconnect_holds_them_again(self) -> None:
        fake, algo = await self.connect()
        self.assertEqual(fake.subscribed(1), ["orders", "risk"], "held from connect, before any iterator")
        reconnected = asyncio.Event()
        algo.on_reconnect(reconnected.set)
        fake.peers[0].writer.close()  # the agent goes away
        await asyncio.wait_for(reconnected.wait(), 10)
        self.assertEqual(sorted(fake.subscribed(2)), ["orders", "risk"], "made again on the new connection")
        updates = algo.orders.updates()
        fake.tell({"type": "orders", "orders": [FILLED]})
        self.assertEqual((await asyncio.wait_for(anext(updates), 5)).id, "o-1")
        await updates.aclose()

    async def test_updates_listen_from_when_they_are_made_not_from_their_first_read(self) -> None:
        fake, algo = await self.connect()
        updates = algo.orders.updates()
        other = {**FILLED, "id": "o-2", "algo": "another"}
        fake.tell({"type": "orders", "orders": [{**FILLED, "state": "open", "filledQuantity": 0}, other]})
        fake.tell({"type": "orders", "orders": [FILLED]})
        await asyncio.sleep(0.2)  # told, and read by the stream, before the iterator is first read
        got = [await asyncio.wait_for(anext(updates), 5) for _ in range(2)]
        self.assertEqual([(o.id, o.state, o.filled_quantity) for o in got], [("o-1", "open", 0), ("o-1", "filled", 2)], "this algo's only, in order")
        self.assertEqual(fake.subscribed(1), ["orders", "risk"], "the held subscription serves it: no second subscribe")
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 2, "counted as a user while it is read")
        await updates.aclose()
        await updates.aclose()  # idempotent
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 1, "held still")
        self.assertEqual(self.listeners(algo, "orders"), 0)
        self.assertEqual([m["type"] for _, m in fake.requests], ["subscribe", "subscribe"], "never unsubscribed")

    async def test_risk_events_listen_from_when_they_are_made(self) -> None:
        fake, algo = await self.connect()
        mine, everything = algo.risk.events(), algo.risk.events(every_algo=True)
        for scope in (ALGO, "another", "global"):
            fake.tell({"type": "risk_state", "scope": scope, "from": "ACTIVE", "to": "HALTED", "reason": "a test", "at": "2026-12-02T09:15:00.000Z"})
        await asyncio.sleep(0.2)
        self.assertEqual([(await anext(mine)).scope for _ in range(2)], [ALGO, "global"])
        self.assertEqual([(await anext(everything)).scope for _ in range(3)], [ALGO, "another", "global"])
        await mine.aclose()
        await everything.aclose()

    async def test_a_refused_topic_is_left_at_connect_and_its_iterator_gets_the_error(self) -> None:
        fake, algo = await self.connect(refuse=("orders",))
        self.assertEqual(fake.subscribed(1), ["orders", "risk"], "both asked; the refusal did not fail connect")
        self.assertNotIn(topic_key("orders"), algo._stream._entries, "not held")
        updates = algo.orders.updates()
        with self.assertRaises(AlgoDeckError) as refused:
            await asyncio.wait_for(anext(updates), 5)
        self.assertEqual(refused.exception.code, "forbidden")
        self.assertEqual(fake.subscribed(1), ["orders", "risk", "orders"], "asked again when the iterator subscribed")
        self.assertEqual(self.listeners(algo, "orders"), 0, "the failed iterator stopped listening")
        with self.assertRaises(StopAsyncIteration):
            await anext(updates)
        events = algo.risk.events()  # the other topic is held as usual
        fake.tell({"type": "risk_state", "scope": "global", "from": "ACTIVE", "to": "HALTED", "at": "2026-12-02T09:15:00.000Z"})
        self.assertEqual((await asyncio.wait_for(anext(events), 5)).scope, "global")
        await events.aclose()

    async def test_a_dropped_iterator_stops_listening_read_or_not(self) -> None:
        fake, algo = await self.connect()
        inboxes = len(algo._inboxes)
        algo.orders.updates()  # made and dropped at once: never read, never closed
        algo.risk.events()
        gc.collect()
        self.assertEqual((self.listeners(algo, "orders"), self.listeners(algo, "risk_state"), len(algo._inboxes)), (0, 0, inboxes))

        async def first_update() -> algodeck.Order:
            async for order in algo.orders.updates():
                return order  # leaves the loop without closing the iterator
            raise AssertionError("no update")

        reading = asyncio.ensure_future(first_update())
        await asyncio.sleep(0.1)
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 2)
        fake.tell({"type": "orders", "orders": [FILLED]})
        self.assertEqual((await asyncio.wait_for(reading, 5)).id, "o-1")
        gc.collect()
        await asyncio.sleep(0.05)  # the release runs as a task
        self.assertEqual(self.listeners(algo, "orders"), 0)
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 1, "its subscription given back; the topic still held")
        fake.tell({"type": "orders", "orders": [FILLED] * 3})  # nobody listens: nothing piles up
        await asyncio.sleep(0.1)
        self.assertEqual(len(algo._inboxes), inboxes)

    async def test_a_cancelled_reader_and_the_algos_close_end_the_iterators(self) -> None:
        fake, algo = await self.connect()
        updates = algo.orders.updates()
        reader = asyncio.ensure_future(anext(updates))
        await asyncio.sleep(0.1)
        reader.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await reader
        self.assertEqual(self.listeners(algo, "orders"), 0, "cancelled while waiting: ended, as a generator would be")
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 1)
        events = algo.risk.events()
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.1)
        await algo.close()
        with self.assertRaises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 5)
        self.assertEqual(self.listeners(algo, "risk_state"), 0)


if __name__ == "__main__":
    unittest.main()
