"""Wire models of the segment lifecycle endpoints (list, patch, expiring targets, audit log),
for OpenAPI. Responses are rendered as plain dicts; these models document them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link, UserSegment


class UserSegments(BaseModel):
    """LaunchDarkly's ``UserSegments``: one page and the number of all matches."""

    model_config = ConfigDict(populate_by_name=True)
    items: list[UserSegment]
    links: dict[str, Link] = Field(alias="_links")
    totalCount: int | None = None


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


class ResourceId(BaseModel):
    environmentKey: str | None = None
    key: str | None = None
    kind: str | None = None
    projectKey: str | None = None


class ExpiringTargetRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str = Field(alias="_id")
    version: int = Field(alias="_version")
    expirationDate: int
    contextKind: str
    contextKey: str
    targetType: str | None = None
    resourceId: ResourceId = Field(alias="_resourceId")


class ExpiringUserTargetItem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str = Field(alias="_id")
    version: int = Field(alias="_version")
    expirationDate: int
    userKey: str
    targetType: str | None = None
    resourceId: ResourceId = Field(alias="_resourceId")


class ExpiringTargetError(BaseModel):
    instructionIndex: int
    message: str


class ExpiringTargetGetResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[ExpiringTargetRep]
    links: dict[str, Link] | None = Field(default=None, alias="_links")


class ExpiringTargetPatchResponse(ExpiringTargetGetResponse):
    totalInstructions: int | None = None
    successfulInstructions: int | None = None
    failedInstructions: int | None = None
    errors: list[ExpiringTargetError] | None = None


class ExpiringUserTargetGetResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[ExpiringUserTargetItem]
    links: dict[str, Link] | None = Field(default=None, alias="_links")


class ExpiringUserTargetPatchResponse(ExpiringUserTargetGetResponse):
    totalInstructions: int | None = None
    successfulInstructions: int | None = None
    failedInstructions: int | None = None
    errors: list[ExpiringTargetError] | None = None


class ResourceAccess(BaseModel):
    action: str | None = None
    resource: str | None = None


class AuditLogEntryListingRep(BaseModel):
    """One change, in the shape of LaunchDarkly's ``AuditLogEntryListingRep`` plus
    ``changes`` (an RFC 6902 patch from before to after) and the versions."""

    model_config = ConfigDict(populate_by_name=True)
    links: dict[str, Link] = Field(alias="_links")
    id: str = Field(alias="_id")
    accountId: str = Field(alias="_accountId")
    date: int
    accesses: list[ResourceAccess]
    kind: str
    name: str
    description: str
    shortDescription: str
    comment: str | None = None
    subject: dict[str, Any] | None = None
    token: dict[str, Any] | None = None
    titleVerb: str | None = None
    title: str | None = None
    target: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    previousVersion: int | None = None
    currentVersion: int | None = None
    changes: list[dict[str, Any]]


class AuditLogEntryListingRepCollection(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[AuditLogEntryListingRep]
    links: dict[str, Link] = Field(alias="_links")
    totalCount: int | None = None


#: The PATCH body of endpoints that take JSON Patch or merge patch only (projects).
JSON_PATCH_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": PATCH_BODY_DOC["requestBody"]["content"]["application/json"]
        },
    }
}
