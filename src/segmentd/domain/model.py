"""The segment data model, as frozen value objects.

Field meanings follow LaunchDarkly's data model (docs/evaluation.md §the-segment-object);
names are snake_case here and camelCase only in :mod:`segmentd.domain.codec`.
Collections are tuples so that objects are hashable and safely shared between threads.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = dict[str, JsonValue]

#: The context kind assumed wherever the data model leaves a kind out.
DEFAULT_KIND = "user"

#: Individual targets a standard segment may hold (included plus excluded, all kinds).
MAX_STANDARD_TARGETS = 15_000


@dataclass(frozen=True, slots=True)
class Clause:
    """One test of a context attribute against a list of values."""

    attribute: str
    op: str
    values: tuple[JsonValue, ...]
    negate: bool = False
    context_kind: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """Clauses ANDed together, optionally limited to a percentage (``weight``)."""

    clauses: tuple[Clause, ...]
    id: str | None = None
    weight: int | None = None
    bucket_by: str | None = None
    rollout_context_kind: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentTarget:
    """Individually targeted keys of one context kind."""

    context_kind: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Segment:
    """A named audience in one environment.

    ``version`` grows by one on every stored change (SDKs ignore versions that do not grow).
    ``generation`` is ``None`` for standard segments and counts full replacements of a big
    segment's membership (LaunchDarkly's ``<key>.g<generation>`` references).
    """

    key: str
    name: str
    creation_date: int
    last_modified_date: int
    version: int = 1
    salt: str = ""
    description: str | None = None
    tags: tuple[str, ...] = ()
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    included_contexts: tuple[SegmentTarget, ...] = ()
    excluded_contexts: tuple[SegmentTarget, ...] = ()
    rules: tuple[SegmentRule, ...] = ()
    unbounded: bool = False
    unbounded_context_kind: str | None = None
    generation: int | None = None
    deleted: bool = False

    @property
    def target_count(self) -> int:
        """Individual targets held in the segment itself (big-segment members live elsewhere)."""
        return (
            len(self.included)
            + len(self.excluded)
            + sum(len(t.values) for t in self.included_contexts)
            + sum(len(t.values) for t in self.excluded_contexts)
        )


class Role(enum.StrEnum):
    """Built-in roles of an access token, as LaunchDarkly's ``AccessTokenPost.role`` enum."""

    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role includes everything ``needed`` may do."""
        order = (Role.READER, Role.WRITER, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An API access token; the secret itself is never stored, only its hash."""

    id: str
    name: str
    role: Role
    token_hash: str
    last_four: str
    creation_date: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Environment:
    """One environment of a project, with the credentials SDKs use to read its data."""

    id: str
    project_key: str
    key: str
    name: str
    color: str
    sdk_key: str
    mobile_key: str
    creation_date: int
    default_ttl: int = 0
    secure_mode: bool = False
    default_track_events: bool = False
    require_comments: bool = False
    confirm_changes: bool = False
    critical: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Project:
    """A project groups environments; segments live in an environment."""

    id: str
    key: str
    name: str
    creation_date: int
    tags: tuple[str, ...] = ()
    include_in_snippet_by_default: bool = False
    environments: tuple[Environment, ...] = field(default=())
