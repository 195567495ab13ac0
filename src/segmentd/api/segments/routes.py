"""``/api/v2/segments/{projectKey}/{environmentKey}``: create, list, read, patch, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.deps import actor_of
from segmentd.api.flags.representations import flag_listing_rep
from segmentd.api.patching import json_body, parse_segment_patch
from segmentd.api.responses import JsonResponse, page_links
from segmentd.api.schemas import PATCH_BODY_DOC, error_responses
from segmentd.api.segments.representations import segment_path, segment_rep
from segmentd.api.segments.schemas import SegmentBody, UserSegment, UserSegments
from segmentd.domain.projects.model import AccessToken
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.query import SegmentQuery, parse_filter, parse_sort
from segmentd.services.big_segments.service import BigSegmentInfo
from segmentd.services.segments.service import SegmentDraft

router = APIRouter(prefix="/api/v2/segments", tags=["Segments"])

Services = Annotated[AppServices, Depends(deps.services)]


def big_info(
    services: AppServices, project_key: str, environment_key: str, segment: Segment
) -> BigSegmentInfo | None:
    """A big segment's stored counts and import state (``_unboundedMetadata``)."""
    if not segment.unbounded:
        return None
    return services.big_segments.info(project_key, environment_key, segment)


def written_rep(
    services: AppServices,
    project_key: str,
    environment_key: str,
    segment: Segment,
    token: AccessToken,
) -> dict[str, Any]:
    """The answer to a create or a patch: the segment as the caller may see it."""
    return segment_rep(
        segment,
        project_key=project_key,
        environment_key=environment_key,
        role=token.role,
        big=big_info(services, project_key, environment_key, segment),
    )


@router.post(
    "/{projectKey}/{environmentKey}",
    status_code=201,
    operation_id="postSegment",
    summary="Create segment",
    response_model=UserSegment,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 429),
)
def post_segment(
    projectKey: str,
    environmentKey: str,
    body: SegmentBody,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.writer)],
) -> JsonResponse:
    """Create a segment with no targets and no rules; targeting fields in the body are ignored.

    A duplicate key in the environment answers 409 ``key_exists``.
    """
    return JsonResponse(
        create_segment(services, projectKey, environmentKey, body, token), status_code=201
    )


def create_segment(
    services: AppServices,
    project_key: str,
    environment_key: str,
    body: SegmentBody,
    token: AccessToken,
) -> dict[str, Any]:
    """The work of ``POST``: create and render (shared with :mod:`segmentd.api.fastlane`)."""
    segment = services.segments.create(
        project_key,
        environment_key,
        SegmentDraft(
            key=body.key,
            name=body.name,
            description=body.description,
            tags=tuple(body.tags or ()),
            unbounded=bool(body.unbounded),
            unbounded_context_kind=body.unboundedContextKind,
        ),
        actor=actor_of(token),
    )
    return written_rep(services, project_key, environment_key, segment, token)


@router.get(
    "/{projectKey}/{environmentKey}/{segmentKey}",
    operation_id="getSegment",
    summary="Get segment",
    response_model=UserSegment,
    responses=error_responses(401, 404, 429),
)
def get_segment(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    """A single segment, with ``_flags``: the flags whose rules reference it."""
    return JsonResponse(read_segment(services, projectKey, environmentKey, segmentKey, token))


def read_segment(
    services: AppServices,
    project_key: str,
    environment_key: str,
    segment_key: str,
    token: AccessToken,
) -> dict[str, Any]:
    """The work of ``GET`` one segment (shared with :mod:`segmentd.api.fastlane`)."""
    segment, flags = services.segments.get_with_flags(project_key, environment_key, segment_key)
    return segment_rep(
        segment,
        project_key=project_key,
        environment_key=environment_key,
        role=token.role,
        flags=[flag_listing_rep(f, project_key=project_key) for f in flags],
        big=big_info(services, project_key, environment_key, segment),
    )


@router.get(
    "/{projectKey}/{environmentKey}",
    operation_id="getSegments",
    summary="List segments",
    response_model=UserSegments,
    responses=error_responses(400, 401, 403, 404, 429),
)
def get_segments(
    projectKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    page: Annotated[tuple[int, int], Depends(deps.pagination)],
    sort: Annotated[
        str | None,
        Query(
            description="`creationDate`, `name` or `lastModified`; `-` for descending, "
            "comma-separated"
        ),
    ] = None,
    filter: Annotated[
        str | None,
        Query(description='e.g. `tags anyOf ["beta"],query equals "eu"`; see docs/lifecycle.md'),
    ] = None,
) -> JsonResponse:
    """A page of the environment's segments (default 20, at most 100) and ``totalCount``,
    the number of all segments matching ``filter``. Items carry no ``_flags``."""
    limit, offset = page
    return JsonResponse(
        list_segments(services, projectKey, environmentKey, limit, offset, filter, sort)
    )


def list_segments(
    services: AppServices,
    project_key: str,
    environment_key: str,
    limit: int,
    offset: int,
    filter: str | None,
    sort: str | None,
) -> dict[str, Any]:
    """The work of the list ``GET`` (shared with :mod:`segmentd.api.fastlane`)."""
    query = SegmentQuery(
        filter=parse_filter(filter), sort=parse_sort(sort), limit=limit, offset=offset
    )
    result = services.segments.list(project_key, environment_key, query)
    path = segment_path(project_key, environment_key)
    return {
        "items": [
            segment_rep(
                s,
                project_key=project_key,
                environment_key=environment_key,
                big=big_info(services, project_key, environment_key, s),
            )
            for s in result.items
        ],
        "_links": page_links(
            path,
            limit=limit,
            offset=offset,
            total=result.total,
            params={"filter": filter, "sort": sort},
        ),
        "totalCount": result.total,
    }


@router.patch(
    "/{projectKey}/{environmentKey}/{segmentKey}",
    operation_id="patchSegment",
    summary="Patch segment",
    response_model=UserSegment,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
    openapi_extra=PATCH_BODY_DOC,
)
def patch_segment(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    request: Request,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.writer)],
    body: Annotated[object, Depends(json_body)],
    dryRun: Annotated[
        bool, Query(description="Validate and preview the result without storing it")
    ] = False,
) -> JsonResponse:
    """Change a segment with a JSON Patch, a merge patch or a semantic patch (chosen by
    ``Content-Type``). All or nothing; a failed ``test`` of ``/version`` is a 409."""
    return JsonResponse(
        patch_segment_rep(
            services,
            projectKey,
            environmentKey,
            segmentKey,
            request.headers.get("content-type"),
            body,
            token,
            dry_run=dryRun,
        )
    )


def patch_segment_rep(
    services: AppServices,
    project_key: str,
    environment_key: str,
    segment_key: str,
    content_type: str | None,
    body: object,
    token: AccessToken,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    """The work of ``PATCH`` (shared with :mod:`segmentd.api.fastlane`)."""
    patch = parse_segment_patch(content_type, body, environment_key=environment_key)
    segment = services.segments.patch(
        project_key, environment_key, segment_key, patch, actor=actor_of(token), dry_run=dry_run
    )
    return written_rep(services, project_key, environment_key, segment, token)


@router.delete(
    "/{projectKey}/{environmentKey}/{segmentKey}",
    status_code=204,
    operation_id="deleteSegment",
    summary="Delete segment",
    responses=error_responses(401, 403, 404, 409, 429),
)
def delete_segment(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.writer)],
) -> Response:
    """Delete a segment (204). The key can be used again; its versions continue upwards."""
    services.segments.delete(projectKey, environmentKey, segmentKey, actor=actor_of(token))
    return Response(status_code=204)
