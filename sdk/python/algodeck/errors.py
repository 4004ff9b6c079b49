"""Errors the SDK raises: the agent's error body as exceptions."""
from __future__ import annotations

from typing import Any

__all__ = ["AlgoDeckError", "RiskRejected", "error_from_body"]


class AlgoDeckError(Exception):
    """An error answered by the agent (or met on the way to it).

    ``code`` is stable (branch on it, never on ``message``): the agent's codes
    (``invalid_request``, ``forbidden``, ``unknown_instrument``…) plus the SDK's own
    ``unavailable`` (the agent could not be reached) and ``protocol_error``.
    """

    code: str
    message: str
    field: str | None
    status: int | None
    details: dict[str, Any] | None

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status
        self.details = details

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        status = f" [{self.status}]" if self.status is not None else ""
        return f"{self.code}{status}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r}, status={self.status!r})"


class RiskRejected(AlgoDeckError):
    """The central risk manager refused an order (``422 risk_rejected``).

    ``rule`` names the rule (``max_order_quantity``, ``halted``, ``reducing``…); ``limit`` and
    ``value`` are what it compared, when the rule has them; ``order`` is the refused order as the
    agent keeps it (an :class:`algodeck.Order`, state ``rejected``), or None.
    """

    rule: str
    limit: float | None
    value: float | None
    order: Any

    def __init__(
        self,
        rule: str,
        message: str,
        limit: float | None = None,
        value: float | None = None,
        order: Any = None,
        status: int | None = 422,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__("risk_rejected", message, None, status, details)
        self.rule = rule
        self.limit = limit
        self.value = value
        self.order = order

    def __repr__(self) -> str:
        return f"RiskRejected(rule={self.rule!r}, message={self.message!r}, limit={self.limit!r}, value={self.value!r})"


def error_from_body(status: int | None, body: Any, fallback: str = "") -> AlgoDeckError:
    """The exception for an error answer: ``{"error":{"code","message","field","details"}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        text = fallback or (f"HTTP {status}" if status is not None else "unexpected answer")
        return AlgoDeckError(_code_for_status(status), text, None, status)
    code: str = error["code"]
    message = str(error.get("message") or code)
    field = error.get("field") if isinstance(error.get("field"), str) else None
    details = error.get("details") if isinstance(error.get("details"), dict) else None
    if code == "risk_rejected":
        d = details or {}
        from .models import Order  # the order in the details, typed like every other order

        raw_order = d.get("order")
        order = Order.from_json(raw_order) if isinstance(raw_order, dict) else None
        return RiskRejected(
            str(d.get("rule") or "unknown"),
            message,
            _number(d.get("limit")),
            _number(d.get("value")),
            order,
            status,
            details,
        )
    return AlgoDeckError(code, message, field, status, details)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _code_for_status(status: int | None) -> str:
    return {
        400: "invalid_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        429: "too_many_attempts",
        503: "unavailable",
    }.get(status or 0, "internal" if status and status >= 500 else "protocol_error")
