"""Full flag evaluation: which variation a context gets from one environment's flag.

For the client-side and mobile SDKs, which cannot evaluate themselves: segmentd evaluates
for them, in LaunchDarkly's order (evaluation.md; the server-side SDKs' evaluator):
off → individual targets → rules (clauses ANDed; ``segmentMatch`` goes through the segment
evaluator, Big Segments included) → fallthrough. A rollout buckets by the flag's key and
salt. Prerequisites are not part of segmentd's flag model, so there are none to check.

Pure: flags and segments come in as arguments, Big Segment membership through the same
:class:`BigSegmentMembership` the segment evaluator uses. Malformed data never raises; it
yields LaunchDarkly's ``ERROR``/``MALFORMED_FLAG`` reason and no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from segmentd.domain.flags.model import Flag, FlagConfig, Rollout, VariationOrRollout
from segmentd.domain.shared.attribute_ref import AttributeRef, parse_attribute_ref
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.context import Context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.bucketing import WEIGHT_SCALE, bucket, bucketable_value
from segmentd.evaluation.clauses import clause_matches
from segmentd.evaluation.preprocess import PreparedClause, prepare_clause
from segmentd.evaluation.reasons import BigSegmentsStatus, MalformedSegment
from segmentd.evaluation.segments import BigSegmentMembership, Scope, SegmentProvider

FlagReasonKind = Literal["OFF", "TARGET_MATCH", "RULE_MATCH", "FALLTHROUGH", "ERROR"]


@dataclass(frozen=True, slots=True)
class FlagReason:
    """LaunchDarkly's evaluation reason (``kind`` and the fields that go with it)."""

    kind: FlagReasonKind
    rule_index: int | None = None
    rule_id: str | None = None
    error_kind: str | None = None
    big_segments_status: BigSegmentsStatus | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """The wire form SDKs parse (``{"kind": "RULE_MATCH", "ruleIndex": 0, ...}``)."""
        body: dict[str, JsonValue] = {"kind": self.kind}
        if self.rule_index is not None:
            body["ruleIndex"] = self.rule_index
            if self.rule_id is not None:
                body["ruleId"] = self.rule_id
        if self.error_kind is not None:
            body["errorKind"] = self.error_kind
        if self.big_segments_status is not None:
            body["bigSegmentsStatus"] = str(self.big_segments_status)
        return body


@dataclass(frozen=True, slots=True)
class FlagResult:
    """The value served, its variation index (``None`` with no value) and why."""

    value: JsonValue
    variation: int | None
    reason: FlagReason


@dataclass(frozen=True, slots=True)
class PreparedFlagRule:
    index: int
    id: str | None
    clauses: tuple[PreparedClause, ...]
    serve: VariationOrRollout


@dataclass(frozen=True, slots=True)
class PreparedFlag:
    """One environment's configuration of a flag, prepared for evaluation."""

    flag: Flag
    config: FlagConfig
    #: ``(context kind, keys, variation)`` in the stored order.
    targets: tuple[tuple[str, frozenset[str], int], ...]
    rules: tuple[PreparedFlagRule, ...]

    @property
    def key(self) -> str:
        return self.flag.key


def prepare_flag(flag: Flag, config: FlagConfig) -> PreparedFlag:
    """Parse clauses and hash target lists once per configuration version."""
    return PreparedFlag(
        flag=flag,
        config=config,
        # User targets come first, as in the SDK form (flag_to_sdk_json), then other kinds.
        targets=tuple(
            (t.context_kind or DEFAULT_KIND, frozenset(t.values), t.variation)
            for t in sorted(config.targets, key=lambda t: t.context_kind != DEFAULT_KIND)
        ),
        rules=tuple(
            PreparedFlagRule(i, r.id, tuple(prepare_clause(c) for c in r.clauses), r.serve)
            for i, r in enumerate(config.rules)
        ),
    )


_MALFORMED = FlagResult(None, None, FlagReason("ERROR", error_kind="MALFORMED_FLAG"))


def evaluate_flag(
    flag: PreparedFlag,
    context: Context,
    segments: SegmentProvider,
    *,
    big_segments: BigSegmentMembership | None = None,
) -> FlagResult:
    """The variation of ``flag`` for ``context``, as LaunchDarkly's SDKs compute it.

    Why: client-side and mobile SDKs receive evaluated flags, so the server must give the
    answer a server-side SDK would. Promise: never raises; malformed data (a segment cycle, a
    bad attribute reference, a bad ``bucketBy``) gives ``ERROR``/``MALFORMED_FLAG``.
    ``bigSegmentsStatus`` is on the reason when a Big Segment was consulted.
    """
    config = flag.config
    if not config.on:
        return _variation(flag, config.off_variation, FlagReason("OFF"))
    targeted = _target_match(flag, context)
    if targeted is not None:
        return _variation(flag, targeted, FlagReason("TARGET_MATCH"))
    scope = Scope(context, segments, big_segments)
    try:
        for rule in flag.rules:
            if all(clause_matches(c, context, scope) for c in rule.clauses):
                reason = FlagReason("RULE_MATCH", rule_index=rule.index, rule_id=rule.id)
                return _serve(flag, rule.serve, context, reason, scope)
        return _serve(flag, config.fallthrough, context, FlagReason("FALLTHROUGH"), scope)
    except MalformedSegment:
        return _MALFORMED


def _with_status(reason: FlagReason, scope: Scope) -> FlagReason:
    status = scope.big_segments_status
    if status is None:
        return reason
    return FlagReason(reason.kind, reason.rule_index, reason.rule_id, None, status)


def _variation(flag: PreparedFlag, index: int | None, reason: FlagReason) -> FlagResult:
    if index is None:
        return FlagResult(None, None, reason)
    variations = flag.flag.variations
    if not 0 <= index < len(variations):
        return _MALFORMED
    return FlagResult(variations[index].value, index, reason)


def _target_match(flag: PreparedFlag, context: Context) -> int | None:
    """Individual targets, user targets first as LaunchDarkly orders them."""
    for kind, keys, variation in flag.targets:
        member = context.individual(kind)
        if member is not None and member.key in keys:
            return variation
    return None


def _serve(
    flag: PreparedFlag,
    serve: VariationOrRollout,
    context: Context,
    reason: FlagReason,
    scope: Scope,
) -> FlagResult:
    index = serve.variation
    if serve.rollout is not None:
        index = _rollout_variation(flag, serve.rollout, context)
    return _variation(flag, index, _with_status(reason, scope))


def _bucket_ref(rollout: Rollout) -> AttributeRef | None:
    if not rollout.bucket_by:
        return None
    return parse_attribute_ref(rollout.bucket_by, context_kind=rollout.context_kind)


def _rollout_variation(flag: PreparedFlag, rollout: Rollout, context: Context) -> int | None:
    """The weighted variation the context's bucket falls in.

    A context without the rollout's kind gets bucket -1, the first variation (the Python
    SDK's rule); an absent or unbucketable value is bucket 0.
    """
    if not rollout.variations:
        return None
    member = context.individual(rollout.context_kind or DEFAULT_KIND)
    value = -1.0
    if member is not None:
        ref = _bucket_ref(rollout)
        if ref is not None and ref.error is not None:
            raise MalformedSegment("bucketBy", f"rollout bucketBy {ref.raw!r}: {ref.error}")
        text = member.key if ref is None else bucketable_value(member.resolve(ref))
        value = 0.0 if text is None else bucket(flag.key, flag.config.salt, text)
    total = 0.0
    for weighted in rollout.variations:
        total += weighted.weight / WEIGHT_SCALE
        if value < total:
            return weighted.variation
    return rollout.variations[-1].variation
