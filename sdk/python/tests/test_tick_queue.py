"""A ticks() iterator's queue (algodeck.inbox.TickQueue): in order up to its bound, then the
latest tick per instrument, and one warning once the algo caught up. No agent needed."""
from __future__ import annotations

import asyncio
import io
import json
import sys
import unittest
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import algodeck  # noqa: E402
from algodeck.inbox import FELL_BEHIND, Inbox, TickQueue  # noqa: E402
from algodeck.log import Logger  # noqa: E402


class Queue:
    """A TickQueue whose warnings are logged to a buffer, fed and read as (instrument, n) pairs."""

    def __init__(self, max_queued: int) -> None:
        self.out = io.StringIO()
        self.queue = TickQueue(max_queued, Logger(self.out).warn)

    def put(self, *ticks: tuple[str, int]) -> None:
        for instrument, n in ticks:
            self.queue.put({"instrument": instrument, "lastPrice": n})

    def take(self, count: int | None = None) -> list[tuple[str, int]]:
        """``count`` ticks (all that wait when None), in the order the iterator would yield them."""
        out: list[tuple[str, int]] = []
        while len(self.queue) and (count is None or len(out) < count):
            item = self.queue.get_nowait()
            out.append((item["instrument"], item["lastPrice"]))
        return out

    def warnings(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


class TickQueueTest(unittest.TestCase):
    def test_below_the_bound_every_tick_comes_in_order(self) -> None:
        q = Queue(5)
        sent = [("A", 1), ("B", 2), ("A", 3), ("A", 4), ("B", 5)]
        q.put(*sent)
        self.assertEqual(len(q.queue), 5)
        self.assertEqual(q.take(), sent)
        self.assertEqual(q.warnings(), [], "nothing was replaced: nothing to say")

    def test_past_the_bound_a_tick_replaces_the_waiting_one_of_its_instrument(self) -> None:
        q = Queue(2)
        q.put(("A", 1), ("B", 2), ("A", 3), ("B", 4), ("A", 5), ("C", 6), ("A", 7))
        # A1 B2 in order; then A3 (replaced by A5, then by A7), B4, C6: one each, in the order they came.
        self.assertEqual(q.queue.conflated, 2)
        self.assertEqual(q.take(), [("A", 1), ("B", 2), ("A", 7), ("B", 4), ("C", 6)])

    def test_each_instrument_keeps_its_order_while_the_reader_catches_up(self) -> None:
        q = Queue(3)
        taken: list[tuple[str, int]] = []
        for n in range(1, 201):
            q.put(("ABCD"[n % 4], n))
            if n % 3 == 0:
                taken += q.take(1)  # a reader slower than the ticks: the queue fills, then conflates
            if n % 50 == 0:
                taken += q.take(2)  # and now and then catches up a little: in order again below the bound
        taken += q.take()
        self.assertGreater(len(taken), 60)
        for instrument in "ABCD":
            mine = [n for i, n in taken if i == instrument]
            self.assertEqual(mine, sorted(mine), f"{instrument}'s ticks in the order they came")
            self.assertEqual(mine[-1], max(n for n in range(1, 201) if "ABCD"[n % 4] == instrument), "its latest tick always comes")

    def test_memory_stays_within_the_bound_plus_one_tick_per_instrument(self) -> None:
        q = Queue(100)
        for n in range(20_000):
            q.put((f"NSE:I{n * 7 % 30}", n))
            self.assertLessEqual(len(q.queue), 100 + 30)
        self.assertEqual(len(q.queue), 130)
        self.assertEqual(q.queue.conflated, 20_000 - 130)
        self.assertEqual(len(q.take()), 130)

    def test_one_warning_once_the_reader_has_caught_up_then_the_count_starts_again(self) -> None:
        q = Queue(2)
        q.put(*[("AB"[n % 2], n) for n in range(10)])  # 2 in order, 2 conflated: 6 replaced
        q.take(3)
        self.assertEqual(q.warnings(), [], "not while ticks still wait")
        q.take(1)
        [line] = q.warnings()
        self.assertEqual((line["level"], line["msg"], line["conflated"]), ("warn", FELL_BEHIND, 6))
        self.assertEqual(FELL_BEHIND, "the algo fell behind its ticks: some were replaced by the latest of their instrument")
        q.put(("A", 1), ("A", 2), ("A", 3))  # 2 in order, 1 conflated: none replaced
        q.take()
        self.assertEqual(len(q.warnings()), 1, "caught up again with nothing replaced: no new warning")
        q.put(*[("A", n) for n in range(5)])  # 2 in order, then 3 for one place: 2 replaced
        q.take()
        self.assertEqual([line["conflated"] for line in q.warnings()], [6, 2])

    def test_an_invalid_bound_is_refused(self) -> None:
        for bad in (0, -1, 1.5, "10", None, True):
            with self.subTest(max_queued=bad), self.assertRaises(ValueError):
                TickQueue(bad, Logger(io.StringIO()).warn)  # type: ignore[arg-type]
        self.assertEqual(Queue(1).queue.max_queued, 1)
        algo = algodeck.Algo("http://127.0.0.1:9", "tok-0123456789abcdef", "unit")
        with self.assertRaises(ValueError, msg="refused when the iterator is made, before anything is awaited"):
            algo.ticks(["NSE:INFY"], max_queued=0)
        with self.assertRaises(ValueError):
            algo.ticks([])


class InboxTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_reader_waits_for_items_and_ends_after_what_waited_once_closed(self) -> None:
        inbox: Inbox[int] = Inbox()
        reader = asyncio.ensure_future(inbox.get())
        await asyncio.sleep(0.01)
        self.assertFalse(reader.done())
        inbox.put(1)
        self.assertEqual(await reader, 1)
        inbox.put(2)
        inbox.close()
        inbox.put(3)  # after the close: dropped
        self.assertEqual([await inbox.get(), await inbox.get(), await inbox.get()], [2, None, None])
        queue = TickQueue(10, Logger(io.StringIO()).warn)
        reader = asyncio.ensure_future(queue.get())
        await asyncio.sleep(0.01)
        queue.close()
        self.assertIsNone(await reader, "a waiting ticks() iterator ends when the algo closes")


if __name__ == "__main__":
    unittest.main()
