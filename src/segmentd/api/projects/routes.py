"""``/api/v2/projects``: projects and their environments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.patching import json_body
from segmentd.api.projects.representations import environment_rep, project_created_rep, project_rep
from segmentd.api.projects.schemas import (
    EnvironmentPost,
    EnvironmentRep,
    Environments,
    ProjectPost,
    ProjectRep,
    Projects,
)
from segmentd.api.responses import API, JsonResponse, page_links
from segmentd.api.schemas import JSON_PATCH_BODY_DOC, error_responses
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.projects.model import AccessToken
from segmentd.services.projects.service import EnvironmentDraft, ProjectDraft

router = APIRouter(prefix="/api/v2/projects", tags=["Projects"])

Services = Annotated[AppServices, Depends(deps.services)]
Page = Annotated[tuple[int, int], Depends(deps.pagination)]


def _environment_draft(body: EnvironmentPost) -> EnvironmentDraft:
    return EnvironmentDraft(
        key=body.key,
        name=body.name,
        color=body.color,
        default_ttl=body.defaultTtl or 0,
        secure_mode=bool(body.secureMode),
        default_track_events=bool(body.defaultTrackEvents),
        require_comments=bool(body.requireComments),
        confirm_changes=bool(body.confirmChanges),
        critical=bool(body.critical),
        tags=tuple(body.tags or ()),
    )


@router.post(
    "",
    status_code=201,
    operation_id="postProject",
    summary="Create project",
    response_model=ProjectRep,
    responses=error_responses(400, 401, 403, 409, 429),
)
def post_project(
    body: ProjectPost,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
) -> JsonResponse:
    """Create a project; without ``environments`` it gets ``production`` and ``test``."""
    availability = body.defaultClientSideAvailability
    # LaunchDarkly keeps includeInSnippetByDefault equal to the availability's
    # usingEnvironmentId; the availability wins when both are sent.
    using_environment_id = bool(body.includeInSnippetByDefault)
    if availability is not None:
        using_environment_id = availability.usingEnvironmentId
    project = services.projects.create_project(
        ProjectDraft(
            key=body.key,
            name=body.name,
            tags=tuple(body.tags or ()),
            include_in_snippet_by_default=using_environment_id,
            default_using_mobile_key=True if availability is None else availability.usingMobileKey,
            environments=None
            if body.environments is None
            else tuple(_environment_draft(e) for e in body.environments),
        ),
        actor=deps.actor_of(_token),
    )
    return JsonResponse(project_created_rep(project), status_code=201)


@router.get(
    "",
    operation_id="getProjects",
    summary="List projects",
    response_model=Projects,
    responses=error_responses(400, 401, 403, 429),
)
def get_projects(
    services: Services,
    page: Page,
    _token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    limit, offset = page
    result = services.projects.list_projects(limit=limit, offset=offset)
    return JsonResponse(
        {
            "_links": page_links(f"{API}/projects", limit=limit, offset=offset, total=result.total),
            "items": [project_rep(p) for p in result.items],
            "totalCount": result.total,
        }
    )


@router.get(
    "/{projectKey}",
    operation_id="getProject",
    summary="Get project",
    response_model=ProjectRep,
    responses=error_responses(400, 401, 403, 404, 429),
)
def get_project(
    projectKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
    expand: Annotated[str | None, Query(description="`environments` to include them")] = None,
) -> JsonResponse:
    project = services.projects.get_project(projectKey)
    expanded = "environments" in (expand or "").split(",")
    return JsonResponse(project_rep(project, expand_environments=expanded))


@router.patch(
    "/{projectKey}",
    operation_id="patchProject",
    summary="Update project",
    response_model=ProjectRep,
    responses=error_responses(400, 401, 403, 404, 413, 415, 422, 429),
    openapi_extra=JSON_PATCH_BODY_DOC,
)
def patch_project(
    projectKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """JSON Patch (a bare array, as LaunchDarkly's clients send it, or ``{"patch": …}``) or
    merge patch of ``name``, ``tags``, ``includeInSnippetByDefault`` and
    ``defaultClientSideAvailability``. Answers the ``ProjectRep`` (environments as an
    array), as the create does."""
    project = services.projects.patch_project(
        projectKey, parse_patch_document(body), actor=deps.actor_of(_token)
    )
    return JsonResponse(project_created_rep(project))  # a ProjectRep, as LaunchDarkly answers


@router.delete(
    "/{projectKey}",
    status_code=204,
    operation_id="deleteProject",
    summary="Delete project",
    responses=error_responses(400, 401, 403, 404, 429),
)
def delete_project(
    projectKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
) -> Response:
    """Delete the project with its environments, segments and flags (one transaction);
    the account's last project cannot be deleted (400), as at LaunchDarkly."""
    services.projects.delete_project(projectKey, actor=deps.actor_of(_token))
    return Response(status_code=204)


@router.post(
    "/{projectKey}/environments",
    status_code=201,
    operation_id="postEnvironment",
    summary="Create environment",
    response_model=EnvironmentRep,
    responses=error_responses(400, 401, 403, 404, 409, 429),
)
def post_environment(
    projectKey: str,
    body: EnvironmentPost,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
) -> JsonResponse:
    environment = services.projects.create_environment(
        projectKey, _environment_draft(body), actor=deps.actor_of(_token)
    )
    return JsonResponse(environment_rep(environment), status_code=201)


@router.get(
    "/{projectKey}/environments",
    operation_id="getEnvironmentsByProject",
    summary="List environments",
    response_model=Environments,
    responses=error_responses(400, 401, 403, 404, 429),
)
def get_environments(
    projectKey: str,
    services: Services,
    page: Page,
    _token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    limit, offset = page
    result = services.projects.list_environments(projectKey, limit=limit, offset=offset)
    path = f"{API}/projects/{projectKey}/environments"
    return JsonResponse(
        {
            "_links": page_links(path, limit=limit, offset=offset, total=result.total),
            "totalCount": result.total,
            "items": [environment_rep(e) for e in result.items],
        }
    )


@router.get(
    "/{projectKey}/environments/{environmentKey}",
    operation_id="getEnvironment",
    summary="Get environment",
    response_model=EnvironmentRep,
    responses=error_responses(401, 403, 404, 429),
)
def get_environment(
    projectKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.reader)],
) -> JsonResponse:
    return JsonResponse(
        environment_rep(services.projects.get_environment(projectKey, environmentKey))
    )


@router.patch(
    "/{projectKey}/environments/{environmentKey}",
    operation_id="patchEnvironment",
    summary="Update environment",
    response_model=EnvironmentRep,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
    openapi_extra=JSON_PATCH_BODY_DOC,
)
def patch_environment(
    projectKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """JSON Patch (bare array or ``{"patch": …}``) or merge patch of ``name``, ``color``,
    ``defaultTtl``, ``secureMode``, ``defaultTrackEvents``, ``requireComments``,
    ``confirmChanges``, ``tags``, ``critical`` and ``approvalSettings``; the key, SDK key,
    mobile key and client-side id are read-only (400)."""
    environment = services.projects.patch_environment(
        projectKey, environmentKey, parse_patch_document(body), actor=deps.actor_of(_token)
    )
    return JsonResponse(environment_rep(environment))


@router.delete(
    "/{projectKey}/environments/{environmentKey}",
    status_code=204,
    operation_id="deleteEnvironment",
    summary="Delete environment",
    responses=error_responses(400, 401, 403, 404, 429),
)
def delete_environment(
    projectKey: str,
    environmentKey: str,
    services: Services,
    _token: Annotated[AccessToken, Depends(deps.admin)],
) -> Response:
    """Delete the environment with its segments and flag configurations (one transaction);
    its SDK key, mobile key and client-side id stop working at once and its SDK streams
    end. A project's last environment cannot be deleted (400), as at LaunchDarkly."""
    services.projects.delete_environment(projectKey, environmentKey, actor=deps.actor_of(_token))
    return Response(status_code=204)
