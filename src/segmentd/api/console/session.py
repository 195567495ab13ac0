"""Console sessions: the access token in a cookie, and the CSRF token that goes with it.

The cookie holds ``<nonce>.<access token>``; it is HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it) and scoped to ``/``. Every state-changing
request that authenticates with the cookie must carry ``X-CSRF-Token``: an HMAC of the nonce
keyed with the token, so it is different for every sign-in, needs no server-side state (any
worker checks it) and cannot be computed by a page that cannot read the cookie.
:class:`SessionGuard` refuses a request without it (403) before anything else looks at the body,
so a forged HTML form never reaches a route. A request it lets through goes on with the
session's token as its ``Authorization`` header, so every route (the fast lane included)
authenticates a console request exactly like any other client's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from http.cookies import SimpleCookie

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "segmentd_session"
CSRF_HEADER = "x-csrf-token"
SIGN_IN_PATH = "/console/session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

log = logging.getLogger("segmentd.console")


def new_cookie_value(token: str) -> str:
    """A fresh session value for ``token`` (a new nonce, so a new CSRF token)."""
    return f"{secrets.token_urlsafe(18)}.{token}"


def token_of(cookie_value: str | None) -> str | None:
    """The access token inside a session cookie value, or ``None``."""
    if not cookie_value or "." not in cookie_value:
        return None
    token = cookie_value.split(".", 1)[1]
    return token if token and token.isascii() else None


def csrf_of(cookie_value: str) -> str:
    """The CSRF token that belongs to a session cookie value."""
    nonce, _, token = cookie_value.partition(".")
    return hmac.new(token.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def csrf_matches(cookie_value: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_of(cookie_value), presented)


def cookie_from_header(header: str | None) -> str | None:
    """The session cookie's value in a ``Cookie`` header."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is the same as no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SessionGuard:
    """Refuses, with 403 and LaunchDarkly's error body, a state-changing request that
    authenticates with the session cookie but lacks the session's CSRF token; passes every
    other cookie request on with the session's token as its ``Authorization`` header.

    Requests with an ``Authorization`` header are API clients and pass untouched (the cookie
    is then ignored), and so does the sign-in request, which replaces the session.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _header(scope, b"authorization"):
            await self.app(scope, receive, send)
            return
        session = cookie_from_header(_header(scope, b"cookie"))
        token = token_of(session)
        if session is None or token is None:
            await self.app(scope, receive, send)
            return
        sign_in = scope["method"] == "POST" and scope["path"] == SIGN_IN_PATH
        unsafe = scope["method"] in UNSAFE_METHODS and not sign_in
        if unsafe and not csrf_matches(session, _header(scope, CSRF_HEADER.encode())):
            await self._forbid(scope, send)
            return
        if not sign_in:
            headers = [*scope["headers"], (b"authorization", token.encode("latin-1"))]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)

    @staticmethod
    async def _forbid(scope: Scope, send: Send) -> None:
        rid = uuid.uuid4().hex
        log.warning("%s %s 403 csrf id=%s", scope["method"], scope["path"], rid)
        payload = orjson.dumps(
            {
                "code": "forbidden",
                "message": "Missing or wrong CSRF token: reload the console and try again",
                "id": rid,
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-request-id", rid.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
