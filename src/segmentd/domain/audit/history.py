"""The audit history of segments, environments and projects: who changed what, when, and
from which version to which.

Every stored change (a segment's create, patch, delete, expiring-target change, expiry; an
environment's or project's create, patch and delete) becomes one :class:`AuditEntry`,
written in the same transaction as the change itself. ``changes`` is an RFC 6902 patch from
the resource's REST JSON (its writable members for environments and projects) before to
after, so a reader can see exactly what changed (and could replay it). Entries outlive what
they describe: a deleted environment's history stays readable in the account's log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

import jsonpatch
import orjson

from segmentd.domain.segments.codec import segment_to_json
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.json_types import JsonObject, JsonValue
from segmentd.errors import InvalidRequest

__all__ = [
    "SYSTEM",
    "Action",
    "Actor",
    "AuditEntry",
    "AuditKind",
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
    UPDATE_BIG_SEGMENT_TARGETS = "updateBigSegmentTargets"
    IMPORT_BIG_SEGMENT = "importBigSegment"
    CREATE_ENVIRONMENT = "createEnvironment"
    UPDATE_ENVIRONMENT = "updateEnvironment"
    DELETE_ENVIRONMENT = "deleteEnvironment"
    CREATE_PROJECT = "createProject"
    UPDATE_PROJECT = "updateProject"
    DELETE_PROJECT = "deleteProject"


#: What an entry is about; environment and project entries have no segment key.
AuditKind = Literal["segment", "environment", "project"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change. ``id`` is given by the store. A segment's entry may leave the
    project and environment keys empty: the store fills them in from ``environment_id``.
    Environment and project entries name themselves by keys (``segment_key`` is ``""``,
    ``segment_name`` their name; a project entry has no environment)."""

    environment_id: str | None
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
    kind: AuditKind = "segment"


def _rest(segment: Segment | None) -> JsonObject:
    return {} if segment is None else segment_to_json(segment)


def _pointer(name: str) -> str:
    return "/" + name.replace("~", "~0").replace("/", "~1")


def _same(a: JsonValue, b: JsonValue) -> bool:
    return a == b and orjson.dumps(a) == orjson.dumps(b)  # True == 1 in Python, not in JSON


def _list_diff(path: str, old: list[JsonValue], new: list[JsonValue]) -> list[JsonObject] | None:
    """Appends or removals of items (order kept), as item operations; ``None`` otherwise."""
    if len(new) > len(old) and _same(new[: len(old)], old):
        return [{"op": "add", "path": f"{path}/-", "value": item} for item in new[len(old) :]]
    if len(new) < len(old):
        kept, removed = 0, []
        for index, item in enumerate(old):
            if kept < len(new) and _same(item, new[kept]):
                kept += 1
            else:
                removed.append(index)
        if kept == len(new):
            return [{"op": "remove", "path": f"{path}/{i}"} for i in reversed(removed)]
    return None


def diff_json(before: JsonObject, after: JsonObject) -> tuple[JsonObject, ...]:
    """The RFC 6902 operations that turn ``before`` into ``after``.

    Field by field: target lists that only grew or shrank become item operations (the usual
    change, and the one ``jsonpatch.make_patch`` is slowest at: it compares lists pairwise),
    anything else nested is left to ``jsonpatch.make_patch``.
    """
    operations: list[JsonObject] = []
    for name in before:
        if name not in after:
            operations.append({"op": "remove", "path": _pointer(name)})
    for name, new in after.items():
        path = _pointer(name)
        if name not in before:
            operations.append({"op": "add", "path": path, "value": new})
            continue
        old = before[name]
        if _same(old, new):
            continue
        items = (
            _list_diff(path, old, new) if isinstance(old, list) and isinstance(new, list) else None
        )
        if items is not None:
            operations.extend(items)
        elif isinstance(old, dict | list) and isinstance(new, type(old)):
            nested: list[JsonObject] = jsonpatch.make_patch({name: old}, {name: new}).patch
            operations.extend(nested)
        else:
            operations.append({"op": "replace", "path": path, "value": new})
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
    """Read a LaunchDarkly resource specifier of projects, environments and segments.

    ``proj/p``, ``proj/p:env/e``, ``proj/p:env/e:segment/s`` with ``*`` for any one
    component (``;tag`` suffixes are accepted and ignored); anything naming another kind of
    resource is a 400, since only these changes are recorded here.
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
