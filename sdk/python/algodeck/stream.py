"""The agent's stream (``/api/v1/stream``, JSON format) with its subscriptions kept.

One connection serves every iterator of an :class:`~algodeck.Algo`. Subscriptions are counted
per item (an instrument's ticks, a candle series, the orders topic…): the first user subscribes,
the last one to leave unsubscribes. When the connection drops, the stream dials again with
backoff (0.5 s doubling to 5 s, with jitter), subscribes again to everything it had, and then
runs its ``on_reconnect`` callback.
"""
from __future__ import annotations

import asyncio
import json
import random
import ssl as ssl_module
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Hashable

from .errors import AlgoDeckError, error_from_body
from .websocket import ConnectionClosed, HandshakeError, WebSocket, connect

__all__ = ["Stream", "DISCONNECTED"]

STREAM_PATH = "/api/v1/stream"

#: Put on every listener's queue when the connection drops (before anything of the next one).
DISCONNECTED = object()

#: Per message: at most this many instruments (ticks) or series (candles).
_CHUNK = {"ticks": 10_000, "candles": 500}
#: The server pings every 30 s: a connection silent this long is gone.
_SILENCE = 75.0


@dataclass
class _Entry:
    topic: str
    item: Any
    options: dict[str, Any]
    refs: int = 0


Listener = Callable[[Any], None]


@dataclass
class _Pending:
    future: asyncio.Future[dict[str, Any]]
    sent_on: int


@dataclass
class Backoff:
    initial: float = 0.5
    maximum: float = 5.0
    attempt: int = 0
    rand: Callable[[], float] = field(default=random.random)

    def next(self) -> float:
        delay = min(self.initial * (2**self.attempt), self.maximum)
        self.attempt += 1
        return delay * (0.5 + self.rand() / 2)

    def reset(self) -> None:
        self.attempt = 0


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
        base = url.rstrip("/")
        if base.startswith("https://"):
            self.url = "wss://" + base[len("https://") :] + STREAM_PATH
        elif base.startswith("http://"):
            self.url = "ws://" + base[len("http://") :] + STREAM_PATH
        else:
            raise ValueError(f"the agent's URL must be http:// or https://, not {url!r}")
        self._token = token
        self._ssl = ssl
        self._on_reconnect = on_reconnect
        self._on_warning = on_warning or (lambda message, fields: None)
        self._backoff = backoff or Backoff()
        self._request_timeout = request_timeout
        self._entries: dict[Hashable, _Entry] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._disconnect_listeners: list[Callable[[], None]] = []
        self._pending: dict[str, _Pending] = {}
        self._next_id = 1
        self._ws: WebSocket | None = None
        self._generation = 0
        #: Set while a connection is open and every subscription has been made again on it.
        self._ready = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.carry_supported = True
        self.reconnects = 0

    # --- lifecycle ---

    async def start(self, wait: float = 30.0) -> None:
        """Connects (trying again while the agent refuses, up to ``wait`` seconds); raises on a bad token."""
        deadline = time.monotonic() + wait
        backoff = Backoff()
        while True:
            try:
                ws = await connect(self.url, headers={"Authorization": f"Bearer {self._token}"}, ssl=self._ssl)
                break
            except HandshakeError as error:
                raise _handshake_error(error) from error
            except (OSError, asyncio.TimeoutError) as error:
                delay = backoff.next()
                if time.monotonic() + delay > deadline:
                    raise AlgoDeckError("unavailable", f"The agent's stream at {self.url} could not be reached: {error}.") from error
                await asyncio.sleep(delay)
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
        self._fail_pending(AlgoDeckError("unavailable", "The stream was closed."))
        for listener in list(self._disconnect_listeners):
            listener()

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    # --- listeners ---

    def on(self, message_type: str, listener: Listener) -> Callable[[], None]:
        """Calls ``listener(message)`` for every message of that ``type``; answers a remover."""
        listeners = self._listeners.setdefault(message_type, [])
        listeners.append(listener)

        def remove() -> None:
            if listener in listeners:
                listeners.remove(listener)

        return remove

    def on_disconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._disconnect_listeners.append(listener)

        def remove() -> None:
            if listener in self._disconnect_listeners:
                self._disconnect_listeners.remove(listener)

        return remove

    # --- subscriptions ---

    async def acquire(self, topic: str, items: list[tuple[Hashable, Any]], options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Subscribes to what of ``items`` (key, item) is not subscribed yet; answers the reply (merged)."""
        async with self._lock:
            if self._closed:
                raise AlgoDeckError("unavailable", "The stream was closed.")
            fresh: list[_Entry] = []
            for key, item in items:
                entry = self._entries.get(key)
                if entry is None:
                    entry = _Entry(topic, item, dict(options or {}) if self.carry_supported else {})
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
            gone: list[_Entry] = []
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
            for message in _messages("unsubscribe", gone, with_options=False):
                try:
                    await self._request(message)
                except (AlgoDeckError, ConnectionClosed):
                    pass  # the next connection will not have it anyway

    async def _subscribe_entries(self, entries: list[_Entry]) -> dict[str, Any]:
        """Sends the subscribe messages; waits through a reconnect (whose replay makes them)."""
        merged: dict[str, Any] = {}
        for message in _messages("subscribe", entries, with_options=True):
            while True:
                await self._ready.wait()
                if self._closed:
                    raise AlgoDeckError("unavailable", "The stream was closed.")
                try:
                    reply = await self._request_with_carry(message, entries)
                except ConnectionClosed:
                    await self._wait_replayed()
                    break  # the replay on the new connection subscribed it
                _merge(merged, reply)
                break
        return merged

    async def _request_with_carry(self, message: dict[str, Any], entries: list[_Entry]) -> dict[str, Any]:
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
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectionClosed(1006, "not connected")
        request_id = f"s{self._next_id}"
        self._next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, self._generation)
        try:
            await ws.send(json.dumps({**message, "id": request_id}, separators=(",", ":")))
            reply = await asyncio.wait_for(asyncio.shield(future), self._request_timeout)
        except asyncio.TimeoutError:
            raise AlgoDeckError("unavailable", f"No reply from the agent's stream within {self._request_timeout:g} s.") from None
        finally:
            self._pending.pop(request_id, None)
        if reply.get("type") == "error":
            raise error_from_body(None, reply)
        return reply

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
                self._backoff.reset()
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
            self._fail_pending(ConnectionClosed(ws.close_code or 1006, "the connection dropped"))
            if self._closed:
                return
            for listener in list(self._disconnect_listeners):
                listener()
            self._on_warning("the agent's stream dropped; reconnecting", {"code": ws.close_code})
            ws = await self._redial()

    async def _redial(self) -> WebSocket:
        while True:
            await asyncio.sleep(self._backoff.next())
            if self._closed:
                raise asyncio.CancelledError()
            try:
                return await connect(self.url, headers={"Authorization": f"Bearer {self._token}"}, ssl=self._ssl)
            except HandshakeError as error:
                self._on_warning("the agent refused the stream", {"status": error.status, "error": str(_handshake_error(error))})
            except (OSError, asyncio.TimeoutError) as error:
                self._on_warning("the agent's stream cannot be reached yet", {"error": str(error) or type(error).__name__})

    async def _replay(self, ws: WebSocket, reader: asyncio.Task[None]) -> bool:
        """Subscribes again to everything on a new connection; False if it dropped meanwhile."""
        entries = [e for e in self._entries.values() if e.refs > 0]
        try:
            for message in _messages("subscribe", entries, with_options=True):
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
            kind = message.get("type")
            request_id = message.get("id")
            if isinstance(request_id, str) and kind in ("subscribed", "unsubscribed", "pong", "error"):
                pending = self._pending.get(request_id)
                if pending is not None and not pending.future.done():
                    pending.future.set_result(message)
                continue
            if kind == "error":
                self._on_warning("the agent's stream reported an error", {"error": message.get("error")})
                continue
            for listener in list(self._listeners.get(str(kind), [])):
                try:
                    listener(message)
                except Exception as error:
                    self._on_warning("a stream listener failed", {"error": repr(error)})

    def _fail_pending(self, error: BaseException) -> None:
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(error)
                pending.future.exception()  # retrieved: no "never retrieved" warning when nobody waits
        self._pending.clear()


def _messages(kind: str, entries: list[_Entry], *, with_options: bool) -> list[dict[str, Any]]:
    """Subscribe (or unsubscribe) messages for these entries: per topic and options, chunked."""
    groups: dict[tuple[str, str], list[_Entry]] = {}
    for entry in entries:
        options = json.dumps(entry.options, sort_keys=True) if with_options else "{}"
        groups.setdefault((entry.topic, options), []).append(entry)
    out: list[dict[str, Any]] = []
    for (topic, options_text), group in groups.items():
        options = json.loads(options_text)
        if topic in ("ticks", "candles"):
            name = "instruments" if topic == "ticks" else "series"
            items = [e.item for e in group]
            size = _CHUNK[topic]
            for i in range(0, len(items), size):
                out.append({"type": kind, "topic": topic, name: items[i : i + size], **options})
        else:
            out.append({"type": kind, "topic": topic, **options})
    return out


def _merge(into: dict[str, Any], reply: dict[str, Any]) -> None:
    for key, value in reply.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value


def _handshake_error(error: HandshakeError) -> AlgoDeckError:
    try:
        body = json.loads(error.body) if error.body else None
    except ValueError:
        body = None
    if error.status == 0:
        return AlgoDeckError("protocol_error", str(error))
    return error_from_body(error.status, body, f"The agent refused the stream: HTTP {error.status}.")
