"""An algo's connection to its agent: market data, orders, risk, state, logs, lifecycle."""
from __future__ import annotations

import asyncio
import inspect
import json
import os
import secrets
import signal
import ssl as ssl_module
import sys
import time
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Literal, TextIO, Union

from .errors import AlgoDeckError
from .models import Bar, Instrument, Order, Position, RiskEvent, RiskState, Tick, format_time
from .rest import RestClient
from .stream import DISCONNECTED, Stream

__all__ = ["Algo", "connect", "run", "Logger"]

Handler = Callable[[], Union[None, Awaitable[None]]]
TickMode = Literal["ltp", "quote", "full"]
Interval = Literal["minute", "3minute", "5minute", "10minute", "15minute", "30minute", "60minute", "day"]

#: Put on a candles iterator's queue once every subscription was made again after a reconnect.
_REFILL = object()
_CLOSED = object()
#: Where an agent listens by default.
DEFAULT_URL = "http://127.0.0.1:7420"
#: The agent answers at most this many bars a query without ``from``.
_PAGE = 200


class Logger:
    """One JSON line per call on stdout: ``{"time","level","msg",...fields}``."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    def _write(self, level: str, msg: str, fields: dict[str, Any]) -> None:
        line = {"time": format_time(datetime.now(timezone.utc)), "level": level, "msg": msg}
        for key, value in fields.items():
            if key not in line:
                line[key] = value
        out = self._out or sys.stdout
        out.write(json.dumps(line, default=_jsonable, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()

    def debug(self, msg: str, /, **fields: Any) -> None:
        self._write("debug", msg, fields)

    def info(self, msg: str, /, **fields: Any) -> None:
        self._write("info", msg, fields)

    def warn(self, msg: str, /, **fields: Any) -> None:
        self._write("warn", msg, fields)

    warning = warn

    def error(self, msg: str, /, **fields: Any) -> None:
        self._write("error", msg, fields)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "raw") and isinstance(getattr(value, "raw"), dict):
        return value.raw
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return repr(value)


class _Instruments:
    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    async def search(self, text: str, *, limit: int = 50) -> list[Instrument]:
        """Instruments matching ``text`` (id, symbol or name): exact symbols first."""
        answer = await self._algo._rest.call("GET", "/instruments", query={"search": text, "limit": limit})
        return [Instrument.from_json(i) for i in answer["instruments"]]

    async def get(self, ids: Iterable[str]) -> list[Instrument]:
        """Exactly these instruments, known ones in the order given."""
        answer = await self._algo._rest.call("GET", "/instruments", query={"ids": list(ids)})
        return [Instrument.from_json(i) for i in answer["instruments"]]


class _Orders:
    def __init__(self, algo: Algo) -> None:
        self._algo = algo
        self._counter = 0

    def new_client_order_id(self) -> str:
        """A fresh id for an order (``<algo>-<random>-<n>``, the agent's alphabet, ≤ 64 chars)."""
        self._counter += 1
        stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in self._algo.name)[:32]
        return f"{stem}-{secrets.token_hex(6)}-{self._counter}"

    async def place(
        self,
        *,
        instrument: str,
        side: Literal["BUY", "SELL"],
        quantity: int,
        type: Literal["MARKET", "LIMIT", "SL", "SL-M"] = "MARKET",
        price: float | None = None,
        trigger: float | None = None,
        stop_loss: float | None = None,
        product: Literal["MIS", "CNC", "NRML"] | None = None,
        validity: Literal["DAY", "IOC"] | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Places an order for this algo; raises RiskRejected when the risk manager refuses it.

        A ``client_order_id`` is made when none is given, so the SDK may resend the order after a
        lost answer (the agent answers the order already placed, never a second one).
        """
        body: dict[str, Any] = {
            "algo": self._algo.name,
            "instrument": instrument,
            "side": side,
            "quantity": quantity,
            "type": type,
            "clientOrderId": client_order_id or self.new_client_order_id(),
        }
        for key, value in (("price", price), ("trigger", trigger), ("stopLoss", stop_loss), ("product", product), ("validity", validity)):
            if value is not None:
                body[key] = value
        return Order.from_json(await self._algo._rest.call("POST", "/orders", body=body))

    async def cancel(self, order_id: str) -> Order:
        """Cancels what is left of an order (``409 conflict`` once it is filled, cancelled or rejected)."""
        return Order.from_json(await self._algo._rest.call("DELETE", RestClient.path("/orders/:id", id=order_id)))

    async def list(self, *, state: str | None = None, limit: int | None = None) -> list[Order]:
        """This algo's orders, newest first."""
        answer = await self._algo._rest.call("GET", "/orders", query={"algo": self._algo.name, "state": state, "limit": limit})
        return [Order.from_json(o) for o in answer["orders"]]

    async def updates(self) -> AsyncIterator[Order]:
        """This algo's orders as they move (placed, open, filled, cancelled, rejected)."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        name = self._algo.name

        def on_orders(message: dict[str, Any]) -> None:
            for raw in message.get("orders") or []:
                if isinstance(raw, dict) and raw.get("algo") == name:
                    queue.put_nowait(Order.from_json(raw))

        async for item in self._algo._topic_items("orders", "orders", on_orders, queue):
            yield item


class _Risk:
    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    async def state(self) -> RiskState:
        """This algo's trading state, the global one, its money at risk and the portfolio's exposure."""
        return RiskState.from_summary(self._algo.name, await self._algo._rest.call("GET", "/risk"))

    async def events(self, *, every_algo: bool = False) -> AsyncIterator[RiskEvent]:
        """Trading-state changes of this algo and of everything (``global``); ``every_algo`` for all."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        name = self._algo.name

        def on_risk(message: dict[str, Any]) -> None:
            if every_algo or message.get("scope") in (name, "global"):
                queue.put_nowait(RiskEvent.from_json(message))

        async for item in self._algo._topic_items("risk", "risk_state", on_risk, queue):
            yield item


class _State:
    """The algo's persistent key-value state, kept by the agent (survives restarts of both)."""

    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    def _path(self) -> str:
        return RestClient.path("/algos/:algo/state", algo=self._algo.name)

    async def all(self) -> dict[str, Any]:
        answer = await self._algo._rest.call("GET", self._path())
        return dict(answer.get("values") or {})

    async def get(self, key: str, default: Any = None) -> Any:
        return (await self.all()).get(key, default)

    async def set(self, key: str, value: Any) -> None:
        """Sets ``key`` (any JSON value; ``None`` deletes it)."""
        await self.update({key: value})

    async def delete(self, key: str) -> None:
        await self.update({key: None})

    async def update(self, values: dict[str, Any]) -> dict[str, Any]:
        """Sets several keys in one transaction (``None`` deletes); answers the whole state."""
        answer = await self._algo._rest.call("PUT", self._path(), body={"values": values})
        return dict(answer.get("values") or {})


class Algo:
    """An algo connected to its agent. Make one with :func:`connect` (or let :func:`run` do it)."""

    def __init__(
        self,
        url: str,
        token: str,
        name: str,
        *,
        ssl: ssl_module.SSLContext | None = None,
        log_to: TextIO | None = None,
    ) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.log = Logger(log_to)
        self._rest = RestClient(self.url, token, ssl=ssl)
        self._stream = Stream(self.url, token, ssl=ssl, on_reconnect=self._reconnected, on_warning=self._stream_warning)
        self.instruments = _Instruments(self)
        self.orders = _Orders(self)
        self.risk = _Risk(self)
        self.state = _State(self)
        self._stop_handlers: list[Handler] = []
        self._reconnect_handlers: list[Handler] = []
        #: Every iterator's queue (ended on close), and the candles iterators' (refilled after a reconnect).
        self._queues: set[asyncio.Queue[Any]] = set()
        self._candle_queues: set[asyncio.Queue[Any]] = set()
        self._signals_installed = False
        self._stopping: asyncio.Task[None] | None = None
        self._closed = False
        #: Set by :func:`run`: what to cancel once the stop handlers have run.
        self._main_task: asyncio.Task[Any] | None = None

    # --- lifecycle ---

    async def _open(self) -> None:
        await self._stream.start()

    async def close(self) -> None:
        """Closes the stream (every iterator ends). Idempotent."""
        if self._closed:
            return
        self._closed = True
        for queue in list(self._queues):
            queue.put_nowait(_CLOSED)
        await self._stream.close()

    async def __aenter__(self) -> Algo:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def on_stop(self, handler: Handler) -> Handler:
        """Runs ``handler`` (awaited if async) on SIGTERM or SIGINT, then closes and exits 0.

        Usable as a decorator. The signal handlers are installed on the first call.
        """
        self._stop_handlers.append(handler)
        self._install_signals()
        return handler

    def on_reconnect(self, handler: Handler) -> Handler:
        """Runs ``handler`` when the agent came back and every subscription was made again."""
        self._reconnect_handlers.append(handler)
        return handler

    def _install_signals(self) -> None:
        if self._signals_installed:
            return
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._signalled, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread, or a loop without signals (Windows)
        self._signals_installed = True

    def _signalled(self, sig: signal.Signals) -> None:
        if self._stopping is None:
            self.log.info("stopping", signal=sig.name)
            self._stopping = asyncio.get_running_loop().create_task(self._stop())

    async def _stop(self) -> None:
        for handler in list(self._stop_handlers):
            try:
                result = handler()
                if inspect.isawaitable(result):
                    await result
            except Exception as error:
                self.log.error("an on_stop handler failed", error=repr(error))
        await self.close()
        if self._main_task is not None:
            self._main_task.cancel()  # run() sees the cancellation as a stop and exits 0
        else:
            # Out of the event loop (asyncio.run then cancels what runs, so `finally` blocks run).
            asyncio.get_running_loop().call_soon(_exit)

    async def _reconnected(self) -> None:
        for queue in list(self._candle_queues):
            queue.put_nowait(_REFILL)
        self.log.info("reconnected to the agent", reconnects=self._stream.reconnects)
        for handler in list(self._reconnect_handlers):
            try:
                result = handler()
                if inspect.isawaitable(result):
                    await result
            except Exception as error:
                self.log.error("an on_reconnect handler failed", error=repr(error))

    def _stream_warning(self, message: str, fields: dict[str, Any]) -> None:
        self.log.warn(message, **fields)

    # --- market data ---

    async def quote(self, instruments: Iterable[str]) -> dict[str, Tick]:
        """The latest tick of each instrument (those with none yet are absent)."""
        ids = list(instruments)
        answer = await self._rest.call("POST", "/quotes", body={"instruments": ids})
        return {key: Tick.from_json(value) for key, value in (answer.get("quotes") or {}).items()}

    async def ticks(self, instruments: Iterable[str], *, mode: TickMode = "quote", carry: bool = True) -> AsyncIterator[Tick]:
        """Live ticks of these instruments, one at a time, until the loop ends or the algo closes.

        ``carry``: instruments the ticker does not carry are added to it (in ``mode``), on an
        agent that can; else they are logged as inactive (no ticks until a trader subscribes).
        """
        ids = list(dict.fromkeys(instruments))
        if not ids:
            raise ValueError("name at least one instrument")
        wanted = set(ids)
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def on_ticks(message: dict[str, Any]) -> None:
            for raw in message.get("ticks") or []:
                if raw.get("instrument") in wanted:
                    queue.put_nowait(raw)

        def on_lagged(message: dict[str, Any]) -> None:
            self.log.warn("the stream fell behind: ticks were conflated", conflated=message.get("conflated"))

        remove = [self._stream.on("ticks", on_ticks), self._stream.on("lagged", on_lagged)]
        keys = [("ticks", i) for i in ids]
        closed = self._closed_waiter(queue)
        try:
            reply = await self._stream.acquire("ticks", [(k, k[1]) for k in keys], {"carry": True, "mode": mode} if carry else None)
            self._warn_inactive(reply)
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                yield Tick.from_json(item)
        finally:
            closed()
            for r in remove:
                r()
            if not self._closed:
                await self._stream.release(list(keys))

    async def candles(
        self,
        instrument: str,
        interval: Interval,
        *,
        count: int | None = None,
        since: datetime | None = None,
        live: bool = True,
        forming: bool = False,
        carry: bool = True,
    ) -> AsyncIterator[Bar]:
        """History (closed bars, oldest first), then live bars as they close: no gap, none twice.

        ``count`` bars of history (default: what the agent gives without a start, 200), or every
        bar since ``since``; ``count=0`` for none. ``live=False`` ends after the history.
        ``forming=True`` also yields the forming bar's updates (``closed=False``). After a
        reconnect, closed bars missed while away are fetched from the agent's history (those have
        ``live=False``: they came from history, not the stream).
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        series_key = ("candles", instrument, interval)
        last: datetime | None = None
        holding = True  # until the history is read: live bars wait in `held`
        held: list[Bar] = []
        subscribed = False
        remove: list[Callable[[], None]] = []
        closed = self._closed_waiter(queue)

        def on_candles(message: dict[str, Any]) -> None:
            for update in message.get("updates") or []:
                if update.get("instrument") == instrument and update.get("interval") == interval:
                    queue.put_nowait(update)

        try:
            if live:
                remove.append(self._stream.on("candles", on_candles))
                remove.append(self._stream.on_disconnect(lambda: queue.put_nowait(DISCONNECTED)))
                self._candle_queues.add(queue)
                reply = await self._stream.acquire("candles", [(series_key, {"instrument": instrument, "interval": interval})], {"carry": True} if carry else None)
                subscribed = True
                self._warn_inactive(reply)
            history = await self._history(instrument, interval, count, since)
            wanted = count != 0 or since is not None
            for bar in history:
                if wanted:
                    yield bar
                last = bar.time
            if not live:
                return
            holding = False
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                if item is DISCONNECTED:
                    holding = True
                    continue
                if item is _REFILL:
                    missed = await self._bars_after(instrument, interval, last)
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
            closed()
            self._candle_queues.discard(queue)
            for r in remove:
                r()
            if subscribed and not self._closed:
                await self._stream.release([series_key])

    async def _history(self, instrument: str, interval: str, count: int | None, since: datetime | None) -> list[Bar]:
        if since is not None:
            answer = await self._rest.call("GET", "/candles", query={"instrument": instrument, "interval": interval, "from": format_time(since)})
            bars = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
            return bars[-count:] if count else bars
        want = _PAGE if count is None else max(count, 1)
        bars: list[Bar] = []
        to: str | None = None
        while len(bars) < want:
            answer = await self._rest.call("GET", "/candles", query={"instrument": instrument, "interval": interval, "to": to})
            page = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
            if bars:
                page = [b for b in page if b.time < bars[0].time]
            if not page:
                break
            bars = page + bars
            to = format_time(page[0].time)
        return bars[-want:]

    async def _bars_after(self, instrument: str, interval: str, last: datetime | None) -> list[Bar]:
        """Closed bars after ``last`` from the agent's history (a refill after a reconnect; ``live`` False)."""
        query: dict[str, Any] = {"instrument": instrument, "interval": interval}
        if last is not None:
            query["from"] = format_time(last)
        answer = await self._rest.call("GET", "/candles", query=query)
        bars = [Bar.from_candle(instrument, interval, c, live=False) for c in answer["candles"]]
        return [b for b in bars if last is None or b.time > last]

    def _warn_inactive(self, reply: dict[str, Any]) -> None:
        inactive = reply.get("inactive") or []
        if inactive:
            self.log.warn("the ticker does not carry these instruments: no live data until it does", instruments=inactive)

    def _closed_waiter(self, queue: asyncio.Queue[Any]) -> Callable[[], None]:
        """Ends an iterator when the algo closes; answers the undo."""
        self._queues.add(queue)
        return lambda: self._queues.discard(queue)

    async def _topic_items(self, topic: str, message_type: str, listener: Callable[[dict[str, Any]], None], queue: asyncio.Queue[Any]) -> AsyncIterator[Any]:
        remove = self._stream.on(message_type, listener)
        closed = self._closed_waiter(queue)
        key = (topic,)
        try:
            await self._stream.acquire(topic, [(key, None)])
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                if item is _REFILL or item is DISCONNECTED:
                    continue
                yield item
        finally:
            closed()
            remove()
            if not self._closed:
                await self._stream.release([key])

    # --- trading ---

    async def positions(self) -> list[Position]:
        """This algo's positions (a position closed today stays listed with its P&L)."""
        answer = await self._rest.call("GET", "/positions")
        return [Position.from_json(p) for p in answer["positions"] if p.get("algo") == self.name]


def _exit() -> None:
    raise SystemExit(0)


async def connect(
    url: str | None = None,
    token: str | None = None,
    algo: str | None = None,
    *,
    ssl: ssl_module.SSLContext | None = None,
    log_to: TextIO | None = None,
) -> Algo:
    """Connects to the agent: from the arguments, else the environment.

    Run as a task, the agent gives ``ALGODECK_URL``, ``ALGODECK_TASK_TOKEN`` and
    ``ALGODECK_TASK_NAME`` (the algo's name is the task's). From a terminal, give
    ``ALGODECK_URL``, ``ALGODECK_TOKEN`` and ``ALGODECK_ALGO``.
    """
    env = os.environ
    url = url or env.get("ALGODECK_URL") or DEFAULT_URL
    token = token or env.get("ALGODECK_TASK_TOKEN") or env.get("ALGODECK_TOKEN")
    name = algo or env.get("ALGODECK_TASK_NAME") or env.get("ALGODECK_ALGO")
    missing = [n for n, v in (("url (ALGODECK_URL)", url), ("token (ALGODECK_TOKEN)", token), ("algo (ALGODECK_ALGO)", name)) if not v]
    if missing:
        raise AlgoDeckError("invalid_request", f"Cannot connect: give {', '.join(missing)}.", missing[0].split(" ")[0])
    assert url and token and name
    instance = Algo(url, token, name, ssl=ssl, log_to=log_to)
    await instance._open()
    return instance


def run(main: Callable[[Algo], Awaitable[Any]], **options: Any) -> None:
    """Connects from the environment, runs ``main(algo)``, and stops cleanly on SIGTERM/SIGINT.

    On a signal, the ``on_stop`` handlers run (awaited), the algo closes, ``main`` is cancelled and
    the process exits 0. An exception from ``main`` is logged and exits 1.
    """

    async def runner() -> int:
        try:
            algo = await connect(**options)
        except AlgoDeckError as error:
            Logger().error("cannot connect to the agent", code=error.code, error=error.message)
            return 1
        algo._install_signals()
        task = asyncio.current_task()
        assert task is not None
        algo._main_task = task
        started = time.monotonic()
        try:
            await main(algo)
            return 0
        except asyncio.CancelledError:
            if algo._stopping is not None:
                return 0
            raise
        except Exception as error:
            algo.log.error("the algo failed", error=repr(error), seconds=round(time.monotonic() - started, 3))
            raise
        finally:
            if algo._stopping is not None and asyncio.current_task() is not algo._stopping:
                try:
                    await asyncio.shield(algo._stopping)
                except (asyncio.CancelledError, Exception):
                    pass
            await algo.close()

    try:
        code = asyncio.run(runner())
    except KeyboardInterrupt:
        code = 0
    sys.stdout.flush()
    if code:
        sys.exit(code)
