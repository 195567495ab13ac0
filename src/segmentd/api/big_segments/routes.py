"""Big-segment endpoints: targets, membership, imports and exports.

What each answers: docs/big-segments.md §endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.big_segments.representations import export_rep, import_rep
from segmentd.api.big_segments.schemas import (
    BigSegmentTarget,
    ExportRep,
    ImportRep,
    SegmentUserState,
)
from segmentd.api.big_segments.uploads import receive_upload
from segmentd.api.deps import actor_of
from segmentd.api.responses import JsonResponse
from segmentd.api.schemas import error_responses
from segmentd.api.segments.representations import segment_path
from segmentd.domain.big_segments.model import TargetChanges
from segmentd.domain.projects.model import AccessToken

router = APIRouter(prefix="/api/v2/segments", tags=["Segments (big segments)"])

Services = Annotated[AppServices, Depends(deps.services)]
Writer = Annotated[AccessToken, Depends(deps.writer)]
Reader = Annotated[AccessToken, Depends(deps.reader)]
SEGMENT = "/{projectKey}/{environmentKey}/{segmentKey}"


def _changes(body: SegmentUserState) -> TargetChanges:
    included, excluded = body.included, body.excluded
    return TargetChanges(
        included_add=tuple(included.add or ()) if included else (),
        included_remove=tuple(included.remove or ()) if included else (),
        excluded_add=tuple(excluded.add or ()) if excluded else (),
        excluded_remove=tuple(excluded.remove or ()) if excluded else (),
    )


def _update_targets(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    body: SegmentUserState,
    services: Services,
    token: Writer,
) -> Response:
    """Add keys to or remove keys from a big segment's included and excluded lists.

    Each change bumps the segment's version and is published to Redis for SDKs. A key
    added to both lists, or to one while it is in the other, is a 400.
    """
    services.big_segments.update_targets(
        projectKey, environmentKey, segmentKey, _changes(body), actor=actor_of(token)
    )
    return Response(status_code=204)


async def _membership(
    request: Request, projectKey: str, environmentKey: str, segmentKey: str, key: str
) -> JsonResponse:
    """The hot path. Authentication is answered from the token cache on the event loop; the
    lookup (one indexed read) runs inline on SQLite, a local file well under a millisecond
    away, where a worker-thread hop costs more than the work, and in one thread hop on
    PostgreSQL."""
    await deps.reader(request)

    app_services = deps.services_of(request)
    args = (app_services, projectKey, environmentKey, segmentKey, key)
    if app_services.settings.resolved_database_url.startswith("sqlite"):
        return JsonResponse(membership_rep(*args))
    return JsonResponse(await run_in_threadpool(membership_rep, *args))


def membership_rep(
    services: AppServices, project_key: str, environment_key: str, segment_key: str, key: str
) -> dict[str, object]:
    """A ``BigSegmentTarget``: whether ``key`` is included in and/or excluded from the segment
    (shared with :mod:`segmentd.api.fastlane`)."""
    membership = services.big_segments.membership(project_key, environment_key, segment_key, key)
    return {"userKey": key, "included": membership.included, "excluded": membership.excluded}


for suffix, operation in (
    ("contexts", "updateBigSegmentContextTargets"),
    ("users", "updateBigSegmentTargets"),
):
    router.add_api_route(
        f"{SEGMENT}/{suffix}",
        _update_targets,
        methods=["POST"],
        status_code=204,
        operation_id=operation,
        summary=f"Update big segment {suffix} targets",
        response_class=Response,
        responses=error_responses(400, 401, 403, 404, 409, 429),
    )


@router.get(
    SEGMENT + "/contexts/{contextKey:path}",
    operation_id="getSegmentMembershipForContext",
    summary="Get big segment membership for context",
    response_model=BigSegmentTarget,
    responses=error_responses(400, 401, 404, 429),
)
async def get_membership_for_context(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    contextKey: str,
    request: Request,
) -> JsonResponse:
    """Whether a context key is included in and/or excluded from a big segment."""
    return await _membership(request, projectKey, environmentKey, segmentKey, contextKey)


@router.get(
    SEGMENT + "/users/{userKey:path}",
    operation_id="getSegmentMembershipForUser",
    summary="Get big segment membership for user",
    response_model=BigSegmentTarget,
    responses=error_responses(400, 401, 404, 429),
)
async def get_membership_for_user(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    userKey: str,
    request: Request,
) -> JsonResponse:
    """Legacy form of the membership check."""
    return await _membership(request, projectKey, environmentKey, segmentKey, userKey)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


@router.post(
    SEGMENT + "/imports",
    status_code=204,
    operation_id="createBigSegmentImport",
    summary="Create big segment import",
    response_class=Response,
    responses=error_responses(400, 401, 403, 404, 409, 413, 429),
)
async def create_import(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    request: Request,
    services: Services,
    token: Writer,
) -> Response:
    """Upload a CSV of context keys (multipart: ``file``, ``mode`` = merge|replace,
    ``waitOnApprovals``). Answers 204 with ``Location`` pointing at the import; the import
    runs in the background. 409 while another import runs in the environment."""
    del token
    settings = services.settings
    upload = await receive_upload(
        request, settings.data_path / "imports", max_bytes=settings.import_max_bytes
    )
    assert upload.path is not None
    path: Path = upload.path
    record = await run_in_threadpool(
        services.big_segments.start_import,
        projectKey,
        environmentKey,
        segmentKey,
        mode=upload.fields.get("mode", ""),
        wait_on_approvals=_flag(upload.fields.get("waitOnApprovals")),
        upload=path,
        file_name=upload.file_name,
    )
    location = f"{segment_path(projectKey, environmentKey, segmentKey)}/imports/{record.id}"
    return Response(status_code=204, headers={"Location": location})


@router.get(
    SEGMENT + "/imports/{importID}",
    operation_id="getBigSegmentImport",
    summary="Get big segment import",
    response_model=ImportRep,
    responses=error_responses(400, 401, 404, 429),
)
def get_import(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    importID: str,
    services: Services,
    token: Reader,
) -> JsonResponse:
    del token
    record = services.big_segments.get_import(projectKey, environmentKey, segmentKey, importID)
    return JsonResponse(import_rep(record, project_key=projectKey, environment_key=environmentKey))


@router.post(
    SEGMENT + "/exports",
    operation_id="createBigSegmentExport",
    summary="Create big segment export",
    response_model=ExportRep,
    responses=error_responses(400, 401, 403, 404, 429),
)
def create_export(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    services: Services,
    token: Writer,
) -> JsonResponse:
    """Start a CSV export of the included keys; ``Location`` points at the export."""
    record = services.big_segments.start_export(projectKey, environmentKey, segmentKey, token)
    body = export_rep(record, project_key=projectKey, environment_key=environmentKey)
    return JsonResponse(body, headers={"Location": body["_links"]["self"]["href"]})


@router.get(
    SEGMENT + "/exports/{exportID}",
    operation_id="getBigSegmentExport",
    summary="Get big segment export",
    response_model=ExportRep,
    responses=error_responses(400, 401, 404, 429),
)
def get_export(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    exportID: str,
    services: Services,
    token: Reader,
) -> JsonResponse:
    del token
    record = services.big_segments.get_export(projectKey, environmentKey, segmentKey, exportID)
    return JsonResponse(export_rep(record, project_key=projectKey, environment_key=environmentKey))


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(1 << 16):
            yield block


@router.get(
    SEGMENT + "/exports/{exportID}/download",
    operation_id="downloadBigSegmentExport",
    summary="Download a finished export (CSV, one key per line)",
    response_class=StreamingResponse,
    responses=error_responses(400, 401, 404, 429),
)
def download_export(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    exportID: str,
    services: Services,
    token: Reader,
) -> StreamingResponse:
    del token
    path = services.big_segments.export_file(projectKey, environmentKey, segmentKey, exportID)
    return StreamingResponse(
        _read(path),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{segmentKey}-{exportID}.csv"',
            "Content-Length": str(path.stat().st_size),
        },
    )
