"""What an evaluation returns: membership, how it was decided, and Big Segment health.

These are plain frozen values so that callers (service layer, API, CLI) can render them
without knowing the evaluator. The shape mirrors LaunchDarkly's evaluation reasons, adapted
to the question "is context C in segment S?" (docs/evaluation.md §reasons).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

ReasonKind = Literal[
    "included",
    "includedContexts",
    "excluded",
    "excludedContexts",
    "rule",
    "bigSegmentIncluded",
    "bigSegmentExcluded",
    "noMatch",
    "error",
]

#: What kind of malformed data stopped an evaluation (LD reports all of them as
#: ``MALFORMED_FLAG``; we keep the detail for operators).
Problem = Literal["attributeReference", "bucketBy", "cycle", "segmentNotFound"]


class BigSegmentsStatus(enum.StrEnum):
    """Health of the Big Segment store as seen by one evaluation (LD's names)."""

    HEALTHY = "HEALTHY"
    STALE = "STALE"
    STORE_ERROR = "STORE_ERROR"
    NOT_CONFIGURED = "NOT_CONFIGURED"

    @property
    def severity(self) -> int:
        """Rank used to keep the worst status when one evaluation makes several queries."""
        return _SEVERITY[self]


_SEVERITY = {
    BigSegmentsStatus.HEALTHY: 0,
    BigSegmentsStatus.STALE: 1,
    BigSegmentsStatus.STORE_ERROR: 2,
    BigSegmentsStatus.NOT_CONFIGURED: 3,
}


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """Why an evaluation could not decide; ``kind`` is always LD's MALFORMED class."""

    problem: Problem
    message: str
    kind: Literal["MALFORMED"] = "MALFORMED"


@dataclass(frozen=True, slots=True)
class Reason:
    """How membership was decided.

    ``context_kind`` is set for ``includedContexts``/``excludedContexts``; ``rule_index`` and
    ``rule_id`` for ``rule``; ``error`` for ``error``.
    """

    kind: ReasonKind
    context_kind: str | None = None
    rule_index: int | None = None
    rule_id: str | None = None
    error: ErrorDetail | None = None


def reason_to_json(reason: Reason) -> dict[str, str | int | None]:
    """The wire form of a reason, shared by the HTTP API and the CLI (one spelling)."""
    body: dict[str, str | int | None] = {"kind": reason.kind}
    if reason.context_kind is not None:
        body["contextKind"] = reason.context_kind
    if reason.rule_index is not None:
        body["ruleIndex"] = reason.rule_index
        body["ruleId"] = reason.rule_id
    if reason.error is not None:
        body["errorKind"] = reason.error.kind
        body["problem"] = reason.error.problem
        body["message"] = reason.error.message
    return body


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to "is this context a member of this segment?".

    ``big_segments_status`` is ``None`` unless a Big Segment was consulted (directly or
    through a nested ``segmentMatch``), as in LD's ``bigSegmentsStatus``.
    """

    is_member: bool
    reason: Reason
    big_segments_status: BigSegmentsStatus | None = None


class MalformedSegment(Exception):
    """Raised inside the evaluator for data it cannot evaluate; turned into an error Result."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.detail = ErrorDetail(problem=problem, message=message)


INCLUDED = Reason("included")
EXCLUDED = Reason("excluded")
BIG_SEGMENT_INCLUDED = Reason("bigSegmentIncluded")
BIG_SEGMENT_EXCLUDED = Reason("bigSegmentExcluded")
NO_MATCH = Reason("noMatch")
