"""``/api/v2/tokens``: access tokens, managed by admins. The value is shown only at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.patching import json_body
from segmentd.api.projects.representations import token_rep
from segmentd.api.projects.schemas import AccessTokenPost, TokenRep, Tokens
from segmentd.api.responses import API, JsonResponse, page_links
from segmentd.api.schemas import error_responses
from segmentd.domain.patch.json_patch import JsonPatch, parse_patch_document
from segmentd.domain.projects.model import AccessToken, Role
from segmentd.errors import InvalidRequest
from segmentd.services.projects.access import parse_role, token_changes

router = APIRouter(prefix="/api/v2/tokens", tags=["Access tokens"])

Services = Annotated[AppServices, Depends(deps.services)]
Admin = Annotated[AccessToken, Depends(deps.admin)]


@router.post(
    "",
    status_code=201,
    operation_id="postToken",
    summary="Create access token",
    response_model=TokenRep,
    responses=error_responses(400, 401, 403, 429),
)
def post_token(body: AccessTokenPost, services: Services, _token: Admin) -> JsonResponse:
    """Mint a token; its full value is in ``token`` in this response and never again."""
    role = parse_role(body.role) if body.role is not None else Role.READER
    created = services.access.create(
        name=body.name or "token", role=role, description=body.description
    )
    return JsonResponse(token_rep(created.token, secret=created.secret), status_code=201)


@router.get(
    "",
    operation_id="getTokens",
    summary="List access tokens",
    response_model=Tokens,
    responses=error_responses(400, 401, 403, 429),
)
def get_tokens(
    services: Services,
    _token: Admin,
    page: Annotated[tuple[int, int], Depends(deps.pagination)],
) -> JsonResponse:
    limit, offset = page
    result = services.access.list(limit=limit, offset=offset)
    return JsonResponse(
        {
            "items": [token_rep(t) for t in result.items],
            "_links": page_links(f"{API}/tokens", limit=limit, offset=offset, total=result.total),
            "totalCount": result.total,
        }
    )


@router.get(
    "/{tokenId}",
    operation_id="getToken",
    summary="Get access token",
    response_model=TokenRep,
    responses=error_responses(401, 403, 404, 429),
)
def get_token(tokenId: str, services: Services, _token: Admin) -> JsonResponse:
    return JsonResponse(token_rep(services.access.get(tokenId)))


@router.delete(
    "/{tokenId}",
    status_code=204,
    operation_id="deleteToken",
    summary="Delete access token",
    responses=error_responses(401, 403, 404, 429),
)
def delete_token(tokenId: str, services: Services, _token: Admin) -> Response:
    services.access.delete(tokenId)
    return Response(status_code=204)


@router.patch(
    "/{tokenId}",
    operation_id="patchToken",
    summary="Patch access token",
    response_model=TokenRep,
    responses=error_responses(400, 401, 403, 404, 413, 415, 429),
)
def patch_token(
    tokenId: str,
    services: Services,
    _token: Admin,
    body: Annotated[object, Depends(json_body)],
) -> JsonResponse:
    """Rename a token or change its role with a JSON Patch (``replace`` of ``/name``,
    ``/role`` or ``/description``). The new role applies from the token's next request on
    every instance."""
    patch = parse_patch_document(body)
    if not isinstance(patch, JsonPatch):
        raise InvalidRequest("body: a token is changed with a JSON Patch array")
    return JsonResponse(token_rep(services.access.update(tokenId, token_changes(patch.operations))))
