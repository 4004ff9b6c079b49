"""The stream's requests (subscribe, unsubscribe, ping) and their replies, matched by ``id``."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from .errors import AlgoDeckError, error_from_body
from .websocket import ConnectionClosed, WebSocket

__all__ = ["Replies"]

#: The reply types that answer a request (an ``error`` with an ``id`` answers one too).
_REPLIES = ("subscribed", "unsubscribed", "pong", "error")


class Replies:
    """Requests sent on the stream's connections and waiting for their replies."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 1

    async def request(self, ws: WebSocket | None, message: dict[str, Any]) -> dict[str, Any]:
        """Sends ``message`` with a fresh ``id`` on ``ws``; answers its reply, raises its error.

        Raises ConnectionClosed when ``ws`` is gone (or goes before the reply), and
        AlgoDeckError ``unavailable`` when no reply comes within the timeout.
        """
        if ws is None or ws.closed:
            raise ConnectionClosed(1006, "not connected")
        request_id = f"s{self._next_id}"
        self._next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await ws.send(json.dumps({**message, "id": request_id}, separators=(",", ":")))
            reply = await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except asyncio.TimeoutError:
            raise AlgoDeckError("unavailable", f"No reply from the agent's stream within {self._timeout:g} s.") from None
        finally:
            self._pending.pop(request_id, None)
        if reply.get("type") == "error":
            raise error_from_body(None, reply)
        return reply

    def resolve(self, message: dict[str, Any]) -> bool:
        """Hands a reply to its request; False if ``message`` is not a reply (nor an answered error)."""
        request_id = message.get("id")
        if not isinstance(request_id, str) or message.get("type") not in _REPLIES:
            return False
        future = self._pending.get(request_id)
        if future is not None and not future.done():
            future.set_result(message)
        return True

    def fail(self, error: BaseException) -> None:
        """Ends every waiting request with ``error`` (the connection dropped, or the stream closed)."""
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: no "never retrieved" warning when nobody waits
        self._pending.clear()
