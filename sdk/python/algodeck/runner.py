"""Starting an algo: :func:`connect` (from the arguments or the environment) and :func:`run`
(connect, run ``main(algo)``, stop cleanly on SIGTERM/SIGINT).
"""
from __future__ import annotations

import asyncio
import os
import ssl as ssl_module
import sys
import time
from typing import Any, Awaitable, Callable, TextIO

from .algo import Algo
from .errors import AlgoDeckError
from .log import Logger

__all__ = ["connect", "run", "DEFAULT_URL"]

#: Where an agent listens by default.
DEFAULT_URL = "http://127.0.0.1:7420"


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
