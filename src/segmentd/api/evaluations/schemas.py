"""Wire models of the evaluation routes: segment memberships of a context and the
explanations of each decision (for OpenAPI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmentd.api.schemas import Link


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
