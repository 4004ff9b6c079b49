"""AlgoDeck's Python SDK: write an algo that runs on an AlgoDeck agent.

Standard library only (Python 3.11+, asyncio)::

    import algodeck

    async def main(algo: algodeck.Algo) -> None:
        async for bar in algo.candles("NSE:INFY", "5minute", count=50):
            ...

    algodeck.run(main)
"""
from __future__ import annotations

from .algo import Algo
from .log import Logger
from .runner import connect, run
from .errors import AlgoDeckError, RiskRejected
from .models import Bar, Depth, DepthLevel, Instrument, Ohlc, Order, Position, RiskEvent, RiskState, Tick

__version__ = "0.1.0"

__all__ = [
    "Algo",
    "AlgoDeckError",
    "Bar",
    "Depth",
    "DepthLevel",
    "Instrument",
    "Logger",
    "Ohlc",
    "Order",
    "Position",
    "RiskEvent",
    "RiskRejected",
    "RiskState",
    "Tick",
    "connect",
    "run",
    "__version__",
]
