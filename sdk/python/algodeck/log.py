"""The algo's log: one JSON line per call on stdout, which the agent keeps as the task's log."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

from .models import format_time

__all__ = ["Logger"]


class Logger:
    """One JSON line per call on stdout: ``{"time","level","msg",...fields}``."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    def _write(self, level: str, msg: str, fields: dict[str, Any]) -> None:
        line = {"time": format_time(datetime.now(timezone.utc)), "level": level, "msg": msg}
        for key, value in fields.items():
            if key not in line:
                line[key] = value
        out = self._out or sys.stdout
        out.write(json.dumps(line, default=_jsonable, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()

    def debug(self, msg: str, /, **fields: Any) -> None:
        self._write("debug", msg, fields)

    def info(self, msg: str, /, **fields: Any) -> None:
        self._write("info", msg, fields)

    def warn(self, msg: str, /, **fields: Any) -> None:
        self._write("warn", msg, fields)

    warning = warn

    def error(self, msg: str, /, **fields: Any) -> None:
        self._write("error", msg, fields)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "raw") and isinstance(getattr(value, "raw"), dict):
        return value.raw
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return repr(value)
