"""``/api/v2/segments/{projectKey}/{environmentKey}``: create and read segments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.representations import segment_rep
from segmentd.api.responses import JsonResponse
from segmentd.api.schemas import SegmentBody, UserSegment, error_responses
from segmentd.domain.big_segments import MembershipCounts
from segmentd.domain.model import AccessToken
from segmentd.services.big_segments import BigSegmentInfo
from segmentd.services.segments import SegmentDraft

router = APIRouter(prefix="/api/v2/segments", tags=["Segments"])

Services = Annotated[AppServices, Depends(deps.services)]


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
    segment = services.segments.create(
        projectKey,
        environmentKey,
        SegmentDraft(
            key=body.key,
            name=body.name,
            description=body.description,
            tags=tuple(body.tags or ()),
            unbounded=bool(body.unbounded),
            unbounded_context_kind=body.unboundedContextKind,
        ),
    )
    big = BigSegmentInfo(MembershipCounts(), False) if segment.unbounded else None
    return JsonResponse(
        segment_rep(
            segment,
            project_key=projectKey,
            environment_key=environmentKey,
            role=token.role,
            big=big,
        ),
        status_code=201,
    )


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
    segment = services.segments.get(projectKey, environmentKey, segmentKey)
    big = (
        services.big_segments.info(projectKey, environmentKey, segment)
        if segment.unbounded
        else None
    )
    return JsonResponse(
        segment_rep(
            segment,
            project_key=projectKey,
            environment_key=environmentKey,
            role=token.role,
            flags=[],
            big=big,
        )
    )
