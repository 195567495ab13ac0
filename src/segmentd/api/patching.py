"""PATCH bodies: the ``Content-Type`` picks the format (docs/lifecycle.md §patching-a-segment).

* ``application/json; domain-model=launchdarkly.semanticpatch`` → semantic patch;
* any other JSON type → JSON Patch (a bare array or ``{"patch": [...], "comment"?}``) or
  the wrapped merge patch ``{"merge": {...}, "comment"?}``.

The body is read here once, as raw bytes, so that the format decides how it is parsed
(FastAPI's body models cannot switch on a header parameter).
"""

from __future__ import annotations

import orjson
from fastapi import Request

from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.errors import InvalidRequest
from segmentd.services.segments.service import SegmentPatch

SEMANTIC_PATCH = "launchdarkly.semanticpatch"


def is_semantic_patch(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` carries ``domain-model=launchdarkly.semanticpatch``."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "domain-model" and value.strip().strip('"') == SEMANTIC_PATCH:
            return True
    return False


async def json_body(request: Request) -> object:
    """The request body as JSON; an empty or malformed body is a 400."""
    raw = await request.body()
    if not raw.strip():
        raise InvalidRequest("A JSON body is required")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest("Malformed JSON body") from None


def parse_segment_patch(
    content_type: str | None, body: object, *, environment_key: str
) -> SegmentPatch:
    """Parse a segment PATCH body in the format its ``Content-Type`` names."""
    if is_semantic_patch(content_type):
        return parse_semantic_patch(body, environment_key=environment_key)
    return parse_patch_document(body)
