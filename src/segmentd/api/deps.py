"""Request-scoped dependencies: the services, and who is calling with which role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool

from segmentd.api.params import MAX_INT64
from segmentd.domain.audit.history import Actor
from segmentd.domain.projects.model import AccessToken, Role
from segmentd.errors import InvalidRequest, RateLimited

if TYPE_CHECKING:
    from segmentd.api.app_services import AppServices
    from segmentd.api.ratelimit import RateLimiter


def services_of(request: Request) -> AppServices:
    """The app's services, for code that holds the request."""
    return request.app.state.services  # type: ignore[no-any-return]


async def services(request: Request) -> AppServices:
    """The app's services as a dependency (``async``, so FastAPI calls it inline)."""
    return services_of(request)


def database_is_local(app_services: AppServices) -> bool:
    """Whether the database is a SQLite file in this process: its reads take a few
    microseconds, less than the hop to a worker thread costs (about 80 µs of CPU), so they run
    on the event loop. PostgreSQL's network round trips run in the threadpool."""
    url = app_services.settings.database_url  # unset: a SQLite file in the data directory
    return not url or url.startswith("sqlite")


def authenticate(
    app_services: AppServices,
    limiter: RateLimiter,
    state: dict[str, Any],
    header: str | None,
    role: Role,
) -> AccessToken:
    """Authenticate ``header``, count the request against the token's rate limit (quota
    headers go to ``state`` for the edge middleware) and refuse with 403 unless the token's
    role includes ``role``. Blocking (it reads the database): see :func:`check_access`."""
    # Read from the database on every request: a revoked token stops at once everywhere.
    token = app_services.access.authenticate(header)
    quota = limiter.hit(token.id)
    if quota is not None:
        headers = quota.headers()
        if not quota.allowed:
            headers["Retry-After"] = str(quota.retry_after_seconds(limiter.now()))
            state["quota_headers"] = headers
            raise RateLimited()
        state["quota_headers"] = headers
    app_services.access.require(token, role)
    return token


async def check_access(
    app_services: AppServices,
    limiter: RateLimiter,
    state: dict[str, Any],
    header: str | None,
    role: Role,
) -> AccessToken:
    """:func:`authenticate` from the event loop: inline on a local database, in the
    threadpool otherwise."""
    if database_is_local(app_services):
        return authenticate(app_services, limiter, state, header, role)
    return await run_in_threadpool(authenticate, app_services, limiter, state, header, role)


def authorize(role: Role) -> Callable[[Request], Awaitable[AccessToken]]:
    """A dependency that runs :func:`check_access` for ``role``."""

    async def dependency(request: Request) -> AccessToken:
        return await check_access(
            request.app.state.services,
            request.app.state.limiter,
            request.scope.setdefault("state", {}),
            request.headers.get("authorization"),
            role,
        )

    return dependency


reader = authorize(Role.READER)
writer = authorize(Role.WRITER)
admin = authorize(Role.ADMIN)

MAX_PAGE = 100


async def pagination(
    limit: Annotated[
        int | None,
        Query(
            description="Page size, 1 to 100 (default 20)",
            json_schema_extra={"minimum": 1, "maximum": MAX_PAGE},
        ),
    ] = None,
    offset: Annotated[
        int | None,
        Query(
            description="Items to skip (default 0)",
            json_schema_extra={"minimum": 0, "maximum": MAX_INT64},
        ),
    ] = None,
) -> tuple[int, int]:
    """``limit`` and ``offset``; out of range (as the OpenAPI document states the range) is
    a 400 naming the parameter. Checked here rather than by FastAPI, so that the fast lane
    (:mod:`segmentd.api.fastlane`), which calls :func:`page_bounds`, words it the same."""
    return page_bounds(limit, offset)


def page_bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    """:func:`pagination`'s checks, as a plain function."""
    limit = 20 if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit: must be between 1 and {MAX_PAGE}")
    if not 0 <= offset <= MAX_INT64:
        raise InvalidRequest(f"offset: must be between 0 and {MAX_INT64}")
    return limit, offset


def actor_of(token: AccessToken) -> Actor:
    """The audit log's "who": the access token's id and name."""
    return Actor(id=token.id, name=token.name)
