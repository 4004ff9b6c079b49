"""The parts of an :class:`~algodeck.Algo` reached by attribute: ``algo.instruments``,
``algo.orders``, ``algo.risk`` and ``algo.state``; and the iterator of a held topic's messages
(``algo.orders.updates()``, ``algo.risk.events()``, from :mod:`algodeck.live`).
"""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Iterable, Literal

from .live import TopicIterator
from .models import Instrument, Order, RiskEvent, RiskState
from .rest import RestClient

if TYPE_CHECKING:
    from .algo import Algo

__all__ = ["Instruments", "Orders", "Risk", "State", "TopicIterator"]


class Instruments:
    """``algo.instruments``: the agent's instrument master."""

    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    async def search(self, text: str, *, limit: int = 50) -> list[Instrument]:
        """Instruments matching ``text`` (id, symbol or name): exact symbols first."""
        answer = await self._algo._rest.call("GET", "/instruments", query={"search": text, "limit": limit})
        return [Instrument.from_json(i) for i in answer["instruments"]]

    async def get(self, ids: Iterable[str]) -> list[Instrument]:
        """Exactly these instruments, known ones in the order given."""
        answer = await self._algo._rest.call("GET", "/instruments", query={"ids": list(ids)})
        return [Instrument.from_json(i) for i in answer["instruments"]]


class Orders:
    """``algo.orders``: this algo's orders, placed through the agent's risk manager."""

    def __init__(self, algo: Algo) -> None:
        self._algo = algo
        self._counter = 0

    def new_client_order_id(self) -> str:
        """A fresh id for an order (``<algo>-<random>-<n>``, the agent's alphabet, ≤ 64 chars)."""
        self._counter += 1
        stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in self._algo.name)[:32]
        return f"{stem}-{secrets.token_hex(6)}-{self._counter}"

    async def place(
        self,
        *,
        instrument: str,
        side: Literal["BUY", "SELL"],
        quantity: int,
        type: Literal["MARKET", "LIMIT", "SL", "SL-M"] = "MARKET",
        price: float | None = None,
        trigger: float | None = None,
        stop_loss: float | None = None,
        product: Literal["MIS", "CNC", "NRML"] | None = None,
        validity: Literal["DAY", "IOC"] | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Places an order for this algo; raises RiskRejected when the risk manager refuses it.

        A ``client_order_id`` is made when none is given, so the SDK may resend the order after a
        lost answer (the agent answers the order already placed, never a second one).
        """
        body: dict[str, Any] = {
            "algo": self._algo.name,
            "instrument": instrument,
            "side": side,
            "quantity": quantity,
            "type": type,
            "clientOrderId": client_order_id or self.new_client_order_id(),
        }
        for key, value in (("price", price), ("trigger", trigger), ("stopLoss", stop_loss), ("product", product), ("validity", validity)):
            if value is not None:
                body[key] = value
        return Order.from_json(await self._algo._rest.call("POST", "/orders", body=body))

    async def cancel(self, order_id: str) -> Order:
        """Cancels what is left of an order (``409 conflict`` once it is filled, cancelled or rejected)."""
        return Order.from_json(await self._algo._rest.call("DELETE", RestClient.path("/orders/:id", id=order_id)))

    async def list(self, *, state: str | None = None, limit: int | None = None) -> list[Order]:
        """This algo's orders, newest first."""
        answer = await self._algo._rest.call("GET", "/orders", query={"algo": self._algo.name, "state": state, "limit": limit})
        return [Order.from_json(o) for o in answer["orders"]]

    def updates(self) -> TopicIterator[Order]:
        """This algo's orders as they move (placed, open, filled, cancelled, rejected).

        Listens from this call on: an order placed after it and before the first ``__anext__``
        is seen, with every update the stream told of meanwhile.
        """
        name = self._algo.name

        def pick(message: dict[str, Any]) -> list[Order]:
            return [Order.from_json(raw) for raw in message.get("orders") or [] if isinstance(raw, dict) and raw.get("algo") == name]

        return TopicIterator(self._algo, "orders", "orders", pick)


class Risk:
    """``algo.risk``: this algo's trading state and the risk manager's figures."""

    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    async def state(self) -> RiskState:
        """This algo's trading state, the global one, its money at risk and the portfolio's exposure."""
        return RiskState.from_summary(self._algo.name, await self._algo._rest.call("GET", "/risk"))

    def events(self, *, every_algo: bool = False) -> TopicIterator[RiskEvent]:
        """Trading-state changes of this algo and of everything (``global``); ``every_algo`` for all.

        Listens from this call on, as :meth:`Orders.updates` does.
        """
        name = self._algo.name

        def pick(message: dict[str, Any]) -> list[RiskEvent]:
            return [RiskEvent.from_json(message)] if every_algo or message.get("scope") in (name, "global") else []

        return TopicIterator(self._algo, "risk", "risk_state", pick)


class State:
    """The algo's persistent key-value state, kept by the agent (survives restarts of both)."""

    def __init__(self, algo: Algo) -> None:
        self._algo = algo

    def _path(self) -> str:
        return RestClient.path("/algos/:algo/state", algo=self._algo.name)

    async def all(self) -> dict[str, Any]:
        answer = await self._algo._rest.call("GET", self._path())
        return dict(answer.get("values") or {})

    async def get(self, key: str, default: Any = None) -> Any:
        return (await self.all()).get(key, default)

    async def set(self, key: str, value: Any) -> None:
        """Sets ``key`` (any JSON value; ``None`` deletes it)."""
        await self.update({key: value})

    async def delete(self, key: str) -> None:
        await self.update({key: None})

    async def update(self, values: dict[str, Any]) -> dict[str, Any]:
        """Sets several keys in one transaction (``None`` deletes); answers the whole state."""
        answer = await self._algo._rest.call("PUT", self._path(), body={"values": values})
        return dict(answer.get("values") or {})
