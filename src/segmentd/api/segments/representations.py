"""Domain objects → LaunchDarkly REST representations (``UserSegment``, ``Environment``…).

Every representation carries each field the official ``launchdarkly-api`` client requires,
with strict JSON types: integers stay integers, booleans stay booleans.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from segmentd.api.responses import API, link
from segmentd.domain.projects.model import Role
from segmentd.domain.segments import codec
from segmentd.domain.segments.model import Segment
from segmentd.services.big_segments.service import BigSegmentInfo

#: Segment actions reported in ``_access``, and the least role that may take each.
SEGMENT_ACTIONS: tuple[tuple[str, Role], ...] = (
    ("createSegment", Role.WRITER),
    ("deleteSegment", Role.WRITER),
    ("updateName", Role.WRITER),
    ("updateDescription", Role.WRITER),
    ("updateTags", Role.WRITER),
    ("updateIncluded", Role.WRITER),
    ("updateExcluded", Role.WRITER),
    ("updateRules", Role.WRITER),
    ("updateExpiringTargets", Role.WRITER),
)


def segment_path(project_key: str, environment_key: str, key: str | None = None) -> str:
    base = f"{API}/segments/{project_key}/{environment_key}"
    return base if key is None else f"{base}/{key}"


@lru_cache(maxsize=8)
def _permissions(role: Role) -> tuple[tuple[str, bool], ...]:
    return tuple((action, role.allows(needed)) for action, needed in SEGMENT_ACTIONS)


def access_rep(role: Role, resource: str) -> dict[str, Any]:
    """LaunchDarkly's ``_access``: which segment actions the caller's role allows."""
    allowed: list[dict[str, Any]] = []
    denied: list[dict[str, Any]] = []
    role_name = role.value
    for action, permitted in _permissions(role):
        entry = {
            "action": action,
            "reason": {
                "effect": "allow" if permitted else "deny",
                "resources": [resource],
                "actions": ["*"],
                "role_name": role_name,
            },
        }
        (allowed if permitted else denied).append(entry)
    return {"denied": denied, "allowed": allowed}


def segment_rep(
    segment: Segment,
    *,
    project_key: str,
    environment_key: str,
    role: Role | None = None,
    flags: list[dict[str, Any]] | None = None,
    big: BigSegmentInfo | None = None,
) -> dict[str, Any]:
    """A ``UserSegment``. ``flags`` is given only for the single-segment GET; ``big``
    (a big segment's stored counts) adds ``_unboundedMetadata`` and ``_importInProgress``."""
    body: dict[str, Any] = codec.segment_to_json(segment)
    if not segment.unbounded:
        body.pop("unboundedContextKind", None)
    elif big is not None:
        body["_unboundedMetadata"] = {
            "segmentId": segment.key,
            "version": segment.version,
            "includedCount": big.counts.included,
            "excludedCount": big.counts.excluded,
            "lastModified": segment.last_modified_date,
            "deleted": segment.deleted,
        }
        body["_importInProgress"] = big.import_in_progress
    body["_links"] = {
        "self": link(segment_path(project_key, environment_key, segment.key)),
        "parent": link(segment_path(project_key, environment_key)),
    }
    if role is not None:
        body["_access"] = access_rep(
            role, f"proj/{project_key}:env/{environment_key}:segment/{segment.key}"
        )
    if flags is not None:
        body["_flags"] = flags
    return body
