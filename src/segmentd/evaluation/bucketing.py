"""LaunchDarkly-compatible bucketing: where a context falls in ``[0, 1]`` for a rollout.

``bucket = int(sha1("<key>.<salt>.<value>").hexdigest()[:15], 16) / 0xFFFFFFFFFFFFFFF``
(docs/evaluation.md §bucketing). Segments and flags share the hash, so these values must match every
LD SDK bit for bit; ``tests/unit/evaluation/test_bucketing.py`` pins golden values.
"""

from __future__ import annotations

import hashlib

from segmentd.domain.shared.json_types import JsonValue

_SCALE = float(0xFFFFFFFFFFFFFFF)

#: Rule weights are in units of 1/100000 (100000 = 100 %).
WEIGHT_SCALE = 100_000


def bucketable_value(value: JsonValue) -> str | None:
    """The string hashed for a bucketing value, or ``None`` when it cannot be bucketed.

    Strings hash as-is and integers as decimal text. An integral float such as ``1000.0``
    hashes as ``"1000"``: this follows the Go reference, which sees every integral JSON number
    as an integer (the Python SDK does not bucket floats at all, giving bucket 0). Booleans,
    other floats, arrays, objects and null are not bucketable.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def bucket(key: str, salt: str, value: str) -> float:
    """The bucket of ``value`` for an entity ``key`` with ``salt``, in ``[0, 1]``.

    Computed in double precision like the Python SDK and LD's reference vectors (Go uses
    float32; the two can differ only at a weight boundary).
    """
    digest = hashlib.sha1(f"{key}.{salt}.{value}".encode()).digest()
    # The first 15 hex digits are the first 60 bits: 8 bytes shifted right by 4.
    return (int.from_bytes(digest[:8], "big") >> 4) / _SCALE


def in_rollout(bucket_value: float, weight: int) -> bool:
    """Whether a bucket falls inside a rule ``weight`` (1/100000 units)."""
    return bucket_value < weight / WEIGHT_SCALE
