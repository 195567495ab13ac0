"""``create_app(services)``: the ASGI application. No module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from segmentd import __version__
from segmentd.api import errors
from segmentd.api.app_services import AppServices
from segmentd.api.middleware import EdgeMiddleware
from segmentd.api.ratelimit import RateLimiter
from segmentd.api.routes import big_segments, health, projects, segments, tokens

DESCRIPTION = """
segmentd serves feature-flag audience **segments** with LaunchDarkly's REST API v2.

Authenticate with an access token in the `Authorization` header (the raw token; a `Bearer `
prefix is tolerated). Every error answers `{"code", "message", "id"}`; `id` is the request
id, also sent as `X-Request-Id` and written to the server log.
"""

#: Room for the multipart framing around an import file of the configured size.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def create_app(services: AppServices) -> FastAPI:
    """Build the ASGI app around already-built services (see :mod:`segmentd.bootstrap`).

    The lifespan starts the services' background work (import/export workers, the Redis
    heartbeat) and stops it on shutdown; nothing starts at import time.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        services.start_background()
        try:
            yield
        finally:
            services.stop_background()

    app = FastAPI(
        lifespan=lifespan,
        title="segmentd",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.services = services
    app.state.limiter = RateLimiter(services.settings.rate_limit)
    errors.install(app)
    for module in (health, projects, segments, big_segments, tokens):
        app.include_router(module.router)
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=services.settings.max_body_bytes,
        max_upload_bytes=services.settings.import_max_bytes + UPLOAD_OVERHEAD_BYTES,
    )
    return app
