"""``/`` (the console page), its static assets, and sign-in/sign-out of a console session."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.console.session import (
    COOKIE,
    SIGN_IN_PATH,
    cookie_from_header,
    csrf_of,
    new_cookie_value,
    token_of,
)
from segmentd.api.responses import JsonResponse
from segmentd.domain.projects.model import AccessToken
from segmentd.errors import Unauthorized

STATIC = files("segmentd.api.console") / "static"
#: Scripts only from segmentd itself; no inline script, no framing by other sites.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)
Services = Annotated[AppServices, Depends(deps.services)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)


def install(app: FastAPI) -> None:
    """Add the console's routes, and its scripts and styles (package data) at
    ``/console/static``."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=str(STATIC)))


@router.get("/")
def console_page() -> Response:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _session_body(token: AccessToken, cookie_value: str) -> dict[str, str]:
    return {"name": token.name, "role": token.role.value, "csrf": csrf_of(cookie_value)}


@router.get("/console/session")
async def current_session(request: Request, services: Services) -> JsonResponse:
    """Who is signed in, and the CSRF token the page sends with every change."""
    value = cookie_from_header(request.headers.get("cookie"))
    if value is None or token_of(value) is None:
        raise Unauthorized("Not signed in")
    token = await run_in_threadpool(services.access.authenticate, token_of(value))
    return JsonResponse(_session_body(token, value), headers={"Cache-Control": "no-store"})


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request, body: SignIn, services: Services) -> JsonResponse:
    """Check the token and keep it in the session cookie (never in the page)."""
    token = await run_in_threadpool(services.access.authenticate, body.token)
    value = new_cookie_value(body.token.strip())
    response = JsonResponse(_session_body(token, value), headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.delete(SIGN_IN_PATH, status_code=204)
def sign_out(request: Request) -> Response:
    """Forget the session (the CSRF guard has already checked the request)."""
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
    return response
