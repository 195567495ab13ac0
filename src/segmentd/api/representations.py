"""Domain objects → LaunchDarkly REST representations (``UserSegment``, ``Environment``…).

Every representation carries each field the official ``launchdarkly-api`` client requires,
with strict JSON types: integers stay integers, booleans stay booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from segmentd.api.responses import link
from segmentd.domain import codec
from segmentd.domain.big_segments import ExportRecord, ImportRecord
from segmentd.domain.model import AccessToken, Environment, Project, Role, Segment
from segmentd.services.big_segments import BigSegmentInfo

API = "/api/v2"

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


def access_rep(role: Role, resource: str) -> dict[str, Any]:
    """LaunchDarkly's ``_access``: which segment actions the caller's role allows."""
    allowed: list[dict[str, Any]] = []
    denied: list[dict[str, Any]] = []
    for action, needed in SEGMENT_ACTIONS:
        permitted = role.allows(needed)
        entry = {
            "action": action,
            "reason": {
                "effect": "allow" if permitted else "deny",
                "resources": [resource],
                "actions": ["*"],
                "role_name": role.value,
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


def environment_rep(environment: Environment) -> dict[str, Any]:
    path = f"{API}/projects/{environment.project_key}/environments/{environment.key}"
    return {
        "_links": {
            "self": link(path),
            "project": link(f"{API}/projects/{environment.project_key}"),
        },
        "_id": environment.id,
        "key": environment.key,
        "name": environment.name,
        "apiKey": environment.sdk_key,
        "mobileKey": environment.mobile_key,
        "color": environment.color,
        "defaultTtl": environment.default_ttl,
        "secureMode": environment.secure_mode,
        "defaultTrackEvents": environment.default_track_events,
        "requireComments": environment.require_comments,
        "confirmChanges": environment.confirm_changes,
        "tags": list(environment.tags),
        "critical": environment.critical,
    }


def project_rep(project: Project, *, expand_environments: bool = False) -> dict[str, Any]:
    path = f"{API}/projects/{project.key}"
    body: dict[str, Any] = {
        "_links": {"self": link(path), "environments": link(f"{path}/environments")},
        "_id": project.id,
        "key": project.key,
        "name": project.name,
        "includeInSnippetByDefault": project.include_in_snippet_by_default,
        "tags": list(project.tags),
    }
    if expand_environments:
        items = [environment_rep(e) for e in project.environments]
        body["environments"] = {
            "_links": {"self": link(f"{path}/environments")},
            "totalCount": len(items),
            "items": items,
        }
    return body


def project_created_rep(project: Project) -> dict[str, Any]:
    """``ProjectRep``: the create response, whose ``environments`` is a plain array."""
    body = project_rep(project)
    body["environments"] = [environment_rep(e) for e in project.environments]
    return body


def token_rep(token: AccessToken, *, secret: str | None = None) -> dict[str, Any]:
    """A ``Token``; the full value only when just created, else its last four characters."""
    return {
        "_id": token.id,
        "ownerId": token.id,
        "memberId": token.id,
        "name": token.name,
        "description": token.description,
        "creationDate": token.creation_date,
        "lastModified": token.creation_date,
        "role": token.role.value,
        "token": secret if secret is not None else token.last_four,
        "serviceToken": True,
        "_links": {"self": link(f"{API}/tokens/{token.id}"), "parent": link(f"{API}/tokens")},
    }


def page_links(
    path: str,
    *,
    limit: int,
    offset: int,
    total: int,
    params: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """``self``, ``first``, ``prev``, ``next`` and ``last`` links of one page; links to pages
    that do not exist are left out. ``params`` (such as ``filter`` and ``sort``) are kept in
    every link, so following ``next`` continues the same listing."""
    kept = {k: v for k, v in (params or {}).items() if v is not None}

    def at(start: int) -> dict[str, str]:
        query = urlencode({**kept, "limit": limit, "offset": start}, quote_via=quote)
        return link(f"{path}?{query}")

    links: dict[str, Any] = {"self": at(offset)}
    if offset > 0:
        links["first"] = at(0)
        links["prev"] = at(max(offset - limit, 0))
    if offset + limit < total:
        links["next"] = at(offset + limit)
        links["last"] = at(((total - 1) // limit) * limit)
    return links


def import_rep(record: ImportRecord, *, project_key: str, environment_key: str) -> dict[str, Any]:
    """An ``Import``; counts and any error ride along in extra fields the client ignores."""
    path = f"{segment_path(project_key, environment_key, record.segment_key)}/imports/{record.id}"
    body: dict[str, Any] = {
        "id": record.id,
        "segmentKey": record.segment_key,
        "creationTime": record.creation_time,
        "mode": record.mode.value,
        "status": record.status.value,
        "files": [{"filename": record.file_name, "status": record.status.value}],
        "_links": {"self": link(path)},
        "rows": record.rows,
        "keysAdded": record.keys_added,
        "sizeBytes": record.size_bytes,
    }
    if record.finished_time is not None:
        body["finishedTime"] = record.finished_time
    if record.error is not None:
        body["error"] = record.error
    return body


def human_size(size_bytes: int) -> str:
    """``18 B``, ``1.5 KB``, ``38.2 MB``: the ``size`` field of an ``Export``."""
    value = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size_bytes} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def export_rep(record: ExportRecord, *, project_key: str, environment_key: str) -> dict[str, Any]:
    path = f"{segment_path(project_key, environment_key, record.segment_key)}/exports/{record.id}"
    body: dict[str, Any] = {
        "id": record.id,
        "segmentKey": record.segment_key,
        "creationTime": record.creation_time,
        "status": record.status,
        "sizeBytes": record.size_bytes,
        "size": human_size(record.size_bytes),
        "initiator": {"name": record.initiator_name},
        "_links": {
            "self": link(path),
            "download": {"href": f"{path}/download", "type": "text/csv"},
        },
    }
    if record.error is not None:
        body["error"] = record.error
    return body
