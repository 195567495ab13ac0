"""``create_app(services)``: the ASGI application. No module-level state."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from segmentd import __version__
from segmentd.api import docs, errors, health
from segmentd.api.app_services import AppServices
from segmentd.api.audit import routes as audit
from segmentd.api.big_segments import routes as big_segments
from segmentd.api.client_sdk import routes as client_sdk
from segmentd.api.client_sdk import stream_routes as client_streams
from segmentd.api.console import routes as console
from segmentd.api.console.session import SessionGuard
from segmentd.api.cors import CorsMiddleware
from segmentd.api.evaluations import routes as evaluations
from segmentd.api.expiring import routes as expiring
from segmentd.api.expiry import DEFAULT_EXPIRY_INTERVAL, background_lifespan
from segmentd.api.fastlane import FastLane
from segmentd.api.feed import routes as sdk
from segmentd.api.flags import routes as flags
from segmentd.api.middleware import EdgeMiddleware
from segmentd.api.projects import routes as projects
from segmentd.api.projects import token_routes as tokens
from segmentd.api.ratelimit import RateLimiter
from segmentd.api.segments import routes as segments

DESCRIPTION = """
segmentd serves feature-flag audience **segments** with LaunchDarkly's REST API v2.

Authenticate with an access token in the `Authorization` header (the raw token; a `Bearer `
prefix is tolerated). Every error answers `{"code", "message", "id"}`; `id` is the request
id, also sent as `X-Request-Id` and written to the server log.
"""

#: Room for the multipart framing around an import file of the configured size.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class SegmentdApp(FastAPI):
    """FastAPI with segmentd's edge in front: every HTTP request goes through
    :class:`EdgeMiddleware` (request id, limits, log line), then :class:`FastLane` (the hot
    routes), which hands the rest to FastAPI's own stack."""

    edge: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.edge is not None and scope["type"] == "http":
            await self.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def fastapi_stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    services: AppServices, *, expiry_interval: float | None = DEFAULT_EXPIRY_INTERVAL
) -> SegmentdApp:
    """Build the ASGI app around already-built services (see :mod:`segmentd.bootstrap`).

    While the server runs the app (its lifespan), expired segment targets are removed every
    ``expiry_interval`` seconds; ``None`` turns that off.
    """
    app = SegmentdApp(
        lifespan=background_lifespan(services, expiry_interval),
        title="segmentd",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served from local files by api.docs
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.services = services
    limiter = RateLimiter(services.settings.rate_limit, now_ms=services.clock.now_ms)
    app.state.limiter = limiter
    errors.install(app)
    for module in (
        health,
        projects,
        segments,
        big_segments,
        expiring,
        audit,
        evaluations,
        tokens,
        flags,
        sdk,
        client_sdk,
        client_streams,
    ):
        app.include_router(module.router)
    docs.install(app)
    console.install(app)
    # SessionGuard is outermost: a forged form is refused before anything else reads it, and a
    # console request reaches the edge with its session as an ``Authorization`` header.
    app.edge = SessionGuard(
        EdgeMiddleware(
            FastLane(CorsMiddleware(app.fastapi_stack), services, limiter),
            max_body_bytes=services.settings.max_body_bytes,
            max_upload_bytes=services.settings.import_max_bytes + UPLOAD_OVERHEAD_BYTES,
        )
    )
    return app
