"""``/api/v2/auditlog``: the history of segment, environment and project changes, newest
first, in the shape of LaunchDarkly's audit log (``AuditLogEntryListingRepCollection``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.audit.representations import audit_entry_rep
from segmentd.api.audit.schemas import AuditLogEntryListingRepCollection
from segmentd.api.params import MAX_INT64, MIN_INT64, Offset
from segmentd.api.responses import API, JsonResponse, page_links
from segmentd.api.schemas import error_responses
from segmentd.domain.audit.history import AuditEntry, AuditScope, parse_spec
from segmentd.domain.projects.model import AccessToken
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.audit.service import MAX_AUDIT_PAGE
from segmentd.services.ports import Page

router = APIRouter(prefix="/api/v2/auditlog", tags=["Audit log"])

Services = Annotated[AppServices, Depends(deps.services)]


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
