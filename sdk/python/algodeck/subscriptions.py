"""What a :class:`~algodeck.stream.Stream` is subscribed to, and the messages that say so.

An :class:`Entry` is one item (an instrument's ticks, a candle series, a topic such as
``orders``) with the number of users that want it. Subscribe and unsubscribe messages group the
entries per topic and options, in chunks the agent takes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = ["Entry", "TickMode", "MODES", "asks_more", "messages", "merge"]

TickMode = Literal["ltp", "quote", "full"]
#: The tick modes, poorest first (each one's ticks have the fields of those before it).
MODES: tuple[TickMode, ...] = get_args(TickMode)

#: Per message: at most this many instruments (ticks) or series (candles).
_CHUNK = {"ticks": 10_000, "candles": 500}


@dataclass
class Entry:
    topic: str
    #: What the subscribe message names (an instrument id, a series); None for a whole topic.
    item: Any
    options: dict[str, Any]
    refs: int = 0


def asks_more(wanted: dict[str, Any], held: dict[str, Any]) -> bool:
    """Whether subscribe options ``wanted`` ask the ticker for more than an entry's ``held`` do:
    to carry what it does not, or in a richer mode (the agent's default mode is ``quote``)."""
    if not wanted.get("carry"):
        return False
    if not held.get("carry"):
        return True
    return _rank(wanted) > _rank(held)


def _rank(options: dict[str, Any]) -> int:
    mode = options.get("mode", "quote")
    return MODES.index(mode) if mode in MODES else -1


def messages(kind: str, entries: list[Entry], *, with_options: bool) -> list[dict[str, Any]]:
    """Subscribe (or unsubscribe) messages for these entries: per topic and options, chunked."""
    groups: dict[tuple[str, str], list[Entry]] = {}
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


def merge(into: dict[str, Any], reply: dict[str, Any]) -> None:
    """Adds a reply to the replies so far (lists joined, objects merged, the rest replaced)."""
    for key, value in reply.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value
