"""The agent's stream (``/api/v1/stream``, JSON format) with its subscriptions kept.

One connection serves every iterator of an :class:`~algodeck.Algo`. Subscriptions are counted
per item (an instrument's ticks, a candle series, the orders topic…): the first user subscribes
(and a later one asking for more, such as a richer tick mode, subscribes again), the last one to
leave unsubscribes; the ``orders`` and ``risk`` topics are held from connect
(:meth:`Stream.hold_topics`). When the connection drops, the stream dials again with backoff
(:mod:`algodeck.dialer`), subscribes again to everything it had, and then runs its
``on_reconnect`` callback.
"""
from __future__ import annotations

import asyncio
import json
import ssl as ssl_module
from typing import Any, Awaitable, Callable, Coroutine, Hashable, TypeVar

from .dialer import Backoff, Dialer
from .errors import AlgoDeckError
from .replies import Replies
from .subscriptions import Entry, asks_more, merge, messages
from .websocket import ConnectionClosed, WebSocket

__all__ = ["Stream", "DISCONNECTED", "HELD_TOPICS", "topic_key", "succeeded"]

#: Put on every listener's queue when the connection drops (before anything of the next one).
DISCONNECTED = object()

#: Subscribed from connect for the connection's whole life (see :meth:`Stream.hold_topics`).
HELD_TOPICS = ("orders", "risk")

#: The server pings every 30 s: a connection silent this long is gone.
_SILENCE = 75.0

Listener = Callable[[Any], None]
L = TypeVar("L")
R = TypeVar("R")
Gone = list[tuple[Hashable, Entry]]


def topic_key(topic: str) -> Hashable:
    """The subscription key of a whole topic (``orders``, ``risk``)."""
    return (topic,)


def succeeded(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` has ended with a result (not an error, not cancelled)."""
    return task.done() and not task.cancelled() and task.exception() is None


class Stream:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        ssl: ssl_module.SSLContext | None = None,
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        on_warning: Callable[[str, dict[str, Any]], None] | None = None,
        backoff: Backoff | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        self._dialer = Dialer(url, token, ssl=ssl, backoff=backoff)
        self.url = self._dialer.url
        self._on_reconnect = on_reconnect
        self._on_warning = on_warning or (lambda message, fields: None)
        self._entries: dict[Hashable, Entry] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._disconnect_listeners: list[Callable[[], None]] = []
        self._replies = Replies(request_timeout)
        self._ws: WebSocket | None = None
        self._generation = 0
        #: Set while a connection is open and every subscription has been made again on it.
        self._ready = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        #: The stream's own tasks (:meth:`acquire_soon`, :meth:`leave_soon`…), kept until they end.
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self.carry_supported = True
        self.reconnects = 0

    # --- lifecycle ---

    async def start(self, wait: float = 30.0) -> None:
        """Connects (trying again while the agent refuses, up to ``wait`` seconds); raises on a bad token."""
        ws = await self._dialer.first(wait)
        self._task = asyncio.create_task(self._run(ws))
        await self._ready.wait()

    async def close(self) -> None:
        self._closed = True
        self._ready.clear()
        ws = self._ws
        if ws is not None:
            await ws.close(1000, "bye")
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        self._replies.fail(AlgoDeckError("unavailable", "The stream was closed."))
        self._ready.set()  # wakes what waits for a connection: it finds the stream closed
        for listener in list(self._disconnect_listeners):
            listener()

    @property
    def connected(self) -> bool:
        return self._ready.is_set() and not self._closed

    # --- listeners ---

    def on(self, message_type: str, listener: Listener) -> Callable[[], None]:
        """Calls ``listener(message)`` for every message of that ``type``; answers a remover."""
        return _added(self._listeners.setdefault(message_type, []), listener)

    def on_disconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls ``listener()`` when the connection drops or the stream closes; answers a remover."""
        return _added(self._disconnect_listeners, listener)

    # --- subscriptions ---

    async def acquire(self, topic: str, items: list[tuple[Hashable, Any]], options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Counts a user of each of ``items`` (key, item); answers the reply (merged) of the subscribes.

        What is not subscribed yet is subscribed; so is what ``options`` ask more of (see
        :func:`~algodeck.subscriptions.asks_more`: carried, in a richer mode), whose options are
        then those (a reconnect subscribes it so). When it fails, or is cancelled, it takes back
        all it did (counts and options) and raises: its caller has nothing to release.
        """
        async with self._lock:
            if self._closed:
                raise AlgoDeckError("unavailable", "The stream was closed.")
            wanted = dict(options or {}) if self.carry_supported else {}
            send: list[Entry] = []
            before: list[tuple[Entry, dict[str, Any]]] = []  # the options of those asked more of
            for key, item in items:
                entry = self._entries.get(key)
                if entry is None:
                    entry = self._entries[key] = Entry(topic, item, dict(wanted))
                    send.append(entry)
                elif asks_more(wanted, entry.options):
                    before.append((entry, entry.options))
                    entry.options = dict(wanted)
                    send.append(entry)
                entry.refs += 1
            if not send:
                return {}
            try:
                return await self._subscribe_entries(send)
            except BaseException as error:
                for entry, held in before:
                    entry.options = held
                gone = self._drop([key for key, _ in items])
                if not (isinstance(error, AlgoDeckError) and error.code != "unavailable"):
                    # Not refused: the agent may have subscribed (a cancellation, no reply in time).
                    self._spawn(self._unsubscribe_locked(gone))
                raise

    def acquire_soon(self, topic: str, items: list[tuple[Hashable, Any]], options: dict[str, Any] | None = None) -> asyncio.Task[dict[str, Any]]:
        """:meth:`acquire` as a task, started now; see :meth:`leave` for its user's end."""
        asyncio.get_running_loop()  # raises outside a running loop, before a coroutine is made
        return self._spawn(self.acquire(topic, items, options))

    async def release(self, keys: list[Hashable]) -> None:
        """The other side of :meth:`acquire`: unsubscribes what nobody uses any more."""
        async with self._lock:
            await self._unsubscribe(self._drop(keys))

    async def leave(self, subscribing: asyncio.Task[Any], keys: list[Hashable]) -> None:
        """Ends a user of ``keys`` whose :meth:`acquire_soon` is ``subscribing``: cancels it if it
        still runs (it then takes back what it did), and releases what it acquired."""
        if not subscribing.done():
            subscribing.cancel()
            await asyncio.wait([subscribing])
        if succeeded(subscribing):
            await self.release(keys)

    def leave_soon(self, subscribing: asyncio.Task[Any], keys: list[Hashable]) -> None:
        """:meth:`leave` from code that cannot wait (a finaliser, any thread): run as a task on the loop."""
        loop = subscribing.get_loop()
        if loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(lambda: self._spawn(self.leave(subscribing, keys)))
        except RuntimeError:
            pass  # the loop closed meanwhile: nothing is subscribed any more

    def _drop(self, keys: list[Hashable]) -> Gone:
        """Counts one user less of each of ``keys``; forgets and answers those nobody uses any more."""
        gone: Gone = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            entry.refs -= 1
            if entry.refs <= 0:
                del self._entries[key]
                gone.append((key, entry))
        return gone

    async def _unsubscribe(self, gone: Gone) -> None:
        """Unsubscribes from what :meth:`_drop` forgot, but what was acquired again since (under the lock)."""
        entries = [entry for key, entry in gone if key not in self._entries]
        if not entries or self._closed or not self._ready.is_set():
            return  # while away, what is gone is simply not subscribed again
        for message in messages("unsubscribe", entries, with_options=False):
            try:
                await self._request(message)
            except (AlgoDeckError, ConnectionClosed):
                pass  # the next connection will not have it anyway

    async def _unsubscribe_locked(self, gone: Gone) -> None:
        async with self._lock:
            await self._unsubscribe(gone)

    def _spawn(self, work: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        """Runs ``work`` as a task, kept until it ends; its error is its awaiter's, never logged as lost."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._settled)
        return task

    def _settled(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved

    async def hold_topics(self) -> None:
        """Keeps the ``orders`` and ``risk`` topics subscribed for the connection's whole life.

        They are made again after a reconnect like any subscription, so an iterator made later
        misses nothing that happened after it was made. A topic the token may not follow is left
        unsubscribed: an iterator of it gets the agent's error when it subscribes.
        """
        for topic in HELD_TOPICS:
            try:
                await self.acquire(topic, [(topic_key(topic), None)])
            except AlgoDeckError:
                pass

    async def _subscribe_entries(self, entries: list[Entry]) -> dict[str, Any]:
        """Sends the subscribe messages; waits through a reconnect (whose replay makes them)."""
        merged: dict[str, Any] = {}
        for message in messages("subscribe", entries, with_options=True):
            while True:
                await self._ready.wait()
                if self._closed:
                    raise AlgoDeckError("unavailable", "The stream was closed.")
                try:
                    reply = await self._request_with_carry(message, entries)
                except ConnectionClosed:
                    await self._wait_replayed()
                    break  # the replay on the new connection subscribed it
                merge(merged, reply)
                break
        return merged

    async def _request_with_carry(self, message: dict[str, Any], entries: list[Entry]) -> dict[str, Any]:
        try:
            return await self._request(message)
        except AlgoDeckError as error:
            if error.code in ("invalid_request", "forbidden") and error.field in ("carry", "mode") and ("carry" in message or "mode" in message):
                # An agent from before `carry`, or a token that may not carry: subscribe without it
                # (the instruments the ticker does not carry are answered `inactive`).
                self.carry_supported = False
                for entry in entries:
                    entry.options = {}
                plain = {k: v for k, v in message.items() if k not in ("carry", "mode")}
                return await self._request(plain)
            raise

    async def _wait_replayed(self) -> None:
        generation = self._generation
        while not self._closed and (self._generation == generation or not self._ready.is_set()):
            await asyncio.sleep(0.05)

    async def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        return await self._replies.request(self._ws, message)

    async def ping(self) -> None:
        await self._request({"type": "ping"})

    # --- the connection ---

    async def _run(self, ws: WebSocket) -> None:
        first = True
        while not self._closed:
            self._ws = ws
            self._generation += 1
            reader = asyncio.create_task(self._read(ws))
            replayed = await self._replay(ws, reader)
            if replayed:
                self._dialer.connected()
                self._ready.set()
                if not first:
                    self.reconnects += 1
                    if self._on_reconnect is not None:
                        try:
                            await self._on_reconnect()
                        except Exception as error:  # a handler's bug must not stop the stream
                            self._on_warning("an on_reconnect handler failed", {"error": repr(error)})
            first = False
            try:
                await reader
            except asyncio.CancelledError:
                reader.cancel()
                raise
            self._ready.clear()
            self._ws = None
            self._replies.fail(ConnectionClosed(ws.close_code or 1006, "the connection dropped"))
            if self._closed:
                return
            for listener in list(self._disconnect_listeners):
                listener()
            self._on_warning("the agent's stream dropped; reconnecting", {"code": ws.close_code})
            ws = await self._dialer.again(self._on_warning, lambda: self._closed)

    async def _replay(self, ws: WebSocket, reader: asyncio.Task[None]) -> bool:
        """Subscribes again to everything on a new connection; False if it dropped meanwhile."""
        entries = [e for e in self._entries.values() if e.refs > 0]
        try:
            for message in messages("subscribe", entries, with_options=True):
                try:
                    await self._request_with_carry(message, [e for e in entries if e.topic == message["topic"]])
                except AlgoDeckError as error:
                    if error.code == "unavailable":
                        raise ConnectionClosed(1006, "no reply") from error
                    self._on_warning("a subscription could not be made again", {"topic": message["topic"], "error": str(error)})
        except ConnectionClosed:
            if not reader.done():
                await ws.close(1001, "no reply")
            return False
        return not ws.closed

    async def _read(self, ws: WebSocket) -> None:
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), _SILENCE)
            except asyncio.TimeoutError:
                await ws.close(1001, "silent")
                return
            except ConnectionClosed:
                return
            if not isinstance(raw, str):
                continue  # the JSON format sends text only
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if self._replies.resolve(message):
                continue
            kind = message.get("type")
            if kind == "error":
                self._on_warning("the agent's stream reported an error", {"error": message.get("error")})
                continue
            for listener in list(self._listeners.get(str(kind), [])):
                try:
                    listener(message)
                except Exception as error:
                    self._on_warning("a stream listener failed", {"error": repr(error)})


def _added(listeners: list[L], listener: L) -> Callable[[], None]:
    """Appends ``listener`` to ``listeners``; answers what removes it."""
    listeners.append(listener)

    def remove() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return remove
