"""Wire models of the project, environment and access-token routes (for OpenAPI;
:mod:`segmentd.api.projects.representations` renders)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link, RequestModel


class EnvironmentPost(RequestModel):
    name: str
    key: str
    color: str
    defaultTtl: int | None = None
    secureMode: bool | None = None
    defaultTrackEvents: bool | None = None
    confirmChanges: bool | None = None
    requireComments: bool | None = None
    tags: list[str] | None = None
    critical: bool | None = None


class DefaultClientSideAvailabilityPost(RequestModel):
    usingEnvironmentId: bool
    usingMobileKey: bool


class ProjectPost(RequestModel):
    name: str
    key: str
    includeInSnippetByDefault: bool | None = None
    defaultClientSideAvailability: DefaultClientSideAvailabilityPost | None = None
    tags: list[str] | None = None
    environments: list[EnvironmentPost] | None = None


class AccessTokenPost(RequestModel):
    name: str | None = None
    description: str | None = None
    role: str | None = Field(default=None, description="reader, writer or admin")


class EnvironmentRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    links: dict[str, Link] = Field(alias="_links")
    id: str = Field(alias="_id")
    key: str
    name: str
    apiKey: str
    mobileKey: str
    color: str
    defaultTtl: int
    secureMode: bool
    defaultTrackEvents: bool
    requireComments: bool
    confirmChanges: bool
    tags: list[str]
    critical: bool
    approvalSettings: dict[str, Any] | None = None


class Environments(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    links: dict[str, Link] | None = Field(default=None, alias="_links")
    totalCount: int | None = None
    items: list[EnvironmentRep]


class ProjectRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    links: dict[str, Link] = Field(alias="_links")
    id: str = Field(alias="_id")
    key: str
    name: str
    includeInSnippetByDefault: bool
    defaultClientSideAvailability: dict[str, bool] | None = None
    tags: list[str]
    environments: list[EnvironmentRep] | Environments | None = None


class Projects(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    links: dict[str, Link] = Field(alias="_links")
    items: list[ProjectRep]
    totalCount: int | None = None


class TokenRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str = Field(alias="_id")
    ownerId: str
    memberId: str
    name: str | None = None
    description: str | None = None
    creationDate: int
    lastModified: int
    role: str | None = None
    token: str | None = Field(default=None, description="Full value only at creation")
    serviceToken: bool | None = None
    links: dict[str, Link] = Field(alias="_links")


class Tokens(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[TokenRep]
    links: dict[str, Link] | None = Field(default=None, alias="_links")
    totalCount: int | None = None
