"""The Python side of `npm run bench -- sdk` (see bench/sdk-algo.ts): the same measures, through
the Python SDK. Prints one JSON line and exits."""

import asyncio
import json
import sys
import time

import algodeck


async def main(algo: algodeck.Algo) -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        instruments = [line for line in file.read().split("\n") if line]
    seconds = float(sys.argv[2])
    orders = int(sys.argv[3])
    delays: list[float] = []
    warm_up = time.monotonic() + 3
    end = warm_up + seconds
    cpu_start = time.process_time()
    measuring = False
    async for tick in algo.ticks(instruments, mode="quote"):
        now = time.monotonic()
        if not measuring and now >= warm_up:
            measuring = True
            cpu_start = time.process_time()
        if measuring:
            delays.append(time.time() * 1000 - tick.received_at)
        if now >= end:
            break
    cpu = time.process_time() - cpu_start
    order_ms: list[float] = []
    for i in range(orders):
        started = time.perf_counter()
        order = await algo.orders.place(
            instrument=instruments[i % len(instruments)], side="BUY" if i % 2 == 0 else "SELL", quantity=1, type="MARKET"
        )
        order_ms.append((time.perf_counter() - started) * 1000)
        if order.state != "filled":
            raise RuntimeError(f"order {order.id} is {order.state}")
    def quantiles(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
        return {"p50Ms": at(0.5), "p99Ms": at(0.99), "maxMs": at(1), "n": len(ordered)}

    summary = {"ticks": len(delays), "seconds": seconds, "delivery": quantiles(delays), "cpuPercent": cpu / seconds * 100, "order": quantiles(order_ms)}
    sys.stdout.write(json.dumps(summary) + "\n")
    sys.stdout.flush()
    await algo.close()


if __name__ == "__main__":
    algodeck.run(main)
