"""Wire models of the audit log routes (for OpenAPI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link


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
