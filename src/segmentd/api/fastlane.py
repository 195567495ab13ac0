"""The hot routes answered in raw ASGI, in front of FastAPI, for well-formed requests.

FastAPI's per-request machinery (its middleware layers, route matching over every route,
dependency solving, a worker-thread hop for each ``def`` route) costs far more than the work of
``GET /healthz``, a segment read or a segment create (docs/performance.md has the figures).
:class:`FastLane` answers those few routes directly and hands every other request, and every
request it does not fully understand, to FastAPI unchanged:

* the path has exactly the shape of the route (no empty segment, no extra segment);
* a body parses with orjson into a JSON object that the route's pydantic model accepts
  (the same model, validated the same way as FastAPI does: ``model_validate`` of the parsed
  object); anything else (malformed JSON, a missing field, a wrong type) goes to FastAPI,
  which answers it with the usual message, so error messages cannot drift apart.

The work itself is the routes' own functions (``routes.segments.create_segment`` etc.); access
checks are :func:`segmentd.api.deps.check_access`; errors are rendered by
:mod:`segmentd.api.errors`. The OpenAPI document still comes from the FastAPI routes.
Only ``http`` scopes reach this app (:class:`segmentd.api.app.SegmentdApp` sends the
lifespan to FastAPI directly).

Service calls run inline on the event loop when the database is a SQLite file and this is the
only process (a local file read or write is well under a millisecond, less than a thread hop
costs); on PostgreSQL, and for writes with several SQLite workers (which may wait for another
process's write lock), they run in the threadpool as FastAPI would run them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.errors import service_error_response, unexpected_error_response
from segmentd.api.ratelimit import RateLimiter
from segmentd.api.routes.big_segments import membership_rep
from segmentd.api.routes.segments import create_segment, read_segment
from segmentd.api.schemas import SegmentBody
from segmentd.domain.model import AccessToken, Role
from segmentd.errors import ServiceError

T = TypeVar("T")
Handler = Callable[[Scope, list[str], bytes], Awaitable[tuple[int, Any]]]

SEGMENTS = "/api/v2/segments/"
_JSON_HEADERS = [(b"content-type", b"application/json")]
_HEALTH = orjson.dumps({"status": "ok"})


class _NotMine(Exception):
    """The request is not one the fast lane answers: FastAPI gets it."""


class FastLane:
    """ASGI app: the hot routes, and ``fallback`` (the FastAPI app) for the rest."""

    def __init__(self, fallback: ASGIApp, services: AppServices, limiter: RateLimiter) -> None:
        self.fallback = fallback
        self.services = services
        self.limiter = limiter
        settings = services.settings
        sqlite = settings.resolved_database_url.startswith("sqlite")
        self.inline_reads = sqlite
        self.inline_writes = sqlite and settings.workers <= 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if path == "/healthz" and method == "GET":
            await _send_json(send, 200, _HEALTH)
            return
        handler = self._route(method, path)
        if handler is None:
            await self.fallback(scope, receive, send)
            return
        try:
            body = await _read_body(receive) if method == "POST" else b""
        except _Disconnected:
            return
        except ServiceError as exc:  # 413 while reading
            await _send_response(send, service_error_response(exc, _rid(scope)))
            return
        try:
            status, content = await handler(scope, path[len(SEGMENTS) :].split("/"), body)
        except _NotMine:
            await self.fallback(scope, _replay(body, receive), send)
        except ServiceError as exc:
            await _send_response(send, service_error_response(exc, _rid(scope)))
        except Exception as exc:
            await _send_response(send, unexpected_error_response(exc, _rid(scope)))
            raise
        else:
            await _send_json(send, status, orjson.dumps(content))

    def _route(self, method: str, path: str) -> Handler | None:
        if not path.startswith(SEGMENTS):
            return None
        parts = path[len(SEGMENTS) :].split("/")
        if "" in parts:
            return None
        if method == "GET" and len(parts) == 3:
            return self._get_segment
        if method == "GET" and len(parts) == 5 and parts[3] in ("contexts", "users"):
            return self._membership
        if method == "POST" and len(parts) == 2:
            return self._create_segment
        return None

    # ------------------------------------------------------------------ routes

    async def _get_segment(self, scope: Scope, parts: list[str], _: bytes) -> tuple[int, Any]:
        token = await self._access(scope, Role.READER)
        project, environment, key = parts
        return 200, await self._run(
            self.inline_reads, read_segment, self.services, project, environment, key, token
        )

    async def _membership(self, scope: Scope, parts: list[str], _: bytes) -> tuple[int, Any]:
        await self._access(scope, Role.READER)
        project, environment, key, _kind, context_key = parts
        return 200, await self._run(
            self.inline_reads,
            membership_rep,
            self.services,
            project,
            environment,
            key,
            context_key,
        )

    async def _create_segment(self, scope: Scope, parts: list[str], body: bytes) -> tuple[int, Any]:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _NotMine() from None
        if not isinstance(parsed, dict):
            raise _NotMine()
        token = await self._access(scope, Role.WRITER)
        try:
            segment_body = SegmentBody.model_validate(parsed)
        except ValidationError:
            raise _NotMine() from None
        project, environment = parts
        return 201, await self._run(
            self.inline_writes,
            create_segment,
            self.services,
            project,
            environment,
            segment_body,
            token,
        )

    # ------------------------------------------------------------------ parts

    async def _access(self, scope: Scope, role: Role) -> AccessToken:
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        state = scope.setdefault("state", {})
        return await deps.check_access(self.services, self.limiter, state, header, role)

    @staticmethod
    async def _run(inline: bool, work: Callable[..., T], *args: Any) -> T:
        if inline:
            return work(*args)
        return await run_in_threadpool(work, *args)


def _rid(scope: Scope) -> str:
    return str(scope.get("state", {}).get("request_id", ""))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class _Disconnected(Exception):
    """The client went away while sending its body."""


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read body once, then defers to ``receive``."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _send_json(send: Send, status: int, payload: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(payload)).encode()),
                *_JSON_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _send_response(send: Send, response: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})
