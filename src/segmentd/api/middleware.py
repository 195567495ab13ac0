"""Pure ASGI middleware: request ids, one log line per request, method override, and the
checks every body goes through before a route sees it (size, content type)."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmentd.errors import PayloadTooLarge, ServiceError, UnsupportedMediaType

log = logging.getLogger("segmentd.access")

OVERRIDABLE = {"PATCH", "DELETE", "PUT"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class EdgeMiddleware:
    """Outermost layer of the app.

    * gives each request an id (``X-Request-Id``) that error bodies and the log line share;
    * lets ``POST`` carry ``X-HTTP-Method-Override: PATCH|DELETE|PUT`` as LaunchDarkly allows;
    * answers 413 for a body over the limit (uploads to ``…/imports`` have their own, larger
      limit) and 415 for a body that is neither JSON nor, on uploads, multipart;
    * logs ``method path status duration id``.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        override = _header(scope, b"x-http-method-override")
        if scope["method"] == "POST" and override and override.upper() in OVERRIDABLE:
            scope["method"] = override.upper()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                quota = state.get("quota_headers")
                if quota:
                    headers.extend((k.lower().encode(), v.encode()) for k, v in quota.items())
                message["headers"] = headers
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await self._reject(refusal, rid, send_wrapper)
            else:
                limit = self._limit(scope)
                await self.app(scope, self._limited(receive, limit), send_wrapper)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %.1fms id=%s",
                scope["method"],
                scope["path"],
                status["code"],
                elapsed,
                rid,
            )

    def _limit(self, scope: Scope) -> int:
        path = scope["path"].rstrip("/")
        # SDK event batches (POST /bulk, /diagnostic) may be larger than a REST body.
        is_upload = (
            path.endswith("/imports")
            or path in ("/bulk", "/diagnostic")
            or path.startswith(("/events/", "/mobile"))
        )
        return self.max_upload_bytes if is_upload else self.max_body_bytes

    def _refusal(self, scope: Scope) -> ServiceError | None:
        if scope["method"] not in BODY_METHODS:
            return None
        length = _header(scope, b"content-length")
        has_body = (length is not None and length.strip() not in ("", "0")) or (
            _header(scope, b"transfer-encoding") is not None
        )
        if length is not None and length.strip().isdigit() and int(length) > self._limit(scope):
            return PayloadTooLarge(f"Request body larger than {self._limit(scope)} bytes")
        content_type = _header(scope, b"content-type") or ""
        if not has_body or not scope["path"].startswith("/api/"):
            return None
        if _is_json(content_type):
            return None
        if content_type.lower().startswith("multipart/form-data") and scope["path"].rstrip(
            "/"
        ).endswith("/imports"):
            return None
        return UnsupportedMediaType(
            f"Unsupported content type {content_type or '(none)'!r}: send application/json"
        )

    def _limited(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # A ServiceError, so the app's handler answers 413 (not a 500).
                    raise PayloadTooLarge(f"Request body larger than {limit} bytes")
            return message

        return wrapped

    @staticmethod
    async def _reject(error: ServiceError, rid: str, send: Send) -> None:
        body: dict[str, Any] = {"code": error.code, "message": error.message, "id": rid}
        payload = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": error.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
