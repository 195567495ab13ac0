"""One translation of every failure into LaunchDarkly's error body ``{"code","message","id"}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from segmentd.api.responses import JsonResponse
from segmentd.errors import (
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    ServiceError,
)

log = logging.getLogger("segmentd.api")


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    error: ServiceError, rid: str, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(
        {"code": error.code, "message": error.message, "id": rid},
        status_code=error.status,
        headers=dict(headers or {}),
    )


def service_error_response(exc: ServiceError, rid: str) -> JsonResponse:
    """The answer to a :class:`ServiceError` (logged with the request id)."""
    if exc.status >= 500:
        log.error("request %s failed: %s", rid, exc.message)
    else:
        log.info("request %s refused: %s %s", rid, exc.code, exc.message)
    return error_response(exc, rid, getattr(exc, "headers", None))


def unexpected_error_response(exc: BaseException, rid: str) -> JsonResponse:
    """The 500 for a bug: logged with its traceback, answered in the error shape."""
    log.exception("request %s failed unexpectedly", rid, exc_info=exc)
    return error_response(ServiceError(), rid)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on the request's path (RFC 9110's ``Allow``).

    FastAPI makes one route per method, so Starlette's own 405 names only the first route
    that matched the path; this asks the router about each method instead.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


def _validation_message(errors: list[Any]) -> str:
    """``field.sub: problem`` for the first few problems pydantic found in a body."""
    parts = []
    for error in errors[:5]:
        kind = error.get("type", "")
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]  # name the field itself: "offset: …", not "query.offset: …"
        if kind == "json_invalid":
            return "Malformed JSON body"
        if kind == "missing" and not loc:
            return "A JSON body is required"
        if kind in ("model_attributes_type", "dict_type") and not loc:
            return "The request body must be a JSON object"
        where = ".".join(loc) or "body"
        parts.append(f"{where}: {error.get('msg', 'is invalid')}")
    return "; ".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``; every error path ends here."""

    async def on_service_error(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, ServiceError)
        return service_error_response(exc, request_id(request))

    async def on_validation_error(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, RequestValidationError)
        error = InvalidRequest(_validation_message(list(exc.errors())))
        return await on_service_error(request, error)

    async def on_http_error(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, HTTPException)
        error: ServiceError
        if isinstance(exc.__cause__, ServiceError):
            # FastAPI wraps failures while reading the body (e.g. our 413) in a 400.
            error = exc.__cause__
        elif exc.status_code == 404:
            error = NotFound()
        elif exc.status_code == 405:
            allow = {"Allow": ", ".join(allowed_methods(request))}
            return error_response(MethodNotAllowed(), request_id(request), allow)
        else:
            error = InvalidRequest(str(exc.detail))
        return await on_service_error(request, error)

    async def on_unexpected(request: Request, exc: Exception) -> JsonResponse:
        return unexpected_error_response(exc, request_id(request))

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
