"""``algo.candles()``: a series' history from the agent, then its live bars from the stream, with
no gap and no bar twice, refilled from history after a reconnect.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Literal

from .inbox import Inbox
from .models import Bar, format_time
from .rest import RestClient
from .stream import DISCONNECTED

if TYPE_CHECKING:
    from .algo import Algo

__all__ = ["Interval", "REFILL", "candle_bars"]

Interval = Literal["minute", "3minute", "5minute", "10minute", "15minute", "30minute", "60minute", "day"]

#: Put in a candles iterator's inbox once every subscription was made again after a reconnect.
REFILL = object()
#: The agent answers at most this many bars a query without ``from``.
_PAGE = 200


async def candle_bars(
    algo: Algo,
    instrument: str,
    interval: Interval,
    *,
    count: int | None,
    since: datetime | None,
    live: bool,
    forming: bool,
    carry: bool,
) -> AsyncIterator[Bar]:
    """What :meth:`Algo.candles <algodeck.Algo.candles>` yields (see there)."""
    stream = algo._stream
    inbox: Inbox[Any] = Inbox()
    series_key = ("candles", instrument, interval)
    last: datetime | None = None
    holding = True  # until the history is read: live bars wait in `held`
    held: list[Bar] = []
    subscribed = False
    remove: list[Callable[[], None]] = [algo._track(inbox)]

    def on_candles(message: dict[str, Any]) -> None:
        for update in message.get("updates") or []:
            if update.get("instrument") == instrument and update.get("interval") == interval:
                inbox.put(update)

    try:
        if live:
            remove.append(stream.on("candles", on_candles))
            remove.append(stream.on_disconnect(lambda: inbox.put(DISCONNECTED)))
            algo._candle_inboxes.add(inbox)
            remove.append(lambda: algo._candle_inboxes.discard(inbox))
            reply = await stream.acquire("candles", [(series_key, {"instrument": instrument, "interval": interval})], {"carry": True} if carry else None)
            subscribed = True
            algo._warn_inactive(reply)
        history = await _history(algo._rest, instrument, interval, count, since)
        wanted = count != 0 or since is not None
        for bar in history:
            if wanted:
                yield bar
            last = bar.time
        if not live:
            return
        holding = False
        while True:
            item = await inbox.get()
            if item is None:
                return
            if item is DISCONNECTED:
                holding = True
                continue
            if item is REFILL:
                missed = await _bars_after(algo._rest, instrument, interval, last)
                for bar in missed:
                    if last is None or bar.time > last:
                        yield bar
                        last = bar.time
                for bar in held:
                    if bar.closed and (last is None or bar.time > last):
                        yield bar
                        last = bar.time
                held.clear()
                holding = False
                continue
            bar = Bar.from_candle(instrument, interval, item["candle"], live=True, closed=bool(item.get("closed")))
            if holding:
                if bar.closed:
                    held.append(bar)
                continue
            if last is not None and bar.time <= last:
                continue  # already had it (history met the stream)
            if bar.closed:
                yield bar
                last = bar.time
            elif forming:
                yield bar
    finally:
        for undo in remove:
            undo()
        if subscribed and not algo._closed:
            await stream.release([series_key])


async def _history(rest: RestClient, instrument: str, interval: str, count: int | None, since: datetime | None) -> list[Bar]:
    """``count`` closed bars (paged back past the agent's 200 an answer), or every one since ``since``."""
    if since is not None:
        answer = await rest.call("GET", "/candles", query={"instrument": instrument, "interval": interval, "from": format_time(since)})
        bars = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
        return bars[-count:] if count else bars
    want = _PAGE if count is None else max(count, 1)
    bars: list[Bar] = []
    to: str | None = None
    while len(bars) < want:
        answer = await rest.call("GET", "/candles", query={"instrument": instrument, "interval": interval, "to": to})
        page = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
        if bars:
            page = [b for b in page if b.time < bars[0].time]
        if not page:
            break
        bars = page + bars
        to = format_time(page[0].time)
    return bars[-want:]


async def _bars_after(rest: RestClient, instrument: str, interval: str, last: datetime | None) -> list[Bar]:
    """Closed bars after ``last`` from the agent's history (a refill after a reconnect; ``live`` False)."""
    query: dict[str, Any] = {"instrument": instrument, "interval": interval}
    if last is not None:
        query["from"] = format_time(last)
    answer = await rest.call("GET", "/candles", query=query)
    bars = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
    return [b for b in bars if last is None or b.time > last]
