"""Audit log entries → LaunchDarkly's ``AuditLogEntryListingRep``."""

from __future__ import annotations

from typing import Any

from segmentd.api.responses import API, link
from segmentd.api.segments.representations import segment_path
from segmentd.domain.audit.history import SYSTEM, Action, AuditEntry

#: LaunchDarkly's audit log account id is not ours to invent per install; one constant.
ACCOUNT_ID = "segmentd"

_VERBS = {
    Action.CREATE: "created the segment",
    Action.UPDATE: "updated the segment",
    Action.DELETE: "deleted the segment",
    Action.UPDATE_EXPIRING_TARGETS: "updated the expiring targets of the segment",
    Action.EXPIRE_TARGETS: "removed expired targets from the segment",
    Action.UPDATE_BIG_SEGMENT_TARGETS: "updated the big segment's targets",
    Action.IMPORT_BIG_SEGMENT: "imported targets into the big segment",
    Action.CREATE_ENVIRONMENT: "created the environment",
    Action.UPDATE_ENVIRONMENT: "updated the environment",
    Action.DELETE_ENVIRONMENT: "deleted the environment",
    Action.CREATE_PROJECT: "created the project",
    Action.UPDATE_PROJECT: "updated the project",
    Action.DELETE_PROJECT: "deleted the project",
}


def _where(entry: AuditEntry) -> tuple[str, str, dict[str, str] | None]:
    """The entry's resource specifier, the API path of what it is about, and its parent."""
    project = f"proj/{entry.project_key}"
    if entry.kind == "project":
        return project, f"{API}/projects/{entry.project_key}", None
    environment = f"{project}:env/{entry.environment_key}"
    if entry.kind == "environment":
        path = f"{API}/projects/{entry.project_key}/environments/{entry.environment_key}"
        return environment, path, {"name": entry.project_key, "resource": project}
    path = segment_path(entry.project_key, entry.environment_key, entry.segment_key)
    parent = {"name": entry.environment_key, "resource": environment}
    return f"{environment}:segment/{entry.segment_key}", path, parent


def audit_entry_rep(entry: AuditEntry) -> dict[str, Any]:
    """One entry as LaunchDarkly's ``AuditLogEntryListingRep``, plus ``changes`` (RFC 6902
    from before to after), ``previousVersion`` and ``currentVersion`` (segments only)."""
    resource, path, parent = _where(entry)
    verb = _VERBS[entry.action]
    who = "segmentd" if entry.actor == SYSTEM else entry.actor.name
    description = f"{who} {verb} {entry.segment_name!r}"
    if entry.kind == "segment":
        versions = f"version {entry.version_before} → {entry.version_after}"
        if entry.version_before is None:
            versions = f"version {entry.version_after}"
        description = f"{description} ({versions})"
    body: dict[str, Any] = {
        "_links": {"parent": link(f"{API}/auditlog"), entry.kind: link(path)},
        "_id": str(entry.id),
        "_accountId": ACCOUNT_ID,
        "date": entry.date,
        "accesses": [{"action": entry.action.value, "resource": resource}],
        "kind": entry.kind,
        "name": entry.segment_name,
        "description": description,
        "shortDescription": verb,
        "comment": entry.comment,
        "subject": {"name": entry.actor.name},
        "titleVerb": verb,
        "title": f"{who} {verb} {entry.segment_name}",
        "target": {
            "name": entry.segment_name,
            "resources": [resource],
            "_links": {"self": link(path)},
        },
        "parent": parent,
        "previousVersion": entry.version_before,
        "currentVersion": entry.version_after,
        "changes": list(entry.changes),
    }
    if entry.actor != SYSTEM:
        body["token"] = {"_id": entry.actor.id, "name": entry.actor.name}
    return body
