"""JSON responses rendered with orjson (every body, errors included, is JSON)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def link(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/json"}
