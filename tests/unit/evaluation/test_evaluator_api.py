"""The evaluator's public surface, the prepared-segment cache and agreement properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation import evaluator
from segmentd.evaluation.evaluator import (
    BigSegmentsStatus,
    PreparedCache,
    StaticSegments,
    explain,
    prepare_segment,
)
from segmentd.evaluation.operators import operator_matches
from segmentd.evaluation.preprocess import build_value_test
from tests.builders import (
    FakeBigSegments,
    check,
    clause,
    multi,
    rule,
    segment,
    segment_match,
    single,
    user,
)
from tests.strategies import OPS, PATTERNS, attribute_values, scalars


def test_evaluator__all__pinned():
    assert sorted(evaluator.__all__) == [
        "BigSegmentMembership",
        "BigSegmentsStatus",
        "ClauseExplanation",
        "ErrorDetail",
        "Explanation",
        "MembershipQuery",
        "PreparedCache",
        "PreparedSegment",
        "Reason",
        "Result",
        "RuleExplanation",
        "SegmentBatch",
        "SegmentProvider",
        "StaticSegments",
        "evaluate",
        "evaluate_many",
        "explain",
        "hashed_context_key",
        "prepare_segment",
        "reason_to_json",
    ]


def test_prepared_cache__same_version__prepared_once():
    cache = PreparedCache()
    first = cache.get(segment(version=1))
    assert cache.get(segment(version=1)) is first
    assert cache.get(segment(version=2)) is not first
    assert len(cache) == 2


def test_prepared_cache__over_capacity__oldest_dropped():
    cache = PreparedCache(max_entries=2)
    oldest = cache.get(segment("a"))
    cache.get(segment("b"))
    cache.get(segment("c"))
    assert len(cache) == 2
    assert cache.get(segment("a")) is not oldest


def test_big_segment__two_kinds_two_keys__one_query_each_worst_status_kept():
    by_user = segment("u-big", unbounded=True, generation=1)
    by_org = segment("o-big", unbounded=True, generation=1, unbounded_context_kind="org")
    top = segment("top", rules=[rule(segment_match("u-big")), rule(segment_match("o-big"))])
    store = FakeBigSegments({"x": {"o-big.g1": True}}, status=BigSegmentsStatus.STALE)
    result = check(
        top, multi(single("user", "u"), single("org", "x")), by_user, by_org, big_segments=store
    )
    assert result.is_member is True
    assert store.queries == ["u", "x"]
    assert result.big_segments_status == BigSegmentsStatus.STALE


def test_big_segment__healthy_after_not_configured__not_configured_kept():
    no_generation = segment("a", unbounded=True)
    healthy = segment("b", unbounded=True, generation=1)
    top = segment("top", rules=[rule(segment_match("a", "b"))])
    result = check(top, user("u"), no_generation, healthy, big_segments=FakeBigSegments())
    assert result.big_segments_status == BigSegmentsStatus.NOT_CONFIGURED


def test_explain__bad_bucket_by_and_missing_kind__reported():
    seg = segment(
        rules=[
            rule(weight=1, bucket_by="/", rollout_context_kind="user"),
            rule(clause("x", "in", "a", context_kind="org")),
            rule(segment_match("other")),
        ]
    )
    other = segment("other", included=["u"])
    explanation = explain(prepare_segment(seg), user("u"), StaticSegments([seg, other]))
    bad, missing, nested = explanation.rules
    assert nested.matched is True
    assert nested.clauses[0].context_value is None
    assert bad.error is not None
    assert bad.matched is False
    assert missing.clauses[0].context_value is None
    assert missing.matched is False


@given(
    st.sampled_from(OPS),
    attribute_values,
    st.lists(st.one_of(scalars, st.sampled_from(PATTERNS), attribute_values), max_size=3),
)
def test_build_value_test__any_op_and_values__agrees_with_reference(
    op: str, ctx: JsonValue, values: list[JsonValue]
) -> None:
    expected = any(operator_matches(op, ctx, cv) for cv in values)
    assert build_value_test(op, values)(ctx) is expected


@given(st.text(max_size=20), st.text(max_size=20))
def test_build_value_test__arbitrary_strings__agrees_with_reference(ctx: str, cv: str) -> None:
    for op in OPS:
        assert build_value_test(op, [cv])(ctx) is operator_matches(op, ctx, cv)


def test_evaluate_many__shared_clauses__same_answers_and_types_kept_apart():
    segments = [
        segment("bool-true", rules=[rule(clause("flag", "in", True))]),
        segment("number-one", rules=[rule(clause("flag", "in", 1))]),
        segment("bool-true-again", rules=[rule(clause("flag", "in", True))]),
        segment("negated", rules=[rule(clause("flag", "in", True, negate=True))]),
        segment("other-kind", rules=[rule(clause("flag", "in", True, context_kind="org"))]),
    ]
    provider = evaluator.StaticSegments(segments)
    prepared = [provider.get_segment(s.key) for s in segments]
    assert all(p is not None for p in prepared)
    for context in (user("u", flag=True), user("u", flag=1)):
        together = evaluator.evaluate_many(
            [p for p in prepared if p is not None], context, provider
        )
        alone = [evaluator.evaluate(s.key, context, provider) for s in segments]
        assert together == alone
    results = evaluator.evaluate_many(
        [p for p in prepared if p is not None], user("u", flag=True), provider
    )
    assert [r.is_member for r in results] == [True, False, True, False, False]
