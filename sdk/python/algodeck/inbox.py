"""What an iterator reads: a queue the stream's listeners put into and one reader takes from.

:class:`Inbox` keeps every item, in order. :class:`TickQueue` bounds a ``ticks()`` iterator as
the agent bounds a slow consumer: in order up to a bound, then the latest tick per instrument.
Both take and put in O(1).
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Callable, Generic, TypeVar

__all__ = ["Inbox", "TickQueue", "FELL_BEHIND", "DEFAULT_MAX_QUEUED"]

T = TypeVar("T")

#: What a ``ticks()`` iterator lets wait in order before it conflates.
DEFAULT_MAX_QUEUED = 10_000
#: Logged (warn, field ``conflated``: how many ticks were replaced) once the reader caught up.
FELL_BEHIND = "the algo fell behind its ticks: some were replaced by the latest of their instrument"


class Inbox(Generic[T]):
    """Items put by the stream's listeners, read in order by one iterator, until :meth:`close`.

    ``len()`` is the number of items waiting (so do not test an inbox for truth).
    """

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        """Adds an item for the reader (dropped once closed)."""
        if self._closed:
            return
        self._items.append(item)
        self._ready.set()

    def close(self) -> None:
        """Ends the inbox: what waits is still read, then :meth:`get` answers None."""
        self._closed = True
        self._ready.set()

    async def get(self) -> T | None:
        """The next item, waiting for one; None once the inbox is closed and read to the end."""
        while not len(self):
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self.get_nowait()

    def get_nowait(self) -> T:
        """The next item waiting; IndexError when none does."""
        return self._items.popleft()


class TickQueue(Inbox[dict[str, Any]]):
    """A ``ticks()`` iterator's ticks (the agent's JSON), bounded as the agent bounds a slow consumer.

    Up to ``max_queued`` ticks wait in order. Once that many wait, a tick goes to the conflated
    part instead: it replaces the tick of its instrument waiting there (counted), or is appended
    for an instrument with none there; and so do the ticks after it until the conflated part is
    read out. The reader takes the in-order ticks first (they are the older ones), then the
    conflated part in the order its instruments joined it: each instrument's ticks keep their
    order, and at most ``max_queued`` plus one tick per instrument wait. When the reader has
    emptied the queue after ticks were replaced, ``warn(FELL_BEHIND, conflated=count)`` is called
    once and the count starts again.
    """

    def __init__(self, max_queued: int, warn: Callable[..., None]) -> None:
        if isinstance(max_queued, bool) or not isinstance(max_queued, int) or max_queued < 1:
            raise ValueError(f"max_queued must be an int of at least 1, not {max_queued!r}")
        super().__init__()
        self.max_queued = max_queued
        self._warn = warn
        #: The conflated part: its instruments in the order they joined it, and each one's tick.
        self._order: deque[str] = deque()
        self._latest: dict[str, dict[str, Any]] = {}
        #: Ticks replaced since the reader last caught up.
        self.conflated = 0

    def __len__(self) -> int:
        return len(self._items) + len(self._order)

    def put(self, item: dict[str, Any]) -> None:
        if self._closed:
            return
        if not self._order and len(self._items) < self.max_queued:
            self._items.append(item)
        else:
            instrument = item["instrument"]
            if instrument in self._latest:
                self.conflated += 1
            else:
                self._order.append(instrument)
            self._latest[instrument] = item
        self._ready.set()

    def get_nowait(self) -> dict[str, Any]:
        if self._items:
            tick = self._items.popleft()
        else:
            tick = self._latest.pop(self._order.popleft())
        if self.conflated and not self._items and not self._order:
            self._warn(FELL_BEHIND, conflated=self.conflated)
            self.conflated = 0
        return tick
