"""The wire contract: request bodies (validated strictly) and response shapes (for OpenAPI).

Request models are strict: ``"true"`` is not a boolean and ``1`` is not a string. Unknown
fields are ignored, as LaunchDarkly ignores them. Responses are rendered by
:mod:`segmentd.api.segments.representations`; the models here document them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class SegmentBody(_Request):
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


class EnvironmentPost(_Request):
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


class DefaultClientSideAvailabilityPost(_Request):
    usingEnvironmentId: bool
    usingMobileKey: bool


class ProjectPost(_Request):
    name: str
    key: str
    includeInSnippetByDefault: bool | None = None
    defaultClientSideAvailability: DefaultClientSideAvailabilityPost | None = None
    tags: list[str] | None = None
    environments: list[EnvironmentPost] | None = None


class AccessTokenPost(_Request):
    name: str | None = None
    description: str | None = None
    role: str | None = Field(default=None, description="reader, writer or admin")


class Link(BaseModel):
    href: str | None = None
    type: str | None = None


class ErrorRep(BaseModel):
    """Every error answer: a machine code, a human message and the request id."""

    code: str = Field(examples=["invalid_request"])
    message: str = Field(examples=["name: Field required"])
    id: str = Field(description="Request id, also written to the server log")


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


class SegmentUserList(_Request):
    add: list[str] | None = None
    remove: list[str] | None = None


class SegmentUserState(_Request):
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


class ContextInstanceSegmentMembership(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    name: str
    key: str
    description: str
    unbounded: bool
    external: str
    isMember: bool
    isIndividuallyTargeted: bool
    isRuleTargeted: bool
    links: dict[str, Link] = Field(alias="_links")
    reason: dict[str, Any] | None = Field(
        default=None, description="How membership was decided (segmentd extension)"
    )


class ContextInstanceSegmentMemberships(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[ContextInstanceSegmentMembership]
    links: dict[str, Link] = Field(alias="_links")


class ClauseExplanationRep(BaseModel):
    index: int
    contextKind: str
    attribute: str
    op: str
    negate: bool
    matched: bool
    contextValue: Any = Field(description="The context value tested; null when absent")
    error: str | None = None


class RuleExplanationRep(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    index: int
    id: str | None = Field(default=None, alias="_id")
    matched: bool
    clauses: list[ClauseExplanationRep]
    weight: int | None = None
    bucket: float | None = Field(default=None, description="The context's rollout bucket")
    error: str | None = None


class ReasonRep(BaseModel):
    kind: str = Field(
        description="included, includedContexts, excluded, excludedContexts, rule, "
        "bigSegmentIncluded, bigSegmentExcluded, noMatch or error"
    )
    contextKind: str | None = None
    ruleIndex: int | None = None
    ruleId: str | None = None
    errorKind: str | None = None
    problem: str | None = None
    message: str | None = None


class SegmentExplanation(BaseModel):
    context: dict[str, str] = Field(description="kind and fully-qualified key")
    isMember: bool
    reason: ReasonRep
    bigSegmentsStatus: str | None = None
    rules: list[RuleExplanationRep]


class SegmentExplanations(BaseModel):
    items: list[SegmentExplanation]


#: The error answers each route documents.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRep} for status in statuses}
