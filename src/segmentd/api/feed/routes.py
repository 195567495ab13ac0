"""The endpoints unmodified LaunchDarkly server-side SDKs call (docs/sdk-feed.md).

``GET /all`` (streaming), ``GET /sdk/latest-all`` (polling), ``POST /bulk`` and
``POST /diagnostic`` (events, accepted and counted, not stored). All of them authenticate
with the environment's SDK key in ``Authorization``; access tokens are refused.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.feed.streaming import StreamBroadcaster
from segmentd.api.schemas import error_responses
from segmentd.domain.projects.model import Environment

router = APIRouter(tags=["SDK feed"])

Services = Annotated[AppServices, Depends(deps.services)]


def sdk_environment(request: Request) -> Environment:
    """The environment of the SDK key in ``Authorization`` (raw or ``api_key <key>``)."""
    return deps.services_of(request).feed.authenticate(request.headers.get("authorization"))


SdkEnvironment = Annotated[Environment, Depends(sdk_environment)]


def broadcaster(request: Request) -> StreamBroadcaster:
    state = request.app.state
    if getattr(state, "broadcaster", None) is None:
        services = deps.services_of(request)
        state.broadcaster = StreamBroadcaster(
            services.feed, services.changes, services.settings.stream_heartbeat_seconds
        )
    result: StreamBroadcaster = state.broadcaster
    return result


class EventStream(Response):
    """Documents ``GET /all`` as ``text/event-stream`` (the route streams it itself)."""

    media_type = "text/event-stream"


#: One event of the stream, as the OpenAPI document describes it.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["put", "patch", "delete"]},
        "data": {"type": "string", "description": "JSON: {path, data} or {path, version}"},
    },
}


@router.get(
    "/sdk/latest-all",
    operation_id="sdkLatestAll",
    summary="All flags and segments of the SDK key's environment (polling)",
    responses={304: {"description": "Not modified (the ETag matches)"}, **error_responses(401)},
)
def latest_all(request: Request, environment: SdkEnvironment, services: Services) -> Response:
    payload = services.feed.payload(environment.id)
    headers = {
        "ETag": payload.etag,
        "X-LD-EnvID": environment.id,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
    }
    if payload.etag in _etags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    if "gzip" in (request.headers.get("accept-encoding") or "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(payload.gzipped, media_type="application/json", headers=headers)
    return Response(payload.body, media_type="application/json", headers=headers)


def _etags(header: str | None) -> set[str]:
    return {t.strip().removeprefix("W/") for t in (header or "").split(",") if t.strip()}


@router.get(
    "/all",
    operation_id="sdkStream",
    summary="Server-Sent Events: put, then patch/delete for each change (streaming)",
    response_class=EventStream,
    responses={
        200: {
            "description": "Server-Sent Events, one JSON document in each event's data",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        },
        401: {
            "description": "Unauthorized",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorRep"}}},
        },
    },
)
async def stream_all(request: Request, environment: SdkEnvironment) -> Response:
    """Chunked ``text/event-stream``: a ``put`` with everything, then one ``patch`` or
    ``delete`` per change, and a ``:`` comment every heartbeat interval."""
    return broadcaster(request).response(
        environment.id,
        {"Cache-Control": "no-cache", "X-LD-EnvID": environment.id, "X-Accel-Buffering": "no"},
    )


async def count_events(request: Request) -> int:
    raw = await request.body()
    if (request.headers.get("content-encoding") or "").lower() == "gzip":
        try:
            raw = await run_in_threadpool(gzip.decompress, raw)
        except (OSError, EOFError, zlib.error):
            return 0
    try:
        events = orjson.loads(raw) if raw else []
    except orjson.JSONDecodeError:
        return 0
    return len(events) if isinstance(events, list) else 1


def record_events(request: Request, count: int) -> None:
    state = request.app.state
    state.events_received = getattr(state, "events_received", 0) + count


@router.post(
    "/bulk",
    status_code=202,
    operation_id="sdkEvents",
    response_class=Response,  # an empty 202, no JSON
    summary="Analytics events (accepted and counted, not stored)",
    responses=error_responses(401),
)
async def bulk(request: Request, _environment: SdkEnvironment) -> Response:
    record_events(request, await count_events(request))
    return Response(status_code=202)


@router.post(
    "/diagnostic",
    status_code=202,
    operation_id="sdkDiagnosticEvents",
    response_class=Response,  # an empty 202, no JSON
    summary="Diagnostic events (accepted and counted, not stored)",
    responses=error_responses(401),
)
async def diagnostic(request: Request, _environment: SdkEnvironment) -> Response:
    record_events(request, await count_events(request))
    return Response(status_code=202)
