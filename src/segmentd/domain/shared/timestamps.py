"""Instants for the ``before``/``after`` operators, in integer nanoseconds since the epoch.

A JSON number is Unix epoch milliseconds, truncated to a whole millisecond (Go reference; the Python
SDK keeps the fraction). A string must be a strict RFC 3339 date-time: ``YYYY-MM-DD``, ``T`` (either
case), ``hh:mm:ss``, an optional fraction of at most nine digits, and a mandatory zone (``Z`` or
``±hh:mm``). This is the subset that Go and the Python SDK both accept
(docs/evaluation.md §operators): we reject Python's space separator and Go's one-digit hour,
leap second and zone hours above 23.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

from segmentd.domain.shared.json_types import JsonValue

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NS_PER_SECOND = 1_000_000_000
_NS_PER_MS = 1_000_000


def to_instant(value: JsonValue) -> int | None:
    """Convert a context or clause value to nanoseconds since the epoch, or ``None``.

    Booleans, null, arrays, objects, numeric strings and non-finite numbers are not instants.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * _NS_PER_MS
    if isinstance(value, float):
        return int(value) * _NS_PER_MS if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_rfc3339(value)
    return None


@lru_cache(maxsize=4096)
def parse_rfc3339(text: str) -> int | None:
    """Parse a strict RFC 3339 date-time into epoch nanoseconds, or ``None`` if invalid.

    Memoised: the function is pure and context timestamps repeat across evaluations.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, zh, zm = match.groups()
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        return None
    offset = 0
    if not zulu:
        oh, om = int(zh), int(zm)
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (-1 if sign == "-" else 1)
    seconds = days * 86400 + h * 3600 + m * 60 + s - offset
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return seconds * _NS_PER_SECOND + nanos
