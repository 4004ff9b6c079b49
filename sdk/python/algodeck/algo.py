"""An algo's connection to its agent: market data, orders, risk, state, logs, lifecycle.

The parts reached by attribute (``algo.orders``…) are in :mod:`algodeck.parts`, candles in
:mod:`algodeck.candles`, and :func:`~algodeck.connect` and :func:`~algodeck.run` in
:mod:`algodeck.runner`.
"""
from __future__ import annotations

import asyncio
import inspect
import signal
import ssl as ssl_module
from datetime import datetime
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, TextIO, Union

from .candles import REFILL, Interval, candle_bars
from .inbox import DEFAULT_MAX_QUEUED, Inbox, TickQueue
from .live import TickIterator
from .log import Logger
from .models import Bar, Position, Tick
from .parts import Instruments, Orders, Risk, State
from .rest import RestClient
from .stream import Stream
from .subscriptions import MODES, TickMode

__all__ = ["Algo", "Logger"]

Handler = Callable[[], Union[None, Awaitable[None]]]


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
        self._stream.on("lagged", self._lagged)  # once per algo, however many iterators read ticks
        self.instruments = Instruments(self)
        self.orders = Orders(self)
        self.risk = Risk(self)
        self.state = State(self)
        self._stop_handlers: list[Handler] = []
        self._reconnect_handlers: list[Handler] = []
        #: Every iterator's inbox (ended on close), and the candles iterators' (refilled after a reconnect).
        self._inboxes: set[Inbox[Any]] = set()
        self._candle_inboxes: set[Inbox[Any]] = set()
        self._signals_installed = False
        self._stopping: asyncio.Task[None] | None = None
        self._closed = False
        #: Set by :func:`run`: what to cancel once the stop handlers have run.
        self._main_task: asyncio.Task[Any] | None = None

    # --- lifecycle ---

    async def _open(self) -> None:
        await self._stream.start()
        await self._stream.hold_topics()

    async def close(self) -> None:
        """Closes the stream (every iterator ends). Idempotent."""
        if self._closed:
            return
        self._closed = True
        for inbox in list(self._inboxes):
            inbox.close()
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
            await self._call(handler, "an on_stop handler failed")
        await self.close()
        if self._main_task is not None:
            self._main_task.cancel()  # run() sees the cancellation as a stop and exits 0
        else:
            # Out of the event loop (asyncio.run then cancels what runs, so `finally` blocks run).
            asyncio.get_running_loop().call_soon(_exit)

    async def _reconnected(self) -> None:
        for inbox in list(self._candle_inboxes):
            inbox.put(REFILL)
        self.log.info("reconnected to the agent", reconnects=self._stream.reconnects)
        for handler in list(self._reconnect_handlers):
            await self._call(handler, "an on_reconnect handler failed")

    async def _call(self, handler: Handler, failed: str) -> None:
        """Runs a handler (awaited if async); its exception is logged as ``failed``."""
        try:
            result = handler()
            if inspect.isawaitable(result):
                await result
        except Exception as error:
            self.log.error(failed, error=repr(error))

    def _stream_warning(self, message: str, fields: dict[str, Any]) -> None:
        self.log.warn(message, **fields)

    def _lagged(self, message: dict[str, Any]) -> None:
        """The agent conflated ticks for this connection: it stopped reading for a while."""
        self.log.warn("the stream fell behind: ticks were conflated", conflated=message.get("conflated"))

    def _track(self, inbox: Inbox[Any]) -> Callable[[], None]:
        """Ends an iterator's inbox when the algo closes; answers the undo."""
        self._inboxes.add(inbox)
        return lambda: self._inboxes.discard(inbox)

    # --- market data ---

    async def quote(self, instruments: Iterable[str]) -> dict[str, Tick]:
        """The latest tick of each instrument (those with none yet are absent)."""
        ids = list(instruments)
        answer = await self._rest.call("POST", "/quotes", body={"instruments": ids})
        return {key: Tick.from_json(value) for key, value in (answer.get("quotes") or {}).items()}

    def ticks(
        self,
        instruments: Iterable[str],
        *,
        mode: TickMode = "quote",
        carry: bool = True,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> TickIterator:
        """Live ticks of these instruments, one at a time, until the loop ends or the algo closes.

        Listens, and subscribes, from this call on: ticks that come before the first ``__anext__``
        wait for it (see :class:`~algodeck.live.LiveIterator`; an instrument the agent does not
        know raises its error there). ``carry``: instruments the ticker does not carry are added to
        it (in ``mode``), on an agent that can; else they are logged as inactive (no ticks until a
        trader subscribes). ``max_queued``: how many ticks may wait unread, in order (an int ≥ 1).
        Past that, an algo that falls behind gets the latest tick of each instrument instead of
        every one (see :class:`~algodeck.inbox.TickQueue`), and a warning is logged once it has
        caught up.
        """
        ids = list(dict.fromkeys(instruments))
        if not ids:
            raise ValueError("name at least one instrument")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        queue = TickQueue(max_queued, self.log.warn)
        return TickIterator(self, ids, {"carry": True, "mode": mode} if carry else None, queue)

    def candles(
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
        return candle_bars(self, instrument, interval, count=count, since=since, live=live, forming=forming, carry=carry)

    def _warn_inactive(self, reply: dict[str, Any]) -> None:
        inactive = reply.get("inactive") or []
        if inactive:
            self.log.warn("the ticker does not carry these instruments: no live data until it does", instruments=inactive)

    # --- trading ---

    async def positions(self) -> list[Position]:
        """This algo's positions (a position closed today stays listed with its P&L)."""
        answer = await self._rest.call("GET", "/positions")
        return [Position.from_json(p) for p in answer["positions"] if p.get("algo") == self.name]


def _exit() -> None:
    raise SystemExit(0)
