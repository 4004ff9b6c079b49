"""The agent's stream (``/api/v1/stream``, JSON format) with its subscriptions kept.

One connection serves every iterator of an :class:`~algodeck.Algo`. Subscriptions are counted
per item (an instrument's ticks, a candle series, the orders topic…): the first user subscribes,
the last one to leave unsubscribes; the ``orders`` and ``risk`` topics are held from connect
(:meth:`Stream.hold_topics`). When the connection drops, the stream dials again with backoff
(:mod:`algodeck.dialer`), subscribes again to everything it had, and then runs its
``on_reconnect`` callback.
"""
from __future__ import annotations

import asyncio
import json
import ssl as ssl_module
from typing import Any, Awaitable, Callable, Hashable, TypeVar

from .dialer import Backoff, Dialer
from .errors import AlgoDeckError
from .replies import Replies
from .subscriptions import Entry, merge, messages
from .websocket import ConnectionClosed, WebSocket

__all__ = ["Stream", "DISCONNECTED", "HELD_TOPICS", "topic_key"]

#: Put on every listener's queue when the connection drops (before anything of the next one).
DISCONNECTED = object()

#: Subscribed from connect for the connection's whole life (see :meth:`Stream.hold_topics`).
HELD_TOPICS = ("orders", "risk")

#: The server pings every 30 s: a connection silent this long is gone.
_SILENCE = 75.0

Listener = Callable[[Any], None]
L = TypeVar("L")


def topic_key(topic: str) -> Hashable:
    """The subscription key of a whole topic (``orders``, ``risk``)."""
    return (topic,)


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
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Releases run from finalisers (:meth:`release_soon`), kept until they end.
        self._releasing: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.carry_supported = True
        self.reconnects = 0

    # --- lifecycle ---

    async def start(self, wait: float = 30.0) -> None:
        """Connects (trying again while the agent refuses, up to ``wait`` seconds); raises on a bad token."""
        ws = await self._dialer.first(wait)
        self._loop = asyncio.get_running_loop()
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
        for listener in list(self._disconnect_listeners):
            listener()

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    # --- listeners ---

    def on(self, message_type: str, listener: Listener) -> Callable[[], None]:
        """Calls ``listener(message)`` for every message of that ``type``; answers a remover."""
        return _added(self._listeners.setdefault(message_type, []), listener)

    def on_disconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls ``listener()`` when the connection drops or the stream closes; answers a remover."""
        return _added(self._disconnect_listeners, listener)

    # --- subscriptions ---

    async def acquire(self, topic: str, items: list[tuple[Hashable, Any]], options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Subscribes to what of ``items`` (key, item) is not subscribed yet; answers the reply (merged)."""
        async with self._lock:
            if self._closed:
                raise AlgoDeckError("unavailable", "The stream was closed.")
            fresh: list[Entry] = []
            for key, item in items:
                entry = self._entries.get(key)
                if entry is None:
                    entry = Entry(topic, item, dict(options or {}) if self.carry_supported else {})
                    self._entries[key] = entry
                    fresh.append(entry)
                entry.refs += 1
            if not fresh:
                return {}
            try:
                return await self._subscribe_entries(fresh)
            except AlgoDeckError:
                for key, _ in items:
                    entry = self._entries.get(key)
                    if entry is not None:
                        entry.refs -= 1
                        if entry.refs <= 0:
                            del self._entries[key]
                raise

    async def release(self, keys: list[Hashable]) -> None:
        """The other side of :meth:`acquire`: unsubscribes what nobody uses any more."""
        async with self._lock:
            gone: list[Entry] = []
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                entry.refs -= 1
                if entry.refs <= 0:
                    del self._entries[key]
                    gone.append(entry)
            if not gone or self._closed or not self._ready.is_set():
                return  # while away, what is gone is simply not subscribed again
            for message in messages("unsubscribe", gone, with_options=False):
                try:
                    await self._request(message)
                except (AlgoDeckError, ConnectionClosed):
                    pass  # the next connection will not have it anyway

    def release_soon(self, keys: list[Hashable]) -> None:
        """:meth:`release` from code that cannot wait (a finaliser): run as a task on the stream's loop."""
        loop = self._loop
        if loop is None or self._closed or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._release_task, keys)
        except RuntimeError:
            pass  # the loop closed meanwhile: nothing is subscribed any more

    def _release_task(self, keys: list[Hashable]) -> None:
        task = asyncio.ensure_future(self.release(keys))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

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
