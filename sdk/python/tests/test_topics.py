"""The orders and risk topics, held from connect; their iterators listen from when they are made.

Against a fake of the agent's stream (fakestream.py). No agent needed.
"""
from __future__ import annotations

import asyncio
import gc
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # fakestream

import algodeck  # noqa: E402
from algodeck import AlgoDeckError  # noqa: E402
from algodeck.stream import topic_key  # noqa: E402
from fakestream import ALGO, FakeStreamCase, Seen  # noqa: E402

FILLED = {"id": "o-1", "algo": ALGO, "instrument": "NSE:INFY", "side": "BUY", "quantity": 2, "type": "MARKET", "state": "filled", "filledQuantity": 2, "averagePrice": 1500.5, "fees": 0, "createdAt": "2026-12-02T09:15:00.000Z", "updatedAt": "2026-12-02T09:15:00.100Z"}


class HeldTopicsTest(FakeStreamCase):
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
        await Seen(algo, "orders").until(2)  # handed to the iterator's listener before it is first read
        got = [await asyncio.wait_for(anext(updates), 5) for _ in range(2)]
        self.assertEqual([(o.id, o.state, o.filled_quantity) for o in got], [("o-1", "open", 0), ("o-1", "filled", 2)], "this algo's only, in order")
        self.assertEqual(fake.subscribed(1), ["orders", "risk"], "the held subscription serves it: no second subscribe")
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 2, "counted as a user from when it was made")
        await updates.aclose()
        await updates.aclose()  # idempotent
        self.assertEqual(algo._stream._entries[topic_key("orders")].refs, 1, "held still")
        self.assertEqual(self.listeners(algo, "orders"), 1, "the test's own is left")
        self.assertEqual([m["type"] for _, m in fake.requests], ["subscribe", "subscribe"], "never unsubscribed")

    async def test_risk_events_listen_from_when_they_are_made(self) -> None:
        fake, algo = await self.connect()
        mine, everything = algo.risk.events(), algo.risk.events(every_algo=True)
        seen = Seen(algo, "risk_state")
        for scope in (ALGO, "another", "global"):
            fake.tell({"type": "risk_state", "scope": scope, "from": "ACTIVE", "to": "HALTED", "reason": "a test", "at": "2026-12-02T09:15:00.000Z"})
        await seen.until(3)  # handed to both iterators' listeners before they are first read
        self.assertEqual([(await asyncio.wait_for(anext(mine), 5)).scope for _ in range(2)], [ALGO, "global"])
        self.assertEqual([(await asyncio.wait_for(anext(everything), 5)).scope for _ in range(3)], [ALGO, "another", "global"])
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
