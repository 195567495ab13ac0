"""Wire models of the expiring-targets routes, in their context and legacy user forms
(for OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link


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
