"""Small builders for segments, rules, clauses and contexts (after LD's ``ldbuilders``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.context import Context, SingleContext
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.evaluator import (
    BigSegmentsStatus,
    MembershipQuery,
    Result,
    StaticSegments,
    evaluate,
)


def clause(
    attribute: str,
    op: str,
    *values: JsonValue,
    negate: bool = False,
    context_kind: str | None = None,
) -> Clause:
    return Clause(attribute, op, tuple(values), negate=negate, context_kind=context_kind)


def segment_match(*keys: JsonValue, negate: bool = False) -> Clause:
    return Clause("", "segmentMatch", tuple(keys), negate=negate)


def rule(
    *clauses: Clause,
    weight: int | None = None,
    bucket_by: str | None = None,
    rollout_context_kind: str | None = None,
    id: str | None = None,
) -> SegmentRule:
    return SegmentRule(
        clauses=clauses,
        weight=weight,
        bucket_by=bucket_by,
        rollout_context_kind=rollout_context_kind,
        id=id,
    )


def _targets(targets: Mapping[str, Sequence[str]]) -> tuple[SegmentTarget, ...]:
    return tuple(SegmentTarget(kind, tuple(keys)) for kind, keys in targets.items())


def segment(
    key: str = "seg",
    *,
    included: Sequence[str] = (),
    excluded: Sequence[str] = (),
    included_contexts: Mapping[str, Sequence[str]] | None = None,
    excluded_contexts: Mapping[str, Sequence[str]] | None = None,
    rules: Sequence[SegmentRule] = (),
    salt: str = "salty",
    version: int = 1,
    unbounded: bool = False,
    unbounded_context_kind: str | None = None,
    generation: int | None = None,
    deleted: bool = False,
) -> Segment:
    return Segment(
        key=key,
        name=key,
        creation_date=0,
        last_modified_date=0,
        version=version,
        salt=salt,
        included=tuple(included),
        excluded=tuple(excluded),
        included_contexts=_targets(included_contexts or {}),
        excluded_contexts=_targets(excluded_contexts or {}),
        rules=tuple(rules),
        unbounded=unbounded,
        unbounded_context_kind=unbounded_context_kind,
        generation=generation,
        deleted=deleted,
    )


def single(kind: str, key: str, name: str | None = None, **attributes: JsonValue) -> SingleContext:
    return SingleContext(kind=kind, key=key, name=name, attributes=attributes)


def user(key: str, name: str | None = None, **attributes: JsonValue) -> Context:
    return Context.single(single("user", key, name, **attributes))


def context(kind: str, key: str, name: str | None = None, **attributes: JsonValue) -> Context:
    return Context.single(single(kind, key, name, **attributes))


def multi(*members: SingleContext) -> Context:
    return Context(members, is_multi=True)


@dataclass
class FakeBigSegments:
    """A Big Segment store double: memberships by context key, a status, optional failure."""

    memberships: dict[str, dict[str, bool]] = field(default_factory=dict)
    status: BigSegmentsStatus = BigSegmentsStatus.HEALTHY
    fail: bool = False
    queries: list[str] = field(default_factory=list)

    def get_membership(self, context_key: str) -> MembershipQuery:
        self.queries.append(context_key)
        if self.fail:
            raise OSError("store down")
        return MembershipQuery(self.memberships.get(context_key), self.status)


def check(
    target: Segment,
    ctx: Context,
    *others: Segment,
    big_segments: FakeBigSegments | None = None,
) -> Result:
    """Evaluate ``target`` (with ``others`` available to segmentMatch) for ``ctx``."""
    provider = StaticSegments([target, *others])
    return evaluate(target.key, ctx, provider, big_segments=big_segments)
