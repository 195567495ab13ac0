"""Clauses: the attribute tests that segment rules and flag rules share."""

from __future__ import annotations

from dataclasses import dataclass

from segmentd.domain.shared.json_types import JsonValue

#: The context kind assumed wherever the data model leaves a kind out.
DEFAULT_KIND = "user"


@dataclass(frozen=True, slots=True)
class Clause:
    """One test of a context attribute against a list of values."""

    attribute: str
    op: str
    values: tuple[JsonValue, ...]
    negate: bool = False
    context_kind: str | None = None
    id: str | None = None
