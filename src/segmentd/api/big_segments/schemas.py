"""Wire models of the big-segment routes: membership changes and lookups, imports and
exports (for OpenAPI; :mod:`segmentd.api.big_segments.representations` renders)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link, RequestModel


class SegmentUserList(RequestModel):
    add: list[str] | None = None
    remove: list[str] | None = None


class SegmentUserState(RequestModel):
    """``POST …/contexts`` (and legacy ``…/users``): keys to add to or remove from each list."""

    included: SegmentUserList | None = None
    excluded: SegmentUserList | None = None


class BigSegmentTarget(BaseModel):
    userKey: str = Field(description="The key asked about (named userKey on both endpoints)")
    included: bool
    excluded: bool


class FileRep(BaseModel):
    filename: str | None = None
    status: str | None = None


class ImportRep(BaseModel):
    """LaunchDarkly's ``Import``, plus ``rows``, ``keysAdded``, ``finishedTime``, ``error``."""

    model_config = ConfigDict(populate_by_name=True)
    id: str
    segmentKey: str
    creationTime: int
    mode: str = Field(examples=["merge", "replace"])
    status: str = Field(examples=["preparing", "in_progress", "complete", "stopped"])
    files: list[FileRep] | None = None
    links: dict[str, Link] = Field(alias="_links")
    rows: int | None = None
    keysAdded: int | None = None
    finishedTime: int | None = None
    error: str | None = None


class Initiator(BaseModel):
    name: str | None = None
    email: str | None = None


class ExportRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str
    segmentKey: str
    creationTime: int
    status: str
    sizeBytes: int
    size: str = Field(examples=["18 B"])
    initiator: Initiator
    links: dict[str, Link] = Field(alias="_links")
