"""JSON responses rendered with orjson (every body, errors included, is JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.responses import Response

API = "/api/v2"


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def link(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/json"}


def page_links(
    path: str,
    *,
    limit: int,
    offset: int,
    total: int,
    params: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """``self``, ``first``, ``prev``, ``next`` and ``last`` links of one page; links to pages
    that do not exist are left out. ``params`` (such as ``filter`` and ``sort``) are kept in
    every link, so following ``next`` continues the same listing."""
    kept = {k: v for k, v in (params or {}).items() if v is not None}

    def at(start: int) -> dict[str, str]:
        query = urlencode({**kept, "limit": limit, "offset": start}, quote_via=quote)
        return link(f"{path}?{query}")

    links: dict[str, Any] = {"self": at(offset)}
    if offset > 0:
        links["first"] = at(0)
        links["prev"] = at(max(offset - limit, 0))
    if offset + limit < total:
        links["next"] = at(offset + limit)
        links["last"] = at(((total - 1) // limit) * limit)
    return links
