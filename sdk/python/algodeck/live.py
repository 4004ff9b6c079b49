"""The iterators that listen from when they are made: ``algo.ticks()``, ``algo.orders.updates()``
and ``algo.risk.events()``.

Each one's listeners put what the stream tells into its inbox from the moment it is made, and its
subscription is asked for at once, in a task: nothing the stream tells after the call is missed,
even before the first ``__anext__``. The listeners refer to the inbox, never to the iterator, so
an iterator dropped unread is collected, and stops listening and leaves its subscription.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Generic, Hashable, TypeVar, cast

from .inbox import Inbox, TickQueue
from .models import Tick
from .stream import Listener, succeeded, topic_key

if TYPE_CHECKING:
    from .algo import Algo

__all__ = ["LiveIterator", "TickIterator", "TopicIterator"]

T = TypeVar("T")


class LiveIterator(Generic[T]):
    """An async iterator of what ``listeners`` (message type → listener) put in ``inbox``, with
    its user count of ``items`` (key, item) taken from when it is made.

    An item the subscription is refused raises the agent's error at the first ``__anext__`` (what
    waited before is not read). ``aclose()`` stops listening and leaves the subscription; so does
    dropping the iterator, read or not, or an error or a cancellation of ``__anext__``, as it
    would a generator's. The algo's close ends it once what waits is read.
    """

    def __init__(
        self,
        algo: Algo,
        inbox: Inbox[Any],
        listeners: dict[str, Listener],
        topic: str,
        items: list[tuple[Hashable, Any]],
        options: dict[str, Any] | None = None,
    ) -> None:
        self._ended = True  # until it is made: a half-made iterator's finaliser has nothing to undo
        self._algo = algo
        self._stream = algo._stream
        self._keys = [key for key, _ in items]
        self._subscribing = self._stream.acquire_soon(topic, items, options)
        self._inbox = inbox
        self._undo: list[Callable[[], None]] = [algo._track(inbox), *(self._stream.on(kind, listener) for kind, listener in listeners.items())]
        self._ended = False

    def __aiter__(self) -> LiveIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._ended:
            raise StopAsyncIteration
        try:
            subscribing = self._subscribing
            if not subscribing.done():
                await asyncio.wait([subscribing])  # a cancelled reader leaves it to aclose()
            if self._ended or (self._algo._closed and not succeeded(subscribing)):
                raise StopAsyncIteration  # closed meanwhile
            subscribing.result()  # the agent's refusal
            item = await self._inbox.get()
        except BaseException:
            await self.aclose()
            raise
        if item is None:  # the algo closed
            await self.aclose()
            raise StopAsyncIteration
        return self._item(item)

    def _item(self, raw: Any) -> T:
        """What the iterator yields for what its inbox held."""
        return cast(T, raw)

    async def aclose(self) -> None:
        """Stops listening, and leaves the subscription (a held topic stays held for the algo). Idempotent."""
        if self._stop_listening():
            await self._stream.leave(self._subscribing, self._keys)

    def __del__(self) -> None:
        if self._stop_listening():
            self._stream.leave_soon(self._subscribing, self._keys)

    def _stop_listening(self) -> bool:
        """Removes the listeners and the close hook, and ends the inbox; False if that was done already."""
        if self._ended:
            return False
        self._ended = True
        self._inbox.close()
        for undo in self._undo:
            undo()
        return True


class TopicIterator(LiveIterator[T]):
    """A held topic's items (``orders``, ``risk``): what ``pick`` makes of each ``message_type`` message.

    The topic is subscribed from connect (:meth:`~algodeck.stream.Stream.hold_topics`), so this
    only counts as a user of it; a topic the token may not follow raises the agent's error at the
    first ``__anext__``.
    """

    def __init__(self, algo: Algo, topic: str, message_type: str, pick: Callable[[dict[str, Any]], list[T]]) -> None:
        inbox: Inbox[T] = Inbox()

        def listener(message: dict[str, Any]) -> None:
            for item in pick(message):
                inbox.put(item)

        super().__init__(algo, inbox, {message_type: listener}, topic, [(topic_key(topic), None)])


class TickIterator(LiveIterator[Tick]):
    """The ticks of ``ids`` in ``queue`` (see :class:`~algodeck.inbox.TickQueue`), subscribed with ``options``.

    The instruments the ticker does not carry are logged (warn) when the subscription is answered.
    """

    def __init__(self, algo: Algo, ids: list[str], options: dict[str, Any] | None, queue: TickQueue) -> None:
        wanted = set(ids)
        put = queue.put

        def on_ticks(message: dict[str, Any]) -> None:
            for raw in message.get("ticks") or []:
                if raw.get("instrument") in wanted:
                    put(raw)

        super().__init__(algo, queue, {"ticks": on_ticks}, "ticks", [(("ticks", i), i) for i in ids], options)

        def answered(task: asyncio.Task[dict[str, Any]]) -> None:  # refers to the algo, not to the iterator
            if succeeded(task):
                algo._warn_inactive(task.result())

        self._subscribing.add_done_callback(answered)

    def _item(self, raw: Any) -> Tick:
        return Tick.from_json(raw)
