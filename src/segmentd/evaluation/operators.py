"""The clause operators, as predicates over one context value and one clause value.

Every operator is total: a type mismatch, an unparsable date, version or regex on either side, or an
unknown operator name is a plain non-match, never an error (docs/evaluation.md §operators). No
operator coerces between JSON types, and a boolean is never a number (in Python ``True == 1``, so
every numeric test excludes ``bool`` explicitly).

These functions are the reference semantics. :mod:`segmentd.evaluation.preprocess` builds
faster per-clause tests from the same parsing functions and must agree with them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.semver import SemVer, parse_semver
from segmentd.domain.shared.timestamps import to_instant

#: ``(context value, clause value) -> matched``
Matcher = Callable[[JsonValue, JsonValue], bool]


def as_double(value: int | float) -> float:
    """The IEEE double a JSON number denotes (huge integers saturate to infinity, as in Go)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def scalar_key(value: JsonValue) -> tuple[int, str | float | bool] | None:
    """A hashable key under which two values are ``in``-equal, or ``None`` if never equal.

    Strings by content, numbers by double value (``1 == 1.0``), booleans by truth, and the
    JSON type is part of the key so ``true`` never equals ``1``. Null, arrays and objects never
    match by ``in`` (Go reference; the Python SDK compares arrays and objects structurally).
    """
    if isinstance(value, str):
        return (0, value)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, as_double(value))
    return None


def compile_regex(value: JsonValue) -> re.Pattern[str] | None:
    """Compile a clause value for ``matches``; ``None`` for a non-string or invalid pattern."""
    if not isinstance(value, str):
        return None
    try:
        return re.compile(value)
    except re.error:
        return None


def as_semver(value: JsonValue) -> SemVer | None:
    """Parse a JSON string as a version; any other JSON type is not a version."""
    return parse_semver(value) if isinstance(value, str) else None


def _in(ctx: JsonValue, cv: JsonValue) -> bool:
    key = scalar_key(ctx)
    return key is not None and key == scalar_key(cv)


def _strings(test: Callable[[str, str], bool]) -> Matcher:
    def matcher(ctx: JsonValue, cv: JsonValue) -> bool:
        return isinstance(ctx, str) and isinstance(cv, str) and test(ctx, cv)

    return matcher


def _matches(ctx: JsonValue, cv: JsonValue) -> bool:
    pattern = compile_regex(cv)
    return pattern is not None and isinstance(ctx, str) and pattern.search(ctx) is not None


def _numbers(test: Callable[[float, float], bool]) -> Matcher:
    def matcher(ctx: JsonValue, cv: JsonValue) -> bool:
        if isinstance(ctx, bool) or isinstance(cv, bool):
            return False
        if isinstance(ctx, int | float) and isinstance(cv, int | float):
            return test(as_double(ctx), as_double(cv))
        return False

    return matcher


def _instants(test: Callable[[int, int], bool]) -> Matcher:
    def matcher(ctx: JsonValue, cv: JsonValue) -> bool:
        a, b = to_instant(ctx), to_instant(cv)
        return a is not None and b is not None and test(a, b)

    return matcher


def _versions(test: Callable[[SemVer, SemVer], bool]) -> Matcher:
    def matcher(ctx: JsonValue, cv: JsonValue) -> bool:
        a, b = as_semver(ctx), as_semver(cv)
        return a is not None and b is not None and test(a, b)

    return matcher


def _never(_ctx: JsonValue, _cv: JsonValue) -> bool:
    return False


#: One matcher per name of :data:`~segmentd.domain.shared.clauses.OPERATORS`, in its order
#: (``tests/unit/test_operator_list.py`` holds the keys to the list). ``segmentMatch`` is not a
#: value test: ``evaluation/clauses.py`` decides it by segment membership before any matcher
#: runs, so its entry never matches.
MATCHERS: Final[Mapping[str, Matcher]] = MappingProxyType(
    {
        "in": _in,
        "endsWith": _strings(str.endswith),
        "startsWith": _strings(str.startswith),
        "matches": _matches,
        "contains": _strings(lambda a, b: b in a),
        "lessThan": _numbers(lambda a, b: a < b),
        "lessThanOrEqual": _numbers(lambda a, b: a <= b),
        "greaterThan": _numbers(lambda a, b: a > b),
        "greaterThanOrEqual": _numbers(lambda a, b: a >= b),
        "before": _instants(lambda a, b: a < b),
        "after": _instants(lambda a, b: a > b),
        "segmentMatch": _never,
        "semVerEqual": _versions(lambda a, b: a == b),
        "semVerLessThan": _versions(lambda a, b: a < b),
        "semVerGreaterThan": _versions(lambda a, b: a > b),
    }
)


def operator_matches(op: str, ctx: JsonValue, cv: JsonValue) -> bool:
    """Whether one context value matches one clause value under ``op``.

    Promise: total and side-effect free; unknown operators (and ``segmentMatch``, which is
    not a value test) return ``False``.
    """
    return MATCHERS.get(op, _never)(ctx, cv)
