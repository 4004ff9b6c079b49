"""A channel breakout, long only, in Python: buy when the price rises above the highest high of
the last closed bars (the channel), sell when it falls below their lowest low. The channel is
warmed up from history, so the algo trades from its first tick; every position carries a
stop-loss (given to the risk manager with the order, and watched on every tick), and its state
(position, entry, stop, trades) is kept in the algo's state across restarts.

    python3 breakout.py --instrument NSE:RELIANCE --interval minute --channel 15 --quantity 5 --stop-pct 1

Run as a task, it connects with what the agent gives it; from a terminal, set ALGODECK_URL,
ALGODECK_TOKEN and ALGODECK_ALGO (and put the SDK's folder on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque

import algodeck

FINAL = {"filled", "cancelled", "rejected"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instrument", default="NSE:RELIANCE")
    parser.add_argument("--interval", default="minute")
    parser.add_argument("--channel", type=int, default=15)
    parser.add_argument("--quantity", type=int, default=5)
    parser.add_argument("--stop-pct", type=float, default=1.0)
    return parser.parse_args()


async def main(algo: algodeck.Algo) -> None:
    args = arguments()
    memory = {"held": 0, "entry": None, "stop": None, "trades": 0}
    memory.update(await algo.state.get("memory") or {})
    # The risk manager's book is the truth about what is held.
    positions = [p for p in await algo.positions() if p.instrument == args.instrument]
    memory["held"] = positions[0].quantity if positions else 0
    algo.log.info("started", instrument=args.instrument, channel=args.channel, held=memory["held"], trades=memory["trades"])

    highs: deque[float] = deque(maxlen=args.channel)
    lows: deque[float] = deque(maxlen=args.channel)
    busy = False

    async def trade(side: str, price: float, why: str) -> None:
        nonlocal busy
        busy = True
        stop = round(price * (1 - args.stop_pct / 100), 2) if side == "BUY" else None
        try:
            order = await algo.orders.place(
                instrument=args.instrument, side=side, quantity=args.quantity, type="MARKET", stop_loss=stop
            )
            algo.log.info(f"{'bought' if side == 'BUY' else 'sold'}: {why}", order=order.id, state=order.state, stop_loss=stop)
            if order.state == "filled":
                memory["held"] = args.quantity if side == "BUY" else 0
                memory["entry"] = order.average_price if side == "BUY" else None
                memory["stop"] = stop
                memory["trades"] += 1
                await algo.state.set("memory", memory)
        except algodeck.RiskRejected as refused:
            algo.log.warn(f"the risk manager refused the {side}: {refused.message}", rule=refused.rule)
            await asyncio.sleep(30)  # not again at every tick
        finally:
            busy = False

    async def on_stop() -> None:
        await algo.state.set("memory", memory)
        algo.log.info("stopping", held=memory["held"], trades=memory["trades"])

    algo.on_stop(on_stop)
    algo.on_reconnect(lambda: algo.log.info("the agent is back; subscriptions renewed"))

    async def bars() -> None:
        # The channel: the highs and lows of the last closed bars, history first, then live.
        async for bar in algo.candles(args.instrument, args.interval, count=args.channel):
            highs.append(bar.high)
            lows.append(bar.low)

    async def ticks() -> None:
        async for tick in algo.ticks([args.instrument], mode="quote"):
            if busy or len(highs) < args.channel:
                continue
            price, high, low = tick.last_price, max(highs), min(lows)
            if memory["held"] > 0 and memory["stop"] is not None and price <= memory["stop"]:
                await trade("SELL", price, f"stop-loss at {memory['stop']} hit ({price})")
            elif memory["held"] > 0 and price < low:
                await trade("SELL", price, f"{price} broke below the channel's low of {low}")
            elif memory["held"] == 0 and price > high:
                await trade("BUY", price, f"{price} broke above the channel's high of {high}")

    await asyncio.gather(bars(), ticks())


if __name__ == "__main__":
    algodeck.run(main)
