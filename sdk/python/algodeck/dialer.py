"""Dialing the agent's stream: the first connection (tried again while the agent is not up yet),
and again after a drop, with backoff (0.5 s doubling to 5 s, with jitter).

A refused handshake (a wrong token) becomes the agent's :class:`AlgoDeckError`.
"""
from __future__ import annotations

import asyncio
import json
import random
import ssl as ssl_module
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import AlgoDeckError, error_from_body
from .websocket import HandshakeError, WebSocket, connect

__all__ = ["Backoff", "Dialer", "STREAM_PATH", "stream_url"]

STREAM_PATH = "/api/v1/stream"


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


def stream_url(url: str) -> str:
    """The stream's ``ws://`` (``wss://``) URL on the agent at ``http://`` (``https://``) ``url``."""
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + STREAM_PATH
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + STREAM_PATH
    raise ValueError(f"the agent's URL must be http:// or https://, not {url!r}")


class Dialer:
    """Opens connections to one agent's stream with one token."""

    def __init__(self, url: str, token: str, *, ssl: ssl_module.SSLContext | None = None, backoff: Backoff | None = None) -> None:
        self.url = stream_url(url)
        self._token = token
        self._ssl = ssl
        #: Between redials; reset once a connection is up (:meth:`connected`).
        self._backoff = backoff or Backoff()

    async def dial(self) -> WebSocket:
        """One attempt; raises HandshakeError, OSError or asyncio.TimeoutError."""
        return await connect(self.url, headers={"Authorization": f"Bearer {self._token}"}, ssl=self._ssl)

    async def first(self, wait: float) -> WebSocket:
        """Connects, trying again while the agent refuses (up to ``wait`` seconds); raises on a bad token."""
        deadline = time.monotonic() + wait
        backoff = Backoff()
        while True:
            try:
                return await self.dial()
            except HandshakeError as error:
                raise handshake_error(error) from error
            except (OSError, asyncio.TimeoutError) as error:
                delay = backoff.next()
                if time.monotonic() + delay > deadline:
                    raise AlgoDeckError("unavailable", f"The agent's stream at {self.url} could not be reached: {error}.") from error
                await asyncio.sleep(delay)

    async def again(self, warn: Callable[[str, dict[str, Any]], None], stopped: Callable[[], bool]) -> WebSocket:
        """Dials until a connection opens, waiting the backoff before each try; cancelled once ``stopped()``."""
        while True:
            await asyncio.sleep(self._backoff.next())
            if stopped():
                raise asyncio.CancelledError()
            try:
                return await self.dial()
            except HandshakeError as error:
                warn("the agent refused the stream", {"status": error.status, "error": str(handshake_error(error))})
            except (OSError, asyncio.TimeoutError) as error:
                warn("the agent's stream cannot be reached yet", {"error": str(error) or type(error).__name__})

    def connected(self) -> None:
        """A connection is up and subscribed: the next drop waits the shortest delay again."""
        self._backoff.reset()


def handshake_error(error: HandshakeError) -> AlgoDeckError:
    """The agent's refusal of the upgrade (its error body) as an AlgoDeckError."""
    try:
        body = json.loads(error.body) if error.body else None
    except ValueError:
        body = None
    if error.status == 0:
        return AlgoDeckError("protocol_error", str(error))
    return error_from_body(error.status, body, f"The agent refused the stream: HTTP {error.status}.")
