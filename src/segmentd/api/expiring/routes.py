"""``/api/v2/segments/{projectKey}/{segmentKey}/expiring-targets/{environmentKey}`` and the
legacy ``expiring-user-targets`` form: when individual targets leave a segment.

Note the order of the path: the segment key comes *before* the environment key here. A
path such as ``/segments/p/e/expiring-targets/imports`` also fits the big-segment import
template ``/segments/{p}/{e}/{segmentKey}/imports``; only the method tells them apart, and
Starlette's router picks a route whose method matches over one that only fits the path,
so GET/PATCH land here and POST on the import route (docs/lifecycle.md §expiring-targets).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.deps import actor_of
from segmentd.api.expiring.representations import expiring_listing_rep, expiring_patch_summary
from segmentd.api.expiring.schemas import (
    ExpiringTargetGetResponse,
    ExpiringTargetPatchResponse,
    ExpiringUserTargetGetResponse,
    ExpiringUserTargetPatchResponse,
)
from segmentd.api.patching import json_body
from segmentd.api.responses import JsonResponse
from segmentd.api.schemas import error_responses
from segmentd.domain.expiring.targets import parse_expiring_patch
from segmentd.domain.projects.model import AccessToken

router = APIRouter(prefix="/api/v2/segments", tags=["Segments"])

Services = Annotated[AppServices, Depends(deps.services)]
CONTEXTS = "/{projectKey}/{segmentKey}/expiring-targets/{environmentKey}"
USERS = "/{projectKey}/{segmentKey}/expiring-user-targets/{environmentKey}"
_BODY_SCHEMA = {
    "type": "object",
    "required": ["instructions"],
    "properties": {
        "comment": {"type": ["string", "null"]},
        "instructions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "targetType"],
                "properties": {
                    "kind": {"type": "string", "example": "addExpiringTarget"},
                    "targetType": {"type": "string", "enum": ["included", "excluded"]},
                    "contextKind": {"type": "string"},
                    "contextKey": {"type": "string"},
                    "userKey": {"type": "string", "description": "user variant only"},
                    "value": {"type": "integer", "description": "Unix milliseconds"},
                    "version": {"type": "integer"},
                },
            },
        },
    },
}
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": _BODY_SCHEMA}
            for media in (
                "application/json",
                "application/json; domain-model=launchdarkly.semanticpatch",
            )
        },
    }
}


def _get(services: AppServices, p: str, s: str, e: str, *, users: bool) -> JsonResponse:
    view = services.expiring.get(p, e, s)
    return JsonResponse(
        expiring_listing_rep(
            view.targets, project_key=p, environment_key=e, segment_key=s, users=users
        )
    )


def _patch(
    services: AppServices,
    token: AccessToken,
    body: object,
    p: str,
    s: str,
    e: str,
    *,
    users: bool,
) -> JsonResponse:
    patch = parse_expiring_patch(body, users=users)
    view, result = services.expiring.patch(p, e, s, patch, actor=actor_of(token))
    listing = expiring_listing_rep(
        view.targets, project_key=p, environment_key=e, segment_key=s, users=users
    )
    return JsonResponse({**listing, **expiring_patch_summary(result, len(patch.changes))})


@router.get(
    CONTEXTS,
    operation_id="getExpiringTargetsForSegment",
    summary="Get expiring targets for segment",
    response_model=ExpiringTargetGetResponse,
    responses=error_responses(401, 403, 404, 429),
)
def get_expiring_targets(
    projectKey: str,
    segmentKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    """The segment's expiring targets, soonest first."""
    return _get(services, projectKey, segmentKey, environmentKey, users=False)


@router.patch(
    CONTEXTS,
    operation_id="patchExpiringTargetsForSegment",
    summary="Update expiring targets for segment",
    response_model=ExpiringTargetPatchResponse,
    responses=error_responses(400, 401, 403, 404, 409, 429),
    openapi_extra=_BODY_DOC,
)
def patch_expiring_targets(
    projectKey: str,
    segmentKey: str,
    environmentKey: str,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.writer)],
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """``addExpiringTarget``, ``updateExpiringTarget``, ``removeExpiringTarget``. Partial
    success: failed instructions are listed in ``errors`` and the rest are applied."""
    return _patch(services, token, body, projectKey, segmentKey, environmentKey, users=False)


@router.get(
    USERS,
    operation_id="getExpiringUserTargetsForSegment",
    summary="Get expiring user targets for segment",
    response_model=ExpiringUserTargetGetResponse,
    responses=error_responses(401, 403, 404, 429),
)
def get_expiring_user_targets(
    projectKey: str,
    segmentKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    """The segment's expiring targets of context kind ``user`` (the legacy form)."""
    return _get(services, projectKey, segmentKey, environmentKey, users=True)


@router.patch(
    USERS,
    operation_id="patchExpiringUserTargetsForSegment",
    summary="Update expiring user targets for segment",
    response_model=ExpiringUserTargetPatchResponse,
    responses=error_responses(400, 401, 403, 404, 409, 429),
    openapi_extra=_BODY_DOC,
)
def patch_expiring_user_targets(
    projectKey: str,
    segmentKey: str,
    environmentKey: str,
    services: Services,
    token: Annotated[AccessToken, Depends(deps.writer)],
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """``addExpireUserTargetDate``, ``updateExpireUserTargetDate`` (``version`` = the
    segment's version), ``removeExpireUserTargetDate``. Partial success, as above."""
    return _patch(services, token, body, projectKey, segmentKey, environmentKey, users=True)
