"""Clauses: the attribute tests that segment rules and flag rules share, and the one list of
their operators.

:data:`OPERATORS` lives here, in the lowest layer, because both of its users may import it:
write-time validation (``domain/shared/validate.py``) refuses any other name, and the
evaluator (``evaluation/operators.py``, one layer up) keys its matcher table by it. The
evaluator stays pure, as ``domain`` imports nothing with I/O; import-linter's layers contract
(``pyproject.toml``) lets ``evaluation`` import ``domain`` and never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from segmentd.domain.shared.json_types import JsonValue

#: The 15 clause operators, spelled and ordered as LaunchDarkly's wire format lists them
#: (docs/evaluation.md §operators). ``tests/unit/test_operator_list.py`` holds this list equal
#: to the operators of LaunchDarkly's REST models and server SDK, and to the evaluator's table.
OPERATORS: Final[tuple[str, ...]] = (
    "in",
    "endsWith",
    "startsWith",
    "matches",
    "contains",
    "lessThan",
    "lessThanOrEqual",
    "greaterThan",
    "greaterThanOrEqual",
    "before",
    "after",
    "segmentMatch",
    "semVerEqual",
    "semVerLessThan",
    "semVerGreaterThan",
)

#: The context kind assumed wherever the data model leaves a kind out.
DEFAULT_KIND = "user"


def clause_value_key(value: JsonValue) -> tuple[str, JsonValue]:
    """The identity of a clause value when instructions add or remove values: type-aware, so
    ``true``, ``1`` and ``"1"`` stay three values (docs/evaluation.md §operators), while
    ``1`` and ``1.0`` are one number."""
    return (type(value).__name__ if isinstance(value, bool | str) else "number", value)


@dataclass(frozen=True, slots=True)
class Clause:
    """One test of a context attribute against a list of values."""

    attribute: str
    op: str
    values: tuple[JsonValue, ...]
    negate: bool = False
    context_kind: str | None = None
    id: str | None = None
