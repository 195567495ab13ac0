"""The hot routes answered in raw ASGI, in front of FastAPI, for well-formed requests.

FastAPI's per-request machinery (its middleware layers, route matching over every route,
dependency solving, a worker-thread hop for each ``def`` route) costs far more than the work of
``GET /healthz`` or a segment read (docs/performance.md has the figures). :class:`FastLane`
answers ``GET /healthz``, a segment's create, read, list and ``PATCH``, the big-segment
membership ``GET`` and ``segments/evaluate`` directly, and hands every other request, and
every request it does not fully understand, to FastAPI unchanged:

* the path has exactly the shape of the route (no empty segment, no extra segment); query
  parameters are the route's own, each given once (``limit``/``offset`` plain digits; a
  ``PATCH`` with any query, such as ``dryRun``, goes to FastAPI);
* a body parses with orjson into a JSON object that the route's pydantic model accepts
  (the same model, validated the same way as FastAPI does: ``model_validate`` of the parsed
  object); anything else (malformed JSON, a missing field, a wrong type) goes to FastAPI,
  which answers it with the usual message, so error messages cannot drift apart. Bodies are
  checked before the access check, so that a request handed over is counted against the
  rate limit once, by FastAPI.

The work itself is the routes' own functions (``routes.segments.create_segment`` etc.); access
checks are :func:`segmentd.api.deps.authenticate`; errors are rendered by
:mod:`segmentd.api.errors`. The OpenAPI document still comes from the FastAPI routes.
Only ``http`` scopes reach this app (:class:`segmentd.api.app.SegmentdApp` sends the
lifespan to FastAPI directly).

Service calls run inline on the event loop when the database is a SQLite file and this is the
only process (a local file read or write is well under a millisecond, less than a thread
hop costs; CPU-bound work such as an evaluation holds the GIL in a thread just the same);
on PostgreSQL, and for writes with several SQLite workers (which may wait for another
process's write lock), they run in the threadpool as FastAPI would run them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.big_segments.routes import membership_rep
from segmentd.api.errors import service_error_response, unexpected_error_response
from segmentd.api.evaluations.rendering import environment_memberships_json
from segmentd.api.ratelimit import RateLimiter
from segmentd.api.segments.routes import (
    create_segment,
    list_segments,
    patch_segment_rep,
    read_segment,
)
from segmentd.api.segments.schemas import SegmentBody
from segmentd.domain.projects.model import AccessToken, Role
from segmentd.errors import ServiceError

T = TypeVar("T")
Handler = Callable[[Scope, list[str], bytes], Awaitable[tuple[int, Any]]]

API = "/api/v2/"
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
        self._routes: dict[tuple[str, str, int], Handler] = {
            ("GET", "segments", 4): self._get_segment,
            ("GET", "segments", 3): self._list_segments,
            ("POST", "segments", 3): self._create_segment,
            ("PATCH", "segments", 4): self._patch_segment,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if path == "/healthz" and method == "GET":
            await _send_json(send, 200, _HEALTH)
            return
        parts = path[len(API) :].split("/") if path.startswith(API) else []
        handler = self._route(method, parts)
        if handler is None:
            await self.fallback(scope, receive, send)
            return
        try:
            body = await _read_body(receive) if method in ("POST", "PATCH") else b""
        except _Disconnected:
            return
        except ServiceError as exc:  # 413 while reading
            await _send_response(send, service_error_response(exc, _rid(scope)))
            return
        try:
            status, content = await handler(scope, parts[1:], body)
        except _NotMine:
            await self.fallback(scope, _replay(body, receive), send)
        except ServiceError as exc:
            await _send_response(send, service_error_response(exc, _rid(scope)))
        except Exception as exc:
            await _send_response(send, unexpected_error_response(exc, _rid(scope)))
            raise
        else:
            payload = content if isinstance(content, bytes) else orjson.dumps(content)
            await _send_json(send, status, payload)

    def _route(self, method: str, parts: list[str]) -> Handler | None:
        if not parts or "" in parts:
            return None
        shape = (method, parts[0], len(parts))
        if shape == ("GET", "segments", 6) and parts[4] in ("contexts", "users"):
            return self._membership
        if shape == ("POST", "projects", 6) and parts[2::2] == ["environments", "segments"]:
            return self._evaluate if parts[5] == "evaluate" else None
        return self._routes.get(shape)

    # ------------------------------------------------------------------ routes

    async def _get_segment(self, scope: Scope, parts: list[str], _: bytes) -> tuple[int, Any]:
        project, environment, key = parts
        return 200, await self._serve(
            scope,
            Role.READER,
            self.inline_reads,
            lambda token: read_segment(self.services, project, environment, key, token),
        )

    async def _membership(self, scope: Scope, parts: list[str], _: bytes) -> tuple[int, Any]:
        project, environment, key, _kind, context_key = parts
        return 200, await self._serve(
            scope,
            Role.READER,
            self.inline_reads,
            lambda _token: membership_rep(self.services, project, environment, key, context_key),
        )

    async def _list_segments(self, scope: Scope, parts: list[str], _: bytes) -> tuple[int, Any]:
        params = _query(scope, {"limit", "offset", "filter", "sort"})
        numbers = [params.get(name) for name in ("limit", "offset")]
        if any(
            n is not None and not (n.isascii() and n.isdigit() and len(n) < 10) for n in numbers
        ):
            raise _NotMine()  # FastAPI words the problem with an unusual number
        project, environment = parts

        def work(_token: AccessToken) -> dict[str, Any]:
            limit, offset = deps.page_bounds(*(None if n is None else int(n) for n in numbers))
            return list_segments(
                self.services,
                project,
                environment,
                limit,
                offset,
                params.get("filter"),
                params.get("sort"),
            )

        return 200, await self._serve(scope, Role.READER, self.inline_reads, work)

    async def _create_segment(self, scope: Scope, parts: list[str], body: bytes) -> tuple[int, Any]:
        try:
            segment_body = SegmentBody.model_validate(_json_object(body))
        except ValidationError:
            raise _NotMine() from None
        project, environment = parts
        return 201, await self._serve(
            scope,
            Role.WRITER,
            self.inline_writes,
            lambda token: create_segment(self.services, project, environment, segment_body, token),
        )

    async def _patch_segment(self, scope: Scope, parts: list[str], body: bytes) -> tuple[int, Any]:
        if scope.get("query_string"):
            raise _NotMine()  # dryRun, as FastAPI reads booleans
        document = _json_object(body, objects_only=False)
        content_type = _header(scope, b"content-type")
        project, environment, key = parts
        return 200, await self._serve(
            scope,
            Role.WRITER,
            self.inline_writes,
            lambda token: patch_segment_rep(
                self.services,
                project,
                environment,
                key,
                content_type,
                document,
                token,
                dry_run=False,
            ),
        )

    async def _evaluate(self, scope: Scope, parts: list[str], body: bytes) -> tuple[int, Any]:
        context = _json_object(body)
        project, _environments, environment = parts[:3]
        return 200, await self._serve(
            scope,
            Role.READER,
            self.inline_reads,
            lambda _token: environment_memberships_json(
                self.services, project, environment, context
            ),
        )

    # ------------------------------------------------------------------ parts

    async def _serve(
        self, scope: Scope, role: Role, inline: bool, work: Callable[[AccessToken], T]
    ) -> T:
        """Check access for ``role``, then ``work(token)``: both on the event loop when
        ``inline``, otherwise both in one trip to the threadpool (one hop, not two)."""
        header = _header(scope, b"authorization")
        state = scope.setdefault("state", {})
        if inline:
            return work(deps.authenticate(self.services, self.limiter, state, header, role))

        def guarded() -> T:
            return work(deps.authenticate(self.services, self.limiter, state, header, role))

        return await run_in_threadpool(guarded)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _query(scope: Scope, known: set[str]) -> dict[str, str]:
    """The query parameters, when each is one of ``known`` and given once."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    if len(params) != len(pairs) or not params.keys() <= known:
        raise _NotMine()
    return params


def _json_object(body: bytes, *, objects_only: bool = True) -> Any:
    """The body parsed as JSON (an object unless ``objects_only`` is off), or :class:`_NotMine`
    for FastAPI to word the problem."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _NotMine() from None
    if objects_only and not isinstance(parsed, dict):
        raise _NotMine()
    return parsed


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
