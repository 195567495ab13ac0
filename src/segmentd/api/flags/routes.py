"""``/api/v2/flags/{projectKey}``: feature flags, enough of them to target segments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.flags.representations import flag_path, flag_rep
from segmentd.api.flags.schemas import FeatureFlagBody
from segmentd.api.patching import json_body, parse_flag_patch
from segmentd.api.responses import JsonResponse, page_links
from segmentd.api.schemas import error_responses
from segmentd.domain.flags.model import (
    ClientSideAvailability,
    Flag,
    Variation,
)
from segmentd.domain.projects.model import AccessToken, Project
from segmentd.services.flags.service import FlagDraft

router = APIRouter(prefix="/api/v2/flags", tags=["Feature flags"])

Services = Annotated[AppServices, Depends(deps.services)]


def _client_side(body: FeatureFlagBody, project: Project) -> ClientSideAvailability:
    """The project's ``defaultClientSideAvailability`` for what the body omits, as
    LaunchDarkly does; ``clientSideAvailability`` wins over the legacy
    ``includeInSnippet``."""
    default = ClientSideAvailability(
        using_environment_id=project.include_in_snippet_by_default,
        using_mobile_key=project.default_using_mobile_key,
    )
    given = body.clientSideAvailability
    using_env = body.includeInSnippet
    if given is not None and given.usingEnvironmentId is not None:
        using_env = given.usingEnvironmentId
    using_mobile = given.usingMobileKey if given is not None else None
    return ClientSideAvailability(
        using_environment_id=default.using_environment_id if using_env is None else using_env,
        using_mobile_key=default.using_mobile_key if using_mobile is None else using_mobile,
    )


def _render(project: Project, flag: Flag, env: list[str] | None) -> dict[str, Any]:
    return flag_rep(flag, project_key=project.key, environments=project.environments, only=env)


@router.post(
    "/{projectKey}",
    status_code=201,
    operation_id="postFeatureFlag",
    summary="Create a feature flag",
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 429),
)
def post_flag(
    projectKey: str,
    body: FeatureFlagBody,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.writer)],
) -> JsonResponse:
    """Create a flag; every environment of the project gets an off configuration."""
    project = services.projects.get_project(projectKey)
    variations = None
    if body.variations is not None:
        variations = tuple(Variation(v.value, None, v.name, v.description) for v in body.variations)
    flag = services.flags.create(
        projectKey,
        FlagDraft(
            key=body.key,
            name=body.name,
            description=body.description,
            tags=tuple(body.tags or ()),
            temporary=bool(body.temporary),
            variations=variations,
            on_variation=body.defaults.onVariation if body.defaults else None,
            off_variation=body.defaults.offVariation if body.defaults else None,
            on=bool(body.isFlagOn),
            client_side=_client_side(body, project),
        ),
    )
    return JsonResponse(_render(project, flag, None), status_code=201)


@router.get(
    "/{projectKey}",
    operation_id="getFeatureFlags",
    summary="List feature flags",
    responses=error_responses(400, 401, 404, 429),
)
def list_flags(
    projectKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    page: Annotated[tuple[int, int], Depends(deps.pagination)],
    env: Annotated[list[str] | None, Query(description="Limit configurations to these")] = None,
) -> JsonResponse:
    limit, offset = page
    project = services.projects.get_project(projectKey)
    flags = services.flags.list(projectKey, limit=limit, offset=offset)
    return JsonResponse(
        {
            "items": [_render(project, f, env) for f in flags.items],
            "_links": page_links(
                flag_path(projectKey), limit=limit, offset=offset, total=flags.total
            ),
            "totalCount": flags.total,
        }
    )


@router.get(
    "/{projectKey}/{flagKey}",
    operation_id="getFeatureFlag",
    summary="Get a feature flag",
    responses=error_responses(401, 404, 429),
)
def get_flag(
    projectKey: str,
    flagKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    env: Annotated[list[str] | None, Query(description="Limit configurations to these")] = None,
) -> JsonResponse:
    project = services.projects.get_project(projectKey)
    return JsonResponse(_render(project, services.flags.get(projectKey, flagKey), env))


@router.patch(
    "/{projectKey}/{flagKey}",
    operation_id="patchFeatureFlag",
    summary="Update a feature flag",
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
)
def patch_flag(
    projectKey: str,
    flagKey: str,
    request: Request,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.writer)],
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """JSON Patch / merge patch on the flag's JSON, or a semantic patch on one environment
    (``Content-Type: application/json; domain-model=launchdarkly.semanticpatch``)."""
    patch = parse_flag_patch(request.headers.get("content-type"), body)
    flag = services.flags.patch(projectKey, flagKey, patch)
    return JsonResponse(_render(services.projects.get_project(projectKey), flag, None))


@router.delete(
    "/{projectKey}/{flagKey}",
    status_code=204,
    operation_id="deleteFeatureFlag",
    summary="Delete a feature flag",
    responses=error_responses(401, 403, 404, 409, 429),
)
def delete_flag(
    projectKey: str,
    flagKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.writer)],
) -> Response:
    services.flags.delete(projectKey, flagKey)
    return Response(status_code=204)
