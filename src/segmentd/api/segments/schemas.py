"""Wire models of the segment routes: ``SegmentBody`` in, ``UserSegment`` and
``UserSegments`` out (for OpenAPI; :mod:`segmentd.api.segments.representations` renders)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link, RequestModel


class SegmentBody(RequestModel):
    """LaunchDarkly's ``SegmentBody``. Targeting fields sent here are ignored."""

    name: str = Field(description="A human-friendly name for the segment")
    key: str = Field(description="A unique key used to reference the segment")
    description: str | None = Field(default=None, description="The segment's purpose")
    tags: list[str] | None = Field(default=None, description="Tags for the segment")
    unbounded: bool | None = Field(
        default=None, description="true creates a big segment (more than 15,000 targets)"
    )
    unboundedContextKind: str | None = Field(
        default=None, description="For big segments, the targeted context kind"
    )


class SegmentTarget(BaseModel):
    contextKind: str | None = None
    values: list[str] | None = None


class ClauseRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str | None = Field(default=None, alias="_id")
    contextKind: str | None = None
    attribute: str
    op: str
    values: list[Any]
    negate: bool


class UserSegmentRule(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str | None = Field(default=None, alias="_id")
    clauses: list[ClauseRep]
    weight: int | None = None
    bucketBy: str | None = None
    rolloutContextKind: str | None = None
    description: str | None = None


class UserSegment(BaseModel):
    """LaunchDarkly's ``UserSegment`` representation."""

    model_config = ConfigDict(populate_by_name=True)
    name: str
    description: str | None = None
    tags: list[str]
    creationDate: int
    lastModifiedDate: int
    key: str
    included: list[str] | None = None
    excluded: list[str] | None = None
    includedContexts: list[SegmentTarget] | None = None
    excludedContexts: list[SegmentTarget] | None = None
    links: dict[str, Link] = Field(alias="_links")
    rules: list[UserSegmentRule]
    version: int
    deleted: bool
    access: dict[str, Any] | None = Field(default=None, alias="_access")
    flags: list[dict[str, Any]] | None = Field(default=None, alias="_flags")
    unbounded: bool | None = None
    unboundedContextKind: str | None = None
    generation: int
    unboundedMetadata: SegmentMetadata | None = Field(default=None, alias="_unboundedMetadata")
    importInProgress: bool | None = Field(default=None, alias="_importInProgress")


class SegmentMetadata(BaseModel):
    envId: str | None = None
    segmentId: str | None = None
    version: int | None = None
    includedCount: int | None = None
    excludedCount: int | None = None
    lastModified: int | None = None
    deleted: bool | None = None


class UserSegments(BaseModel):
    """LaunchDarkly's ``UserSegments``: one page and the number of all matches."""

    model_config = ConfigDict(populate_by_name=True)
    items: list[UserSegment]
    links: dict[str, Link] = Field(alias="_links")
    totalCount: int | None = None
