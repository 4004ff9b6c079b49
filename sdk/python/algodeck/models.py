"""What the agent answers, as dataclasses with snake_case fields.

Every object keeps the agent's JSON as it came in ``raw`` (fields may be added to the API; none
are removed or renamed), so nothing the agent says is out of reach.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar

__all__ = [
    "Ohlc",
    "DepthLevel",
    "Depth",
    "Tick",
    "Bar",
    "Instrument",
    "Order",
    "Position",
    "RiskState",
    "RiskEvent",
    "parse_time",
    "format_time",
]

T = TypeVar("T")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    """``lastPrice`` → ``last_price``."""
    return _CAMEL.sub("_", name).lower()


def parse_time(text: str) -> datetime:
    """An ISO-8601 instant with its zone (``2026-11-25T03:45:00Z``) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    """An aware datetime as the ISO-8601 UTC form the agent takes (``…Z``, milliseconds)."""
    if value.tzinfo is None:
        raise ValueError("a datetime without a zone is ambiguous: give tzinfo")
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _optional_time(value: Any) -> datetime | None:
    return parse_time(value) if isinstance(value, str) else None


def _build(cls: type[T], data: dict[str, Any], convert: dict[str, Callable[[Any], Any]] | None = None, **extra: Any) -> T:
    """A dataclass from the agent's JSON: camelCase keys to fields, unknown keys left in ``raw``."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = snake(key)
        if name in names and name != "raw":
            values[name] = convert[name](value) if convert and name in convert else value
    values.update(extra)
    values["raw"] = data
    return cls(**values)


@dataclass(slots=True)
class Ohlc:
    open: float
    high: float
    low: float
    close: float


@dataclass(slots=True)
class DepthLevel:
    price: float
    quantity: int
    orders: int


@dataclass(slots=True)
class Depth:
    buy: list[DepthLevel]
    sell: list[DepthLevel]


def _ohlc(value: Any) -> Ohlc | None:
    return Ohlc(value["open"], value["high"], value["low"], value["close"]) if isinstance(value, dict) else None


def _depth(value: Any) -> Depth | None:
    if not isinstance(value, dict):
        return None
    side = lambda levels: [DepthLevel(l["price"], l["quantity"], l["orders"]) for l in levels or []]  # noqa: E731
    return Depth(side(value.get("buy")), side(value.get("sell")))


@dataclass(slots=True)
class Tick:
    """One market-data update (docs/API.md, Tick). Fields beyond ``ltp`` mode are None when absent."""

    instrument: str
    token: int
    mode: str
    tradable: bool
    last_price: float
    #: The exchange timestamp in full mode, else the receipt time.
    timestamp: datetime
    #: Epoch milliseconds (sub-ms precision) when the tick reached the agent's worker.
    received_at: float
    last_quantity: int | None = None
    average_price: float | None = None
    volume: int | None = None
    total_buy_quantity: int | None = None
    total_sell_quantity: int | None = None
    ohlc: Ohlc | None = None
    change: float | None = None
    last_trade_time: datetime | None = None
    oi: int | None = None
    oi_day_high: int | None = None
    oi_day_low: int | None = None
    depth: Depth | None = None
    #: In a quote: older than the ticker's stale limit.
    stale: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tick:
        return _build(cls, data, _TICK_CONVERT)


_TICK_CONVERT: dict[str, Callable[[Any], Any]] = {
    "timestamp": parse_time,
    "last_trade_time": _optional_time,
    "ohlc": _ohlc,
    "depth": _depth,
}


@dataclass(slots=True)
class Bar:
    """One candle of a series. ``closed`` is False only for a forming bar's updates."""

    instrument: str
    interval: str
    #: The bar's start (UTC).
    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    #: False for bars from history, True for bars that came live from the stream.
    live: bool
    closed: bool = True
    oi: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_candle(cls, instrument: str, interval: str, candle: dict[str, Any], *, live: bool, closed: bool = True) -> Bar:
        return cls(
            instrument=instrument,
            interval=interval,
            time=parse_time(candle["time"]),
            open=candle["open"],
            high=candle["high"],
            low=candle["low"],
            close=candle["close"],
            volume=candle.get("volume", 0),
            live=live,
            closed=closed,
            oi=candle.get("oi"),
            raw=candle,
        )


@dataclass(slots=True)
class Instrument:
    id: str
    token: int
    exchange: str
    tradingsymbol: str
    name: str
    segment: str
    instrument_type: str
    tick_size: float
    lot_size: int
    tradable: bool
    #: When its exchange trades: ``{"timeZone","utcOffsetMinutes","openMinute","closeMinute","weekdaysOnly"}``.
    session: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Instrument:
        return _build(cls, data)


@dataclass(slots=True)
class Order:
    """An order as the agent keeps it. ``state``: pending, open, partially_filled, filled, cancelled, rejected."""

    id: str
    algo: str
    instrument: str
    side: str
    quantity: int
    type: str
    state: str
    filled_quantity: int = 0
    average_price: float | None = None
    fees: float = 0.0
    price: float | None = None
    trigger: float | None = None
    stop_loss: float | None = None
    product: str | None = None
    validity: str | None = None
    client_order_id: str | None = None
    broker_order_id: str | None = None
    #: Why it was refused: ``{"rule": str | None, "message": str}``.
    rejection: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        """Whether the order is in a state it never leaves."""
        return self.state in ("filled", "cancelled", "rejected")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Order:
        return _build(cls, data, {"created_at": _optional_time, "updated_at": _optional_time})


@dataclass(slots=True)
class Position:
    algo: str
    instrument: str
    #: Signed: long above zero, short below.
    quantity: int
    average_price: float
    last_price: float | None
    pnl: float
    realised: float
    unrealised: float
    money_at_risk: float
    stop_loss: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        return _build(cls, data)


@dataclass(slots=True)
class RiskState:
    """The risk manager as this algo sees it (from ``GET /api/v1/risk``).

    ``state``/``reason``: this algo's trading state (``ACTIVE``, ``REDUCING``, ``HALTED``);
    ``global_state``/``global_reason``: everything's; ``money_at_risk``: this algo's by
    instrument; ``exposure``: what the whole portfolio holds (every algo), by instrument.
    """

    algo: str
    state: str
    reason: str | None
    global_state: str
    global_reason: str | None
    kill_switch: bool
    money_at_risk: dict[str, float]
    pnl: float | None
    day_pnl: float | None
    drawdown: float | None
    exposure: dict[str, Any]
    #: The limits in force: ``{"global": {...}, "algos": {...}, "instruments": {...}}``.
    limits: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_summary(cls, algo: str, data: dict[str, Any]) -> RiskState:
        mine = (data.get("algos") or {}).get(algo) or {}
        whole = data.get("state") or {}
        return cls(
            algo=algo,
            state=mine.get("state", "ACTIVE"),
            reason=mine.get("reason"),
            global_state=whole.get("state", "ACTIVE"),
            global_reason=whole.get("reason"),
            kill_switch=bool(whole.get("killSwitch", False)),
            money_at_risk=dict((data.get("moneyAtRisk") or {}).get(algo) or {}),
            pnl=mine.get("pnl"),
            day_pnl=mine.get("dayPnl"),
            drawdown=mine.get("drawdown"),
            exposure=dict(data.get("exposure") or {}),
            limits=dict(data.get("limits") or {}),
            raw=data,
        )


@dataclass(slots=True)
class RiskEvent:
    """A trading state changed (the ``risk`` topic's ``risk_state``): ``scope`` is an algo or ``global``."""

    scope: str
    from_state: str
    to_state: str
    reason: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RiskEvent:
        return cls(str(data.get("scope")), str(data.get("from")), str(data.get("to")), str(data.get("reason", "")), data)
