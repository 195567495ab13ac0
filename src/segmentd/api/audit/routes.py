"""``/api/v2/auditlog``: the history of segment, environment and project changes, newest
first, in the shape of LaunchDarkly's audit log (``AuditLogEntryListingRepCollection``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.audit.schemas import AuditLogEntryListingRepCollection
from segmentd.api.params import MAX_INT64, MIN_INT64, Offset
from segmentd.api.responses import API, JsonResponse, link, page_links
from segmentd.api.schemas import error_responses
from segmentd.api.segments.representations import segment_path
from segmentd.domain.audit.history import SYSTEM, Action, AuditEntry, AuditScope, parse_spec
from segmentd.domain.projects.model import AccessToken
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.audit.service import MAX_AUDIT_PAGE
from segmentd.services.ports import Page

router = APIRouter(prefix="/api/v2/auditlog", tags=["Audit log"])

Services = Annotated[AppServices, Depends(deps.services)]

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


def _collection(
    page: Page[AuditEntry], path: str, query: AuditQuery, params: dict[str, str | None]
) -> JsonResponse:
    return JsonResponse(
        {
            "items": [audit_entry_rep(e) for e in page.items],
            "_links": page_links(
                path, limit=query.limit, offset=query.offset, total=page.total, params=params
            ),
            "totalCount": page.total,
        }
    )


Limit = Annotated[
    int, Query(ge=1, le=MAX_AUDIT_PAGE, description=f"Page size, 1 to {MAX_AUDIT_PAGE}")
]
Before = Annotated[
    int | None,
    Query(ge=MIN_INT64, le=MAX_INT64, description="Only entries before this Unix ms time"),
]
After = Annotated[
    int | None,
    Query(ge=MIN_INT64, le=MAX_INT64, description="Only entries after this Unix ms time"),
]


@router.get(
    "",
    operation_id="getAuditLogEntries",
    summary="List audit log entries (segments)",
    response_model=AuditLogEntryListingRepCollection,
    responses=error_responses(400, 401, 403, 404, 429),
)
def get_audit_log_entries(
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    before: Before = None,
    after: After = None,
    q: Annotated[str | None, Query(description="Text in the segment's key or name")] = None,
    limit: Limit = 10,
    offset: Offset = 0,
    spec: Annotated[
        str | None,
        Query(
            description="Resource specifier of a project, environment or segment, such as "
            "`proj/default:env/production:segment/*`"
        ),
    ] = None,
) -> JsonResponse:
    """Recorded segment changes (create, patch, delete, expiring targets, expiry), newest
    first. ``spec`` narrows them to a project, environment or segment."""
    query = AuditQuery(
        scope=parse_spec(spec), before=before, after=after, text=q, limit=limit, offset=offset
    )
    page = services.audit.list(query)
    params = {
        "spec": spec,
        "q": q,
        "before": None if before is None else str(before),
        "after": None if after is None else str(after),
    }
    return _collection(page, f"{API}/auditlog", query, params)


@router.get(
    "/segments/{projectKey}/{environmentKey}/{segmentKey}",
    operation_id="getSegmentHistory",
    summary="Get one segment's history",
    response_model=AuditLogEntryListingRepCollection,
    responses=error_responses(400, 401, 403, 404, 429),
)
def get_segment_history(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    limit: Limit = 10,
    offset: Offset = 0,
) -> JsonResponse:
    """The changes of one segment key, newest first (earlier lives of a deleted and
    recreated key included)."""
    scope = AuditScope(projectKey, environmentKey, segmentKey)
    query = AuditQuery(scope=scope, limit=limit, offset=offset)
    page = services.audit.list(query)
    path = f"{API}/auditlog/segments/{projectKey}/{environmentKey}/{segmentKey}"
    return _collection(page, path, query, {})
