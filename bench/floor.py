"""The floor every HTTP benchmark is compared with: a one-route Starlette JSON app.

``floor_app()`` answers ``GET /healthz`` (any path, in fact) with ``{"status": "ok"}``, with
no middleware, no dependencies and no work. Served by the same server with the same settings
as segmentd (``bench/servers.py`` ``running_floor``), it is what the server, the event loop
and the load generator cost on this machine at this moment; segmentd's figures are reported
as a ratio of it.

Run by hand: ``uvicorn --factory bench.floor:floor_app --loop uvloop --http httptools``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def _ok(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def floor_app() -> Starlette:
    return Starlette(routes=[Route("/healthz", _ok), Route("/{path:path}", _ok)])
