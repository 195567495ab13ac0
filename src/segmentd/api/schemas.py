"""Wire pieces every feature shares: the strict request base, links, the error body and the
hand-written documentation of PATCH bodies.

Each feature's request and response models live next to its routes, in
``api/<feature>/schemas.py``. Request models are strict: ``"true"`` is not a boolean and ``1``
is not a string. Unknown fields are ignored, as LaunchDarkly ignores them. Responses are
rendered by each feature's ``representations.py``; the response models document them in
the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RequestModel(BaseModel):
    """The base of every request body: strict types, unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Link(BaseModel):
    href: str | None = None
    type: str | None = None


class ErrorRep(BaseModel):
    """Every error answer: a machine code, a human message and the request id."""

    code: str = Field(examples=["invalid_request"])
    message: str = Field(examples=["name: Field required"])
    id: str = Field(description="Request id, also written to the server log")


#: The error answers each route documents.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRep} for status in statuses}


_OPERATION = {
    "type": "object",
    "required": ["op", "path"],
    "properties": {
        "op": {"type": "string", "enum": ["add", "remove", "replace", "move", "copy", "test"]},
        "path": {"type": "string", "example": "/name"},
        "from": {"type": "string"},
        "value": {},
    },
}

_INSTRUCTION = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"type": "string", "example": "addIncludedTargets"}},
    "additionalProperties": True,
}

#: The PATCH request body, documented by hand: FastAPI models cannot switch on Content-Type.
PATCH_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "title": "PatchWithComment",
                            "type": "object",
                            "required": ["patch"],
                            "properties": {
                                "patch": {"type": "array", "items": _OPERATION},
                                "comment": {"type": ["string", "null"]},
                            },
                        },
                        {"title": "JSON Patch", "type": "array", "items": _OPERATION},
                        {
                            "title": "Merge patch",
                            "type": "object",
                            "required": ["merge"],
                            "properties": {
                                "merge": {"type": "object"},
                                "comment": {"type": ["string", "null"]},
                            },
                        },
                    ]
                }
            },
            "application/json; domain-model=launchdarkly.semanticpatch": {
                "schema": {
                    "title": "Semantic patch",
                    "type": "object",
                    "required": ["instructions"],
                    "properties": {
                        "environmentKey": {"type": ["string", "null"]},
                        "comment": {"type": ["string", "null"]},
                        "instructions": {"type": "array", "items": _INSTRUCTION},
                    },
                }
            },
        },
    }
}

#: The PATCH body of endpoints that take JSON Patch or merge patch only (projects).
JSON_PATCH_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": PATCH_BODY_DOC["requestBody"]["content"]["application/json"]
        },
    }
}
