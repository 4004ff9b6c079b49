"""Algos for test/sdk/python-sdk.test.ts, run as child processes (``probe.py restart|task``).

``restart`` (the test restarts the agent under it) follows NSE:INFY's ticks and minute candles through algodeck.run and prints one JSON line per
event (``{"event": …}``) for the test to read: ``ready``, ``bar`` (each bar yielded, history and
live), ``tick`` (the first tick, then the first after each reconnect), ``reconnected`` (from
on_reconnect), ``state`` (read back after the reconnect), ``quote_error`` (a REST call that failed
while the agent was away: it should not happen, calls wait for the agent) and ``stopped`` (from
on_stop, on SIGTERM).

``task`` is run by the agent as a task: it connects from the task's environment (its URL, task
token and name), reads a tick and a quote, keeps what it saw in its state, and ends.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import algodeck  # noqa: E402


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


async def task(algo: algodeck.Algo) -> None:
    algo.log.info("connected", algo=algo.name)
    async for tick in algo.ticks(["NSE:INFY"]):
        break
    quoted = sorted(await algo.quote(["NSE:INFY"]))
    await algo.state.set("ran", {"name": algo.name, "tick": tick.instrument, "quoted": quoted})
    algo.log.info("done")


async def restart(algo: algodeck.Algo) -> None:
    reconnects = 0
    tick_seen_for = -1

    async def on_reconnect() -> None:
        nonlocal reconnects
        reconnects += 1
        emit("reconnected", count=reconnects)
        emit("state", value=await algo.state.get("probe"))

    def on_stop() -> None:
        emit("stopped", reconnects=reconnects)

    algo.on_reconnect(on_reconnect)
    algo.on_stop(on_stop)
    await algo.state.set("probe", {"started": True})

    async def bars() -> None:
        async for bar in algo.candles("NSE:INFY", "minute", count=3):
            emit("bar", time=bar.time.isoformat(), live=bar.live, closed=bar.closed, close=bar.close, reconnects=reconnects)

    async def ticks() -> None:
        nonlocal tick_seen_for
        async for tick in algo.ticks(["NSE:INFY"]):
            if tick_seen_for != reconnects:
                tick_seen_for = reconnects
                emit("tick", instrument=tick.instrument, price=tick.last_price, reconnects=reconnects)

    async def quotes() -> None:
        # REST through the restart: refused connections are tried again, never an error.
        while True:
            try:
                await algo.quote(["NSE:INFY"])
            except algodeck.AlgoDeckError as error:
                emit("quote_error", code=error.code, message=error.message)
            await asyncio.sleep(1)

    emit("ready", algo=algo.name)
    await asyncio.gather(bars(), ticks(), quotes())


if __name__ == "__main__":
    algodeck.run(task if sys.argv[1:] == ["task"] else restart)
