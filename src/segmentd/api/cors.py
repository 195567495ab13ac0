"""CORS for the endpoints browsers call (client-side SDK polling, streaming and events).

Browsers call segmentd from the application's origin, so these paths answer preflight
``OPTIONS`` requests themselves and put ``Access-Control-Allow-Origin`` on every answer,
errors included. The allowed request headers are the ones LaunchDarkly's JavaScript SDKs
send. The REST API (``/api/…``) and the server-side SDK feed get no CORS headers.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Path prefixes of the endpoints browser SDKs use.
BROWSER_PATHS = ("/sdk/evalx/", "/eval/", "/ping/", "/events/")

ALLOWED_METHODS = b"GET, REPORT, POST, OPTIONS"
ALLOWED_HEADERS = (
    b"Accept, Accept-Encoding, Authorization, Cache-Control, Content-Type, Content-Length, "
    b"Last-Event-Id, X-LaunchDarkly-User-Agent, X-LaunchDarkly-Wrapper, "
    b"X-LaunchDarkly-Tags, X-LaunchDarkly-Payload-ID, X-LaunchDarkly-Event-Schema, "
    b"X-LaunchDarkly-Instance-Id"
)
MAX_AGE = b"300"


def _origin(scope: Scope) -> bytes | None:
    for key, value in scope["headers"]:
        if key == b"origin":
            return bytes(value)
    return None


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(BROWSER_PATHS):
            await self.app(scope, receive, send)
            return
        origin = _origin(scope) or b"*"
        allow = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        *allow,
                        (b"access-control-allow-methods", ALLOWED_METHODS),
                        (b"access-control-allow-headers", ALLOWED_HEADERS),
                        (b"access-control-max-age", MAX_AGE),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *allow]
            await send(message)

        await self.app(scope, receive, send_with_cors)
