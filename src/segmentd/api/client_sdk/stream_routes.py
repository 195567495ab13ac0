"""Streaming endpoints of the client-side and mobile SDKs (docs/client-sdks.md).

``GET /eval/{clientSideId}/{context}`` and ``REPORT /eval/{clientSideId}`` for browsers,
``GET /meval/{context}`` and ``REPORT /meval`` for mobile SDKs (mobile key in
``Authorization``): a ``put`` with every served flag evaluated for the context, then
``patch``/``delete`` events as changes reach the environment. ``/ping/{clientSideId}`` and
``/mping`` send ``ping`` events instead, on which the SDK polls.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from segmentd.api import deps
from segmentd.api.client_sdk.routes import (
    BROWSER_ERRORS,
    MOBILE_ERRORS,
    ClientEnvironment,
    MobileEnvironment,
    SecureHash,
    WithReasons,
)
from segmentd.api.client_sdk.streaming import ClientStream, ClientStreams
from segmentd.domain.projects.model import Environment
from segmentd.domain.shared.context import Context
from segmentd.services.client_sdk.service import context_from_body, context_from_path

router = APIRouter(tags=["Client-side and mobile SDKs"])


def streams(request: Request) -> ClientStreams:
    state = request.app.state
    if getattr(state, "client_streams", None) is None:
        services = deps.services_of(request)
        state.client_streams = ClientStreams(
            services.client_sdk, services.changes, services.settings.stream_heartbeat_seconds
        )
    result: ClientStreams = state.client_streams
    return result


def _open(
    request: Request,
    environment: Environment,
    context: Context | None,
    *,
    mobile: bool,
    with_reasons: bool = False,
    secure_hash: str | None = None,
) -> Response:
    if context is not None and not mobile:
        deps.services_of(request).client_sdk.check_secure_mode(environment, context, secure_hash)
    stream = ClientStream(environment, context, mobile=mobile, with_reasons=with_reasons)
    return streams(request).response(stream)


@router.get(
    "/eval/{clientSideId}/{context}",
    operation_id="clientStreamGet",
    summary="Server-Sent Events: flags evaluated for the context, then their changes",
    responses=BROWSER_ERRORS,
)
async def browser_stream(
    request: Request,
    context: str,
    environment: ClientEnvironment,
    with_reasons: WithReasons = False,
    secure_hash: SecureHash = None,
) -> Response:
    parsed = context_from_path(context)
    return _open(
        request,
        environment,
        parsed,
        mobile=False,
        with_reasons=with_reasons,
        secure_hash=secure_hash,
    )


@router.api_route(
    "/eval/{clientSideId}",
    methods=["REPORT"],
    operation_id="clientStreamReport",
    summary="Server-Sent Events for the context in the body",
    responses=BROWSER_ERRORS,
)
async def browser_stream_report(
    request: Request,
    environment: ClientEnvironment,
    with_reasons: WithReasons = False,
    secure_hash: SecureHash = None,
) -> Response:
    parsed = context_from_body(await request.body())
    return _open(
        request,
        environment,
        parsed,
        mobile=False,
        with_reasons=with_reasons,
        secure_hash=secure_hash,
    )


@router.get(
    "/meval/{context}",
    operation_id="mobileStreamGet",
    summary="Server-Sent Events for a mobile SDK (mobile key)",
    responses=MOBILE_ERRORS,
)
async def mobile_stream(
    request: Request,
    context: str,
    environment: MobileEnvironment,
    with_reasons: WithReasons = False,
) -> Response:
    parsed = context_from_path(context)
    return _open(request, environment, parsed, mobile=True, with_reasons=with_reasons)


@router.api_route(
    "/meval",
    methods=["REPORT"],
    operation_id="mobileStreamReport",
    summary="Server-Sent Events for the context in the body (mobile key)",
    responses=MOBILE_ERRORS,
)
async def mobile_stream_report(
    request: Request, environment: MobileEnvironment, with_reasons: WithReasons = False
) -> Response:
    parsed = context_from_body(await request.body())
    return _open(request, environment, parsed, mobile=True, with_reasons=with_reasons)


@router.get(
    "/ping/{clientSideId}",
    operation_id="clientPingStream",
    summary="Server-Sent Events: a ping on every change (the SDK then polls)",
    responses=BROWSER_ERRORS,
)
async def browser_ping(request: Request, environment: ClientEnvironment) -> Response:
    return _open(request, environment, None, mobile=False)


@router.get(
    "/mping",
    operation_id="mobilePingStream",
    summary="Server-Sent Events: a ping on every change (mobile key)",
    responses=MOBILE_ERRORS,
)
async def mobile_ping(request: Request, environment: MobileEnvironment) -> Response:
    return _open(request, environment, None, mobile=True)
