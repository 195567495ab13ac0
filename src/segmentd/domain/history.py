"""The audit history of segments: who changed what, when, and from which version to which.

Every stored change (create, patch, delete, expiring-target change, expiry) becomes one
:class:`AuditEntry`, written in the same transaction as the change itself. ``changes`` is
an RFC 6902 patch from the segment's REST JSON before to its REST JSON after, so a reader
can see exactly what changed (and could replay it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import jsonpatch

from segmentd.domain.codec import segment_to_json
from segmentd.domain.model import JsonObject, Segment
from segmentd.errors import InvalidRequest

__all__ = [
    "SYSTEM",
    "Action",
    "Actor",
    "AuditEntry",
    "AuditScope",
    "diff",
    "diff_json",
    "parse_spec",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: an access token (its id and name), or the system itself."""

    id: str
    name: str


#: The actor of changes nobody requested directly (expiring targets that came due).
SYSTEM = Actor(id="system", name="system")


class Action(enum.StrEnum):
    """What happened, named like LaunchDarkly's segment actions (``_access`` names them)."""

    CREATE = "createSegment"
    UPDATE = "updateSegment"
    DELETE = "deleteSegment"
    UPDATE_EXPIRING_TARGETS = "updateExpiringTargets"
    EXPIRE_TARGETS = "expireTargets"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change. ``id`` is given by the store; the project and environment keys
    are filled in when entries are read back (they are how callers name the environment)."""

    environment_id: str
    segment_key: str
    segment_name: str
    action: Action
    actor: Actor
    date: int
    version_before: int | None
    version_after: int | None
    changes: tuple[JsonObject, ...]
    comment: str | None = None
    id: int | None = None
    project_key: str = ""
    environment_key: str = ""


def _rest(segment: Segment | None) -> JsonObject:
    return {} if segment is None else segment_to_json(segment)


def diff_json(before: JsonObject, after: JsonObject) -> tuple[JsonObject, ...]:
    """The RFC 6902 operations that turn ``before`` into ``after``."""
    operations: list[JsonObject] = jsonpatch.make_patch(before, after).patch
    return tuple(operations)


def diff(before: Segment | None, after: Segment | None) -> tuple[JsonObject, ...]:
    """The JSON Patch that turns ``before``'s REST JSON into ``after``'s (``None`` = absent)."""
    return diff_json(_rest(before), _rest(after))


@dataclass(frozen=True, slots=True)
class AuditScope:
    """Which entries a listing covers; ``None`` for a component means any."""

    project_key: str | None = None
    environment_key: str | None = None
    segment_key: str | None = None


_SPEC_HELP = "use 'proj/<project>:env/<environment>:segment/<segment>' ('*' matches any)"


def parse_spec(spec: str | None) -> AuditScope:
    """Read a LaunchDarkly resource specifier limited to segments.

    ``proj/p``, ``proj/p:env/e``, ``proj/p:env/e:segment/s`` with ``*`` for any one
    component (``;tag`` suffixes are accepted and ignored); anything naming another kind of
    resource is a 400, since only segment changes are recorded here.
    """
    if spec is None or not spec.strip():
        return AuditScope()
    parts = spec.strip().split(":")
    names = ("proj", "env", "segment")
    if len(parts) > len(names):
        raise InvalidRequest(f"spec: {spec!r} is not a segment resource specifier; {_SPEC_HELP}")
    values: list[str | None] = [None, None, None]
    for i, (part, name) in enumerate(zip(parts, names, strict=False)):
        prefix = f"{name}/"
        value = part[len(prefix) :].split(";", 1)[0]
        if not part.startswith(prefix) or not value:
            raise InvalidRequest(
                f"spec: {spec!r} is not a segment resource specifier; {_SPEC_HELP}"
            )
        values[i] = None if value == "*" else value
    return AuditScope(*values)
