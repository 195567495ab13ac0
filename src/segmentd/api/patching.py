"""PATCH bodies: the ``Content-Type`` picks the format (docs/lifecycle.md §patching-a-segment).

* ``application/json; domain-model=launchdarkly.semanticpatch`` → semantic patch;
* any other JSON type → JSON Patch (a bare array or ``{"patch": [...], "comment"?}``) or
  the wrapped merge patch ``{"merge": {...}, "comment"?}``.

Every ``PATCH`` route reads its body with :func:`json_body` and parses it with its
resource's entry (:func:`parse_segment_patch`, :func:`parse_flag_patch`), which both go
through :func:`parse_patch`. The body is read here once, as raw bytes, so that the format
decides how it is parsed (FastAPI's body models cannot switch on a header parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import orjson
from fastapi import Request

from segmentd.domain.flags.patch import parse_flag_semantic_patch
from segmentd.domain.patch.json_patch import PatchDocument, parse_patch_document
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.errors import InvalidRequest
from segmentd.services.flags.service import FlagPatch
from segmentd.services.segments.service import SegmentPatch

S = TypeVar("S")

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


def parse_patch(
    content_type: str | None, body: object, *, semantic: Callable[[object], S]
) -> PatchDocument | S:
    """Parse a PATCH body in the format its ``Content-Type`` names; ``semantic`` reads the
    resource's semantic patch."""
    if is_semantic_patch(content_type):
        return semantic(body)
    return parse_patch_document(body)


def parse_segment_patch(
    content_type: str | None, body: object, *, environment_key: str
) -> SegmentPatch:
    """Parse a segment PATCH body; the path's environment must match the body's."""
    return parse_patch(
        content_type,
        body,
        semantic=partial(parse_semantic_patch, environment_key=environment_key),
    )


def parse_flag_patch(content_type: str | None, body: object) -> FlagPatch:
    """Parse a flag PATCH body; a semantic patch names its environment in the body."""
    return parse_patch(content_type, body, semantic=parse_flag_semantic_patch)
