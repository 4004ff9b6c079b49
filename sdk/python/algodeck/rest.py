"""The agent's REST API over :mod:`http.client`, each call in a worker thread.

Errors become :class:`AlgoDeckError` (or :class:`RiskRejected`). A call that could not reach the
agent at all (connection refused: the agent is restarting) is tried again for up to
``retry_for`` seconds; so is one whose connection broke before any answer, since every request
the SDK makes is safe to resend (reads, PUTs of whole values, and orders that always carry their
``clientOrderId``).
"""
from __future__ import annotations

import asyncio
import http.client
import json
import random
import ssl as ssl_module
import time
from typing import Any, Mapping
from urllib.parse import quote, urlencode, urlsplit

from .errors import AlgoDeckError, error_from_body

__all__ = ["RestClient"]

API_PREFIX = "/api/v1"


class RestClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        ssl: ssl_module.SSLContext | None = None,
        timeout: float = 30.0,
        retry_for: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the agent's URL must be http:// or https://host:port, not {url!r}")
        self.secure = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.secure else 80)
        self.base_path = parts.path.rstrip("/")
        self.token = token
        self.ssl = ssl if ssl is not None else (ssl_module.create_default_context() if self.secure else None)
        self.timeout = timeout
        self.retry_for = retry_for

    @staticmethod
    def path(template: str, **params: str) -> str:
        """``/algos/:algo/state`` with ``algo`` filled in, percent-encoded."""
        out = template
        for name, value in params.items():
            out = out.replace(f":{name}", quote(value, safe=""))
        return out

    async def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """Sends a request to ``/api/v1`` + ``path``; answers the decoded JSON, or raises."""
        target = self.base_path + API_PREFIX + path
        if query:
            pairs = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if pairs:
                target += "?" + urlencode(pairs, quote_via=quote)
        payload = None if body is None else json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
        deadline = time.monotonic() + self.retry_for
        delay = 0.25
        while True:
            try:
                status, data = await asyncio.to_thread(self._send, method, target, payload)
            except (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected, BrokenPipeError) as error:
                if time.monotonic() + delay > deadline:
                    raise AlgoDeckError("unavailable", f"The agent at {self.host}:{self.port} could not be reached: {error}.", None, None) from error
                await asyncio.sleep(delay * (0.75 + random.random() / 2))
                delay = min(delay * 2, 2.0)
                continue
            except (OSError, http.client.HTTPException) as error:
                raise AlgoDeckError("unavailable", f"The agent at {self.host}:{self.port} could not be reached: {error}.", None, None) from error
            return _decode(status, data)

    def _send(self, method: str, target: str, payload: bytes | None) -> tuple[int, bytes]:
        connection: http.client.HTTPConnection
        if self.secure:
            connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.ssl)
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, target, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _decode(status: int, data: bytes) -> Any:
    try:
        body = json.loads(data) if data else None
    except ValueError:
        body = None
    if 200 <= status < 300:
        if body is None and data:
            raise AlgoDeckError("protocol_error", f"The agent answered {status} with a body that is not JSON.", None, status)
        return body
    text = data[:200].decode("utf-8", "replace").strip()
    raise error_from_body(status, body, f"HTTP {status}: {text}" if text else f"HTTP {status}")
