"""The endpoints LaunchDarkly's client-side (browser) and mobile SDKs poll and post events to.

Browser SDKs name the environment by its client-side id in the path; mobile SDKs send the
mobile key in ``Authorization``. ``GET`` carries the context as base64url JSON in the path,
``REPORT`` as the JSON body. Each answers ``{flagKey: {value, variation, version,
flagVersion, trackEvents, reason?}}`` with only the flags available to that credential
(docs/client-sdks.md). Event posts are accepted (202) and counted, not stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.feed.routes import count_events, record_events
from segmentd.api.responses import JsonResponse
from segmentd.api.schemas import error_responses
from segmentd.domain.projects.model import Environment
from segmentd.domain.shared.context import Context
from segmentd.services.client_sdk.service import (
    client_flag_json,
    context_from_body,
    context_from_path,
)

router = APIRouter(tags=["Client-side and mobile SDKs"])

Services = Annotated[AppServices, Depends(deps.services)]
WithReasons = Annotated[
    bool, Query(alias="withReasons", description="Include each flag's evaluation reason")
]
SecureHash = Annotated[
    str | None, Query(alias="h", description="Secure mode: HMAC-SHA256 of the context key")
]


def client_environment(clientSideId: str, request: Request) -> Environment:
    """The environment whose client-side id is in the path (404 if none)."""
    return deps.services_of(request).client_sdk.by_client_side_id(clientSideId)


def mobile_environment(request: Request) -> Environment:
    """The environment whose mobile key is in ``Authorization`` (401 if none)."""
    return deps.services_of(request).client_sdk.by_mobile_key(request.headers.get("authorization"))


ClientEnvironment = Annotated[Environment, Depends(client_environment)]
MobileEnvironment = Annotated[Environment, Depends(mobile_environment)]


def _evaluated(
    services: AppServices,
    environment: Environment,
    context: Context,
    *,
    mobile: bool,
    with_reasons: bool,
) -> JsonResponse:
    flags = services.client_sdk.evaluate_all(environment, context, mobile=mobile)
    body = {key: client_flag_json(flag, with_reasons=with_reasons) for key, flag in flags.items()}
    return JsonResponse(body, headers={"Cache-Control": "no-cache"})


def _browser(
    services: AppServices,
    environment: Environment,
    context: Context,
    with_reasons: bool,
    secure_hash: str | None,
) -> JsonResponse:
    services.client_sdk.check_secure_mode(environment, context, secure_hash)
    return _evaluated(services, environment, context, mobile=False, with_reasons=with_reasons)


BROWSER_ERRORS = error_responses(400, 403, 404)
MOBILE_ERRORS = error_responses(400, 401)


@router.get(
    "/sdk/evalx/{clientSideId}/contexts/{context}",
    operation_id="clientEvalContextGet",
    summary="Flags evaluated for a context (client-side id; context as base64url JSON)",
    responses=BROWSER_ERRORS,
)
@router.get(
    "/sdk/evalx/{clientSideId}/users/{context}",
    operation_id="clientEvalUserGet",
    summary="Flags evaluated for a user (legacy form)",
    responses=BROWSER_ERRORS,
)
def browser_get(
    context: str,
    environment: ClientEnvironment,
    services: Services,
    with_reasons: WithReasons = False,
    secure_hash: SecureHash = None,
) -> JsonResponse:
    return _browser(services, environment, context_from_path(context), with_reasons, secure_hash)


@router.api_route(
    "/sdk/evalx/{clientSideId}/context",
    methods=["REPORT"],
    operation_id="clientEvalContextReport",
    summary="Flags evaluated for the context in the body (client-side id)",
    responses=BROWSER_ERRORS,
)
@router.api_route(
    "/sdk/evalx/{clientSideId}/user",
    methods=["REPORT"],
    operation_id="clientEvalUserReport",
    summary="Flags evaluated for the user in the body (legacy form)",
    responses=BROWSER_ERRORS,
)
async def browser_report(
    request: Request,
    environment: ClientEnvironment,
    services: Services,
    with_reasons: WithReasons = False,
    secure_hash: SecureHash = None,
) -> JsonResponse:
    context = context_from_body(await request.body())
    return await run_in_threadpool(
        _browser, services, environment, context, with_reasons, secure_hash
    )


@router.get(
    "/msdk/evalx/contexts/{context}",
    operation_id="mobileEvalContextGet",
    summary="Flags evaluated for a context (mobile key; context as base64url JSON)",
    responses=MOBILE_ERRORS,
)
@router.get(
    "/msdk/evalx/users/{context}",
    operation_id="mobileEvalUserGet",
    summary="Flags evaluated for a user (mobile key; legacy form)",
    responses=MOBILE_ERRORS,
)
def mobile_get(
    context: str,
    environment: MobileEnvironment,
    services: Services,
    with_reasons: WithReasons = False,
) -> JsonResponse:
    parsed = context_from_path(context)
    return _evaluated(services, environment, parsed, mobile=True, with_reasons=with_reasons)


@router.api_route(
    "/msdk/evalx/context",
    methods=["REPORT"],
    operation_id="mobileEvalContextReport",
    summary="Flags evaluated for the context in the body (mobile key)",
    responses=MOBILE_ERRORS,
)
@router.api_route(
    "/msdk/evalx/user",
    methods=["REPORT"],
    operation_id="mobileEvalUserReport",
    summary="Flags evaluated for the user in the body (mobile key; legacy form)",
    responses=MOBILE_ERRORS,
)
async def mobile_report(
    request: Request,
    environment: MobileEnvironment,
    services: Services,
    with_reasons: WithReasons = False,
) -> JsonResponse:
    context = context_from_body(await request.body())
    return await run_in_threadpool(
        _evaluated, services, environment, context, mobile=True, with_reasons=with_reasons
    )


# ---------------------------------------------------------------- events


@router.post(
    "/events/bulk/{clientSideId}",
    status_code=202,
    operation_id="clientEvents",
    summary="Analytics events of a browser SDK (accepted and counted, not stored)",
    responses=error_responses(404),
)
@router.post(
    "/events/diagnostic/{clientSideId}",
    status_code=202,
    operation_id="clientDiagnosticEvents",
    summary="Diagnostic events of a browser SDK (accepted and counted, not stored)",
    responses=error_responses(404),
)
async def browser_events(request: Request, _environment: ClientEnvironment) -> Response:
    record_events(request, await count_events(request))
    return Response(status_code=202)


@router.post(
    "/mobile",
    status_code=202,
    operation_id="mobileEvents",
    summary="Analytics events of a mobile SDK (accepted and counted, not stored)",
    responses=error_responses(401),
)
@router.post(
    "/mobile/events",
    status_code=202,
    operation_id="mobileEventsAlt",
    summary="Analytics events of a mobile SDK (older path; counted, not stored)",
    responses=error_responses(401),
)
@router.post(
    "/mobile/events/bulk",
    status_code=202,
    operation_id="mobileEventsBulk",
    summary="Analytics events of a mobile SDK (older path; counted, not stored)",
    responses=error_responses(401),
)
@router.post(
    "/mobile/events/diagnostic",
    status_code=202,
    operation_id="mobileDiagnosticEvents",
    summary="Diagnostic events of a mobile SDK (accepted and counted, not stored)",
    responses=error_responses(401),
)
async def mobile_events(request: Request, _environment: MobileEnvironment) -> Response:
    record_events(request, await count_events(request))
    return Response(status_code=202)
