"""The SDK against a real agent (no mocks): run by test/sdk/python-sdk.test.ts, which starts one.

Needs ALGODECK_URL, ALGODECK_TOKEN (the agent's owner token: some tests set risk limits) and
ALGODECK_ALGO; the agent's ticker must carry NSE:INFY and NSE:TCS. Skipped without them.
"""
from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import unittest
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import algodeck  # noqa: E402
from algodeck import AlgoDeckError, RiskRejected  # noqa: E402
from algodeck.rest import RestClient  # noqa: E402

URL = os.environ.get("ALGODECK_URL", "")
TOKEN = os.environ.get("ALGODECK_TOKEN", "")
ALGO = os.environ.get("ALGODECK_ALGO", "")
LIVE = bool(URL and TOKEN and ALGO)


async def first(iterator: Any, count: int, timeout: float) -> list[Any]:
    """The first ``count`` items of an async iterator, within ``timeout`` seconds."""
    out: list[Any] = []

    async def take() -> None:
        async for item in iterator:
            out.append(item)
            if len(out) >= count:
                break

    await asyncio.wait_for(take(), timeout)
    await iterator.aclose()
    return out


@unittest.skipUnless(LIVE, "set ALGODECK_URL, ALGODECK_TOKEN and ALGODECK_ALGO to test against an agent")
class AgentTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.algo = await algodeck.connect()  # from the environment
        self.owner = RestClient(URL, TOKEN)

    async def asyncTearDown(self) -> None:
        await self.algo.close()

    async def test_ticks_arrive_typed_for_the_instruments_asked(self) -> None:
        self.assertEqual(self.algo.name, ALGO)
        ticks = await first(self.algo.ticks(["NSE:INFY", "NSE:TCS"]), 10, 15)
        self.assertEqual(len(ticks), 10)
        self.assertTrue({t.instrument for t in ticks} <= {"NSE:INFY", "NSE:TCS"})
        for tick in ticks:
            self.assertIsInstance(tick, algodeck.Tick)
            self.assertGreater(tick.last_price, 0)
            self.assertIsNotNone(tick.timestamp.tzinfo)
            self.assertGreater(tick.received_at, 1e12)
        # Two iterators on one connection: each gets its own instruments; one ending leaves the other.
        infy = self.algo.ticks(["NSE:INFY"])
        both = self.algo.ticks(["NSE:INFY", "NSE:TCS"])
        self.assertEqual({t.instrument for t in await first(infy, 3, 15)}, {"NSE:INFY"})
        self.assertGreaterEqual(len(await first(both, 5, 15)), 5)

    async def test_ticks_of_an_instrument_the_ticker_did_not_carry_arrive_carried_for_the_algo(self) -> None:
        carried = await self.owner.call("GET", "/ticker")
        self.assertNotIn("NSE:WIPRO", [s["instrument"] for s in carried["subscriptions"]])
        ticks = await first(self.algo.ticks(["NSE:WIPRO"], mode="ltp"), 2, 15)
        self.assertEqual({t.instrument for t in ticks}, {"NSE:WIPRO"})
        subscriptions = {s["instrument"]: s["mode"] for s in (await self.owner.call("GET", "/ticker"))["subscriptions"]}
        self.assertEqual(subscriptions.get("NSE:WIPRO"), "ltp", "carried in the mode asked")

    async def test_quote_and_instrument_search(self) -> None:
        quotes = await self.algo.quote(["NSE:INFY", "NSE:TCS"])
        self.assertEqual(set(quotes), {"NSE:INFY", "NSE:TCS"})
        self.assertEqual(quotes["NSE:INFY"].mode, "full")
        self.assertEqual(len(quotes["NSE:INFY"].depth.buy if quotes["NSE:INFY"].depth else []), 5)
        found = await self.algo.instruments.search("INFY", limit=5)
        self.assertEqual(found[0].id, "NSE:INFY")
        self.assertEqual((found[0].tradingsymbol, found[0].lot_size, found[0].tradable), ("INFY", 1, True))

    async def test_errors_from_the_agent_are_typed(self) -> None:
        with self.assertRaises(AlgoDeckError) as unknown:
            await self.algo.quote(["NSE:NOPE"])
        self.assertEqual((unknown.exception.code, unknown.exception.status, unknown.exception.field), ("unknown_instrument", 400, "instruments"))
        with self.assertRaises(AlgoDeckError) as invalid:
            await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=1, type="LIMIT")
        self.assertEqual((invalid.exception.code, invalid.exception.field), ("invalid_request", "price"))
        with self.assertRaises(AlgoDeckError) as refused:
            await algodeck.connect(URL, "wrong-token-0123456789", ALGO)
        self.assertEqual((refused.exception.code, refused.exception.status), ("unauthorized", 401))

    async def test_candles_history_then_live_closed_bars_without_gap_or_duplicate(self) -> None:
        bars: list[algodeck.Bar] = []
        iterator = self.algo.candles("NSE:INFY", "minute", count=5)
        async for bar in iterator:
            bars.append(bar)
            if bar.live:
                break
            self.assertEqual(len(bars) <= 5, True)
        await iterator.aclose()
        history, live = bars[:-1], bars[-1]
        self.assertEqual(len(history), 5, "count bars of history first")
        self.assertTrue(all(not b.live and b.closed for b in history))
        times = [b.time for b in bars]
        self.assertEqual([b - a for a, b in zip(times, times[1:])], [timedelta(minutes=1)] * 5, "one bar a minute, none missing, none twice")
        self.assertTrue(live.closed and live.live)
        # The live bar is the one the agent's history now has for that minute.
        answer = await self.algo._rest.call("GET", "/candles", query={"instrument": "NSE:INFY", "interval": "minute", "from": algodeck.models.format_time(live.time)})
        stored = answer["candles"][0]
        self.assertEqual(algodeck.models.parse_time(stored["time"]), live.time)
        self.assertEqual((stored["open"], stored["high"], stored["low"], stored["close"], stored["volume"]), (live.open, live.high, live.low, live.close, live.volume))

    async def test_candles_history_only_and_paged_beyond_one_answer(self) -> None:
        bars = [b async for b in self.algo.candles("NSE:TCS", "minute", count=250, live=False)]
        self.assertEqual(len(bars), 250, "more than the agent's 200 a query: paged back")
        times = [b.time for b in bars]
        self.assertEqual(times, sorted(set(times)), "oldest first, none twice")

    async def test_an_order_is_placed_and_filled_and_reported(self) -> None:
        updates: list[algodeck.Order] = []
        seen_filled = asyncio.Event()
        order_id: list[str] = []

        async def follow() -> None:
            async for order in self.algo.orders.updates():
                updates.append(order)
                if order_id and order.id == order_id[0] and order.state == "filled":
                    seen_filled.set()

        follower = asyncio.create_task(follow())
        await asyncio.sleep(0.5)  # subscribed
        quote = (await self.algo.quote(["NSE:INFY"]))["NSE:INFY"]
        order = await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=2, type="MARKET", stop_loss=round(quote.last_price * 0.98, 1))
        order_id.append(order.id)
        # The stream may tell of the fill before the placing call's answer is read.
        if any(u.id == order.id and u.state == "filled" for u in updates):
            seen_filled.set()
        self.assertEqual((order.state, order.filled_quantity, order.algo), ("filled", 2, ALGO))
        self.assertIsNotNone(order.client_order_id, "an id made by the SDK")
        self.assertGreater(order.average_price or 0, 0)
        again = await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=2, type="MARKET", client_order_id=order.client_order_id)
        self.assertEqual(again.id, order.id, "the same clientOrderId is the same order, never a second")
        await asyncio.wait_for(seen_filled.wait(), 10)
        follower.cancel()
        self.assertTrue(all(u.algo == ALGO for u in updates))
        listed = await self.algo.orders.list(state="filled")
        self.assertIn(order.id, [o.id for o in listed])
        positions = {p.instrument: p for p in await self.algo.positions()}
        self.assertGreaterEqual(positions["NSE:INFY"].quantity, 2)
        risk = await self.algo.risk.state()
        self.assertEqual((risk.algo, risk.state), (ALGO, "ACTIVE"))
        self.assertGreater(risk.money_at_risk.get("NSE:INFY", 0), 0)
        self.assertIn(ALGO, risk.exposure["NSE:INFY"]["algos"])
        # A resting order cancels.
        resting = await self.algo.orders.place(instrument="NSE:TCS", side="BUY", quantity=1, type="LIMIT", price=round((await self.algo.quote(["NSE:TCS"]))["NSE:TCS"].last_price * 0.5, 1))
        self.assertEqual(resting.state, "open")
        self.assertEqual((await self.algo.orders.cancel(resting.id)).state, "cancelled")
        with self.assertRaises(AlgoDeckError) as twice:
            await self.algo.orders.cancel(resting.id)
        self.assertEqual((twice.exception.code, twice.exception.status), ("conflict", 409))

    async def test_an_order_past_a_limit_raises_risk_rejected_with_its_rule(self) -> None:
        await self.owner.call("PUT", "/risk/limits", body={"algos": {ALGO: {"maxOrderQuantity": 3}}})
        try:
            with self.assertRaises(RiskRejected) as refused:
                await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=5, type="MARKET")
            error = refused.exception
            self.assertEqual((error.code, error.rule, error.limit, error.status), ("risk_rejected", "max_order_quantity", 3, 422))
            self.assertTrue(error.message)
            self.assertIsInstance(error.order, algodeck.Order)
            self.assertEqual((error.order.state, error.order.algo, error.order.quantity), ("rejected", ALGO, 5))
            self.assertEqual(error.order.rejection and error.order.rejection["rule"], "max_order_quantity")
        finally:
            await self.owner.call("PUT", "/risk/limits", body={"algos": {ALGO: None}})

    async def test_risk_events_follow_a_state_set_by_hand(self) -> None:
        events = self.algo.risk.events()
        waiting = asyncio.ensure_future(first(events, 2, 10))
        await asyncio.sleep(0.5)  # subscribed
        await self.owner.call("POST", "/risk/states", body={"scope": ALGO, "state": "HALTED", "reason": "a test"})
        try:
            self.assertEqual((await self.algo.risk.state()).state, "HALTED")
            with self.assertRaises(RiskRejected) as halted:
                await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=1, type="MARKET")
            self.assertEqual(halted.exception.rule, "halted")
        finally:
            await self.owner.call("POST", "/risk/states", body={"scope": ALGO, "state": "ACTIVE"})
        got = await waiting
        self.assertEqual([(e.scope, e.from_state, e.to_state) for e in got], [(ALGO, "ACTIVE", "HALTED"), (ALGO, "HALTED", "ACTIVE")])
        self.assertEqual(got[0].reason, "a test")

    async def test_updates_made_before_placing_see_the_order_even_its_fill_told_before_the_answer(self) -> None:
        updates = self.algo.orders.updates()  # listening from here on: no wait for a subscription
        quote = (await self.algo.quote(["NSE:INFY"]))["NSE:INFY"]
        order = await self.algo.orders.place(instrument="NSE:INFY", side="BUY", quantity=1, type="MARKET", stop_loss=round(quote.last_price * 0.98, 1))
        self.assertEqual(order.state, "filled", "filled before the placing call answered")
        states: list[str] = []

        async def follow() -> None:
            async for update in updates:
                if update.id == order.id:
                    states.append(update.state)
                    if update.state == "filled":
                        return

        await asyncio.wait_for(follow(), 10)
        await updates.aclose()
        self.assertEqual(states[-1], "filled")
        self.assertEqual(states, sorted(set(states), key=states.index), "each state once, in order")

    async def test_risk_events_made_before_a_change_see_it_without_waiting(self) -> None:
        events = self.algo.risk.events()
        await self.owner.call("POST", "/risk/states", body={"scope": ALGO, "state": "HALTED", "reason": "held at once"})
        await self.owner.call("POST", "/risk/states", body={"scope": ALGO, "state": "ACTIVE"})
        got = await first(events, 2, 10)
        self.assertEqual([(e.scope, e.to_state) for e in got], [(ALGO, "HALTED"), (ALGO, "ACTIVE")])

    async def test_ticks_past_max_queued_keep_the_latest_per_instrument_and_warn_once_caught_up(self) -> None:
        out = io.StringIO()
        algo = await algodeck.connect(URL, TOKEN, ALGO, log_to=out)
        self.addAsyncCleanup(algo.close)

        def warnings() -> list[dict[str, Any]]:
            lines = [json.loads(line) for line in out.getvalue().splitlines()]
            return [line for line in lines if line["msg"].startswith("the algo fell behind its ticks")]

        ticks = algo.ticks(["NSE:INFY", "NSE:TCS"], max_queued=2)
        before = await asyncio.wait_for(anext(ticks), 15)  # subscribed: ticks flow
        await asyncio.sleep(2)  # not read meanwhile: some 40 ticks come
        waited: list[algodeck.Tick] = []

        async def drain() -> None:
            # Plain reads: what waits is read at once, with no task between reads (as wait_for
            # would make on 3.11) to let the loop run, so no new tick joins meanwhile.
            while not warnings():
                waited.append(await anext(ticks))

        await asyncio.wait_for(drain(), 5)
        await ticks.aclose()
        self.assertLessEqual(len(waited), 2 + 2, "2 in order, then the latest of each instrument")
        [warning] = warnings()
        self.assertEqual((warning["level"], warning["msg"]), ("warn", "the algo fell behind its ticks: some were replaced by the latest of their instrument"))
        self.assertGreaterEqual(warning["conflated"], 10)
        for instrument in ("NSE:INFY", "NSE:TCS"):
            times = [t.received_at for t in [before, *waited] if t.instrument == instrument]
            self.assertEqual(times, sorted(times), f"{instrument}'s ticks in order")

    async def test_state_survives_a_new_connection(self) -> None:
        await self.algo.state.set("position", {"qty": 3, "entry": 1520.5})
        await self.algo.state.set("count", 7)
        await self.algo.state.set("gone", "soon")
        await self.algo.state.delete("gone")
        self.assertEqual(await self.algo.state.get("count"), 7)
        self.assertIsNone(await self.algo.state.get("gone"))
        self.assertEqual(await self.algo.state.get("missing", "default"), "default")
        await self.algo.close()
        self.algo = await algodeck.connect(URL, TOKEN, ALGO)
        values = await self.algo.state.all()
        self.assertEqual({k: values[k] for k in ("position", "count")}, {"position": {"qty": 3, "entry": 1520.5}, "count": 7})
        self.assertNotIn("gone", values)
        after = await self.algo.state.update({"count": 8, "position": None})
        self.assertEqual((after.get("count"), "position" in after), (8, False))
        with self.assertRaises(AlgoDeckError) as bad:
            await self.algo.state.set("x" * 129, 1)
        self.assertEqual((bad.exception.code, bad.exception.status), ("invalid_request", 400))
        self.assertTrue(bad.exception.field and bad.exception.field.startswith("values"))


if __name__ == "__main__":
    unittest.main()
