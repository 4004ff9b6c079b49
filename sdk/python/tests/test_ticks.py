"""``algo.ticks()`` iterators on one stream: subscribed and listening from the call, counted per
instrument (a refused or cancelled call takes back only what it added), a richer mode asked of
an instrument held in a poorer one, and the agent's ``lagged`` message logged once per algo.

Against a fake of the agent's stream (fakestream.py). No agent needed.
"""
from __future__ import annotations

import asyncio
import gc
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # fakestream

from algodeck import AlgoDeckError  # noqa: E402
from fakestream import FakeStreamCase, Seen, tick, until  # noqa: E402

INFY, TCS = ("ticks", "NSE:INFY"), ("ticks", "NSE:TCS")


class TicksTest(FakeStreamCase):
    async def test_ticks_subscribe_and_listen_from_the_call_not_from_their_first_read(self) -> None:
        fake, algo = await self.connect()
        ticks = algo.ticks(["NSE:INFY", "NSE:TCS"])
        seen = Seen(algo, "ticks")
        await until(lambda: fake.sent("subscribe") != [], what="the subscribe, with no read yet")
        self.assertEqual(fake.sent("subscribe"), [{"type": "subscribe", "topic": "ticks", "instruments": ["NSE:INFY", "NSE:TCS"], "carry": True, "mode": "quote"}])
        fake.tell({"type": "ticks", "ticks": [tick("NSE:INFY", 1), tick("NSE:WIPRO", 2)]})
        fake.tell({"type": "ticks", "ticks": [tick("NSE:TCS", 3)]})
        await seen.until(2)  # handed to the iterator's listener before it is first read
        got = [await asyncio.wait_for(anext(ticks), 5) for _ in range(2)]
        self.assertEqual([(t.instrument, t.last_price) for t in got], [("NSE:INFY", 1), ("NSE:TCS", 3)], "its instruments', in order")
        await ticks.aclose()
        await ticks.aclose()  # idempotent
        self.assertEqual((self.listeners(algo, "ticks"), INFY in algo._stream._entries), (1, False), "only the test's listener is left")
        self.assertEqual(fake.sent("unsubscribe"), [{"type": "unsubscribe", "topic": "ticks", "instruments": ["NSE:INFY", "NSE:TCS"]}])
        with self.assertRaises(StopAsyncIteration):
            await anext(ticks)

    async def test_a_refused_call_leaves_the_ticks_of_another_iterator_alone(self) -> None:
        fake, algo = await self.connect(refuse=("NSE:TYPO",))
        mine = algo.ticks(["NSE:INFY"])
        await until(lambda: fake.sent("subscribe") != [])
        fake.tell({"type": "ticks", "ticks": [tick("NSE:INFY", 1)]})
        self.assertEqual((await asyncio.wait_for(anext(mine), 5)).last_price, 1)
        refused = algo.ticks(["NSE:INFY", "NSE:TYPO"])
        with self.assertRaises(AlgoDeckError) as error:
            await asyncio.wait_for(anext(refused), 5)
        self.assertEqual((error.exception.code, error.exception.field), ("unknown_instrument", "instruments"))
        self.assertEqual(fake.sent("subscribe")[1]["instruments"], ["NSE:TYPO"], "only what was not subscribed yet is asked")
        self.assertEqual(algo._stream._entries[INFY].refs, 1, "the refused call took back its count, once")
        self.assertNotIn(("ticks", "NSE:TYPO"), algo._stream._entries)
        fake.tell({"type": "ticks", "ticks": [tick("NSE:INFY", 2)]})
        self.assertEqual((await asyncio.wait_for(anext(mine), 5)).last_price, 2, "the first iterator keeps its ticks")
        self.assertEqual(fake.sent("unsubscribe"), [], "nothing was left")
        with self.assertRaises(StopAsyncIteration):
            await anext(refused)
        await mine.aclose()

    async def test_a_cancelled_subscribe_takes_back_only_what_it_added(self) -> None:
        fake, algo = await self.connect(ignore=("NSE:SLOW",))
        mine = algo.ticks(["NSE:INFY"])
        await until(lambda: fake.sent("subscribe") != [])
        slow = algo.ticks(["NSE:SLOW", "NSE:INFY"])  # its subscribe is never answered: it holds the stream's lock
        slow_reader = asyncio.ensure_future(anext(slow))
        await until(lambda: len(fake.sent("subscribe")) == 2)
        waiting = algo.ticks(["NSE:INFY", "NSE:TCS"])  # waits for the lock
        waiting_reader = asyncio.ensure_future(anext(waiting))
        await asyncio.sleep(0.05)
        self.assertEqual(algo._stream._entries[INFY].refs, 2, "counted by the slow call, not yet by the waiting one")
        for reader in (waiting_reader, slow_reader):
            reader.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await reader
        await until(lambda: fake.sent("unsubscribe") != [], what="the unsubscribe of what the agent may have subscribed")
        self.assertEqual(fake.sent("unsubscribe"), [{"type": "unsubscribe", "topic": "ticks", "instruments": ["NSE:SLOW"]}])
        self.assertEqual(self.held_ticks(algo), {"NSE:INFY": 1})
        self.assertEqual(len(fake.sent("subscribe")), 2, "the waiting call never subscribed")
        fake.tell({"type": "ticks", "ticks": [tick("NSE:INFY", 1)]})
        self.assertEqual((await asyncio.wait_for(anext(mine), 5)).last_price, 1, "the first iterator keeps its ticks")
        await mine.aclose()

    async def test_the_algos_close_ends_a_ticks_iterator_even_while_it_subscribes(self) -> None:
        fake, algo = await self.connect(ignore=("NSE:SLOW",))
        slow = algo.ticks(["NSE:SLOW"])  # never answered
        reader = asyncio.ensure_future(anext(slow))
        await until(lambda: fake.sent("subscribe") != [])
        await algo.close()
        with self.assertRaises(StopAsyncIteration):
            await asyncio.wait_for(reader, 5)
        self.assertEqual((self.listeners(algo, "ticks"), self.held_ticks(algo)), (0, {}))

    async def test_a_richer_mode_subscribes_again_and_a_reconnect_keeps_it(self) -> None:
        fake, algo = await self.connect()
        quote = algo.ticks(["NSE:INFY"])
        full = algo.ticks(["NSE:INFY", "NSE:TCS"], mode="full")
        ltp = algo.ticks(["NSE:INFY"], mode="ltp")
        plain = algo.ticks(["NSE:TCS"], carry=False)
        await until(lambda: all(i._subscribing.done() for i in (quote, full, ltp, plain)))
        self.assertEqual(
            [(m["instruments"], m["mode"]) for m in fake.sent("subscribe")],
            [(["NSE:INFY"], "quote"), (["NSE:INFY", "NSE:TCS"], "full")],
            "held in quote, asked in full: subscribed again in full; ltp and no carry ask nothing more",
        )
        self.assertEqual([algo._stream._entries[k].options for k in (INFY, TCS)], [{"carry": True, "mode": "full"}] * 2)
        self.assertEqual((algo._stream._entries[INFY].refs, algo._stream._entries[TCS].refs), (3, 2))
        reconnected = asyncio.Event()
        algo.on_reconnect(reconnected.set)
        fake.peers[0].writer.close()  # the agent goes away
        await asyncio.wait_for(reconnected.wait(), 10)
        self.assertEqual(fake.sent("subscribe", connection=2), [{"type": "subscribe", "topic": "ticks", "instruments": ["NSE:INFY", "NSE:TCS"], "carry": True, "mode": "full"}], "made again in the richer mode")
        for iterator in (quote, full, ltp, plain):
            await iterator.aclose()
        self.assertEqual([m["instruments"] for m in fake.sent("unsubscribe")], [["NSE:INFY"], ["NSE:TCS"]], "each once its last user left")

    async def test_the_agents_lagged_message_is_logged_once_per_algo(self) -> None:
        fake, algo = await self.connect()
        iterators = [algo.ticks(["NSE:INFY"]), algo.ticks(["NSE:INFY", "NSE:TCS"])]
        fake.tell({"type": "lagged", "conflated": 7})
        await Seen(algo, "lagged").until(1)
        lines = self.logged("the stream fell behind: ticks were conflated")
        self.assertEqual([(line["level"], line["conflated"]) for line in lines], [("warn", 7)])
        for iterator in iterators:
            await iterator.aclose()

    async def test_a_ticks_iterator_dropped_read_or_not_leaves_nothing_subscribed(self) -> None:
        fake, algo = await self.connect()
        inboxes = len(algo._inboxes)
        algo.ticks(["NSE:TCS"])  # made and dropped at once
        subscribed = algo.ticks(["NSE:INFY"])
        await until(lambda: INFY in algo._stream._entries and subscribed._subscribing.done())
        del subscribed  # dropped once subscribed, never read
        gc.collect()
        await until(lambda: INFY not in algo._stream._entries and not algo._stream._tasks, what="the release")
        self.assertEqual((self.listeners(algo, "ticks"), len(algo._inboxes)), (0, inboxes))
        self.assertEqual(self.held_ticks(algo), {})
        for instrument in ("NSE:TCS", "NSE:INFY"):
            asked = [m for m in fake.sent("subscribe") if instrument in m["instruments"]]
            left = [m for m in fake.sent("unsubscribe") if instrument in m["instruments"]]
            self.assertEqual(len(asked), len(left), f"{instrument}: each subscribe undone")
        fake.tell({"type": "ticks", "ticks": [tick("NSE:INFY", 1)] * 3})  # nobody listens: nothing piles up
        await asyncio.sleep(0.05)
        self.assertEqual(len(algo._inboxes), inboxes)


if __name__ == "__main__":
    unittest.main()
