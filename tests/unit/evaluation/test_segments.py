"""Named segment membership cases (docs/evaluation.md §how-membership-is-decided)."""

from __future__ import annotations

import pytest

from segmentd.evaluation.evaluator import (
    BigSegmentsStatus,
    Reason,
    StaticSegments,
    evaluate,
    explain,
    prepare_segment,
)
from tests.builders import (
    FakeBigSegments,
    check,
    clause,
    context,
    multi,
    rule,
    segment,
    segment_match,
    single,
    user,
)

P = pytest.param
ORG_X = single("org", "x")
USER_U = single("user", "u")


@pytest.mark.parametrize(
    ("seg", "ctx", "member", "reason"),
    [
        P(segment(included=["u"]), user("u"), True, Reason("included"), id="included by key"),
        P(
            segment(included=["u"], excluded=["u"]),
            user("u"),
            True,
            Reason("included"),
            id="included by key and also excluded",
        ),
        P(
            segment(excluded=["u"], rules=[rule()]),
            user("u"),
            False,
            Reason("excluded"),
            id="excluded beats rules",
        ),
        P(
            segment(included=["x"]),
            context("org", "x"),
            False,
            Reason("noMatch"),
            id="included list is specific to user kind",
        ),
        P(
            segment(included_contexts={"org": ["x"]}),
            context("org", "x"),
            True,
            Reason("includedContexts", context_kind="org"),
            id="includedContexts by kind",
        ),
        P(
            segment(included_contexts={"org": ["x"]}),
            context("team", "x"),
            False,
            Reason("noMatch"),
            id="includedContexts other kind",
        ),
        P(
            segment(included_contexts={"org": ["x"]}, excluded=["u"]),
            multi(USER_U, ORG_X),
            True,
            Reason("includedContexts", context_kind="org"),
            id="includedContexts beats excluded",
        ),
        P(
            segment(excluded_contexts={"org": ["x"]}, rules=[rule()]),
            multi(USER_U, ORG_X),
            False,
            Reason("excludedContexts", context_kind="org"),
            id="excludedContexts",
        ),
        P(
            segment(included_contexts={"user": ["u"]}),
            user("u"),
            False,
            Reason("noMatch"),
            id="user entry in includedContexts ignored for a lone user (Go)",
        ),
        P(
            segment(included_contexts={"user": ["u"]}),
            multi(USER_U, ORG_X),
            True,
            Reason("includedContexts", context_kind="user"),
            id="user entry in includedContexts used for multi context",
        ),
        P(
            segment(rules=[rule(clause("email", "endsWith", "@x.com"), id="r0")]),
            user("u", email="a@x.com"),
            True,
            Reason("rule", rule_index=0, rule_id="r0"),
            id="rule match",
        ),
        P(
            segment(rules=[rule(clause("email", "in", "no")), rule(id="r1")]),
            user("u"),
            True,
            Reason("rule", rule_index=1, rule_id="r1"),
            id="second rule matches",
        ),
        P(
            segment(rules=[rule(clause("email", "in", "no"))]),
            user("u"),
            False,
            Reason("noMatch"),
            id="no rule matches",
        ),
        P(segment(), user("u"), False, Reason("noMatch"), id="empty segment"),
    ],
)
def test_segment__targets_and_rules__member_and_reason(seg, ctx, member, reason):
    result = check(seg, ctx)
    assert (result.is_member, result.reason) == (member, reason)
    assert result.big_segments_status is None


WEIGHTED = segment("segment3", salt="salty", rules=[rule(weight=14955)])


@pytest.mark.parametrize(
    ("seg", "ctx", "member"),
    [
        P(WEIGHTED, user("user-key"), True, id="harness bucket below weight"),
        P(WEIGHTED, user("unmatching-key"), False, id="harness bucket above weight"),
        P(segment(rules=[rule(weight=0)]), user("u"), False, id="weight zero never"),
        P(segment(rules=[rule(weight=100_000)]), user("u"), True, id="weight full always"),
        P(
            segment(rules=[rule(weight=1, bucket_by="missing")]),
            user("u"),
            True,
            id="absent bucketBy value is bucket 0",
        ),
        P(
            segment(rules=[rule(weight=1, bucket_by="flag")]),
            user("u", flag=True),
            True,
            id="bool bucketBy value is bucket 0",
        ),
        P(
            segment(rules=[rule(weight=0, bucket_by="flag")]),
            user("u", flag=True),
            False,
            id="bucket 0 with weight 0",
        ),
        P(
            segment(rules=[rule(weight=100_000, rollout_context_kind="org")]),
            user("u"),
            False,
            id="missing rollout kind is a non-match (Go)",
        ),
        P(
            segment(rules=[rule(weight=100_000, rollout_context_kind="org")]),
            multi(USER_U, ORG_X),
            True,
            id="rollout kind present",
        ),
    ],
)
def test_segment__weighted_rule__bucketed(seg, ctx, member):
    assert check(seg, ctx).is_member is member


def test_segment__bucket_by_attribute__hashes_attribute_not_key():
    seg = segment("hashKey", salt="saltyA", rules=[rule(weight=42158, bucket_by="id")])
    assert check(seg, user("other", id="userKeyA")).is_member is True
    seg = segment("hashKey", salt="saltyA", rules=[rule(weight=42157, bucket_by="id")])
    assert check(seg, user("other", id="userKeyA")).is_member is False


def test_segment__integral_float_bucket_by__hashes_as_integer():
    seg = segment("hashKey", salt="saltyA", rules=[rule(weight=54772, bucket_by="n")])
    assert check(seg, user("u", n=33333.0)).is_member is True


@pytest.mark.parametrize(
    ("the_rule", "problem"),
    [
        P(rule(clause("", "in", "x")), "attributeReference", id="empty attribute"),
        P(
            rule(clause("/a//b", "in", "x", context_kind="user")),
            "attributeReference",
            id="double slash",
        ),
        P(
            rule(clause("/a~2", "in", "x", context_kind="user")),
            "attributeReference",
            id="bad escape",
        ),
        P(
            rule(weight=50_000, bucket_by="/", rollout_context_kind="user"),
            "bucketBy",
            id="bucketBy slash",
        ),
    ],
)
def test_segment__malformed_reference__error_result(the_rule, problem):
    result = check(segment(rules=[the_rule]), user("u", a={"b": "x"}))
    assert result.is_member is False
    assert result.reason.kind == "error"
    assert result.reason.error is not None
    assert result.reason.error.problem == problem


def test_segment__bad_reference_when_kind_absent__not_reached():
    seg = segment(rules=[rule(clause("", "in", "x", context_kind="org"))])
    assert check(seg, user("u")).reason == Reason("noMatch")


@pytest.mark.parametrize(
    ("attribute", "ctx", "member"),
    [
        P("/address/city", user("u", address={"city": "Oslo"}), True, id="nested path"),
        P("/a~1b", user("u", **{"a/b": "Oslo"}), True, id="escaped slash"),
        P("/a~0b", user("u", **{"a~b": "Oslo"}), True, id="escaped tilde"),
        P("/tags/0", user("u", tags=["Oslo"]), False, id="no array indexing"),
        P("/m/0", user("u", m={"0": "Oslo"}), True, id="numeric property name"),
        P("/address/city/x", user("u", address={"city": "Oslo"}), False, id="path through string"),
        P(
            "address/city",
            user("u", **{"address/city": "Oslo"}),
            True,
            id="no leading slash is literal",
        ),
    ],
)
def test_segment__attribute_paths__resolved(attribute, ctx, member):
    seg = segment(rules=[rule(clause(attribute, "in", "Oslo", context_kind="user"))])
    assert check(seg, ctx).is_member is member


def test_segment__literal_mode_slash_name__literal_attribute():
    seg = segment(rules=[rule(clause("/attr/a", "in", "v"))])
    assert check(seg, user("u", **{"/attr/a": "v"})).is_member is True


def test_segment__path_kind__ordinary_lookup_go():
    seg = segment(rules=[rule(clause("/kind", "in", "user", context_kind="user"))])
    assert check(seg, user("u")).is_member is True
    seg = segment(rules=[rule(clause("/kind", "in", "org", context_kind="user"))])
    assert check(seg, multi(USER_U, ORG_X)).is_member is False


# ---- nested segments and cycles ----------------------------------------------------------


def test_segment__nested_three_levels__member_through_chain():
    c = segment("c", included=["u"])
    b = segment("b", rules=[rule(segment_match("c"))])
    a = segment("a", rules=[rule(segment_match("b"))])
    assert check(a, user("u"), b, c).is_member is True
    assert check(a, user("v"), b, c).is_member is False


@pytest.mark.parametrize(
    ("segments", "chain"),
    [
        P([segment("a", rules=[rule(segment_match("a"))])], "a -> a", id="self"),
        P(
            [
                segment("a", rules=[rule(segment_match("b"))]),
                segment("b", rules=[rule(segment_match("c"))]),
                segment("c", rules=[rule(segment_match("a"))]),
            ],
            "a -> b -> c -> a",
            id="three",
        ),
        P(
            [
                segment("a", rules=[rule(segment_match("b"))]),
                segment("b", rules=[rule(segment_match("c"))]),
                segment("c", rules=[rule(segment_match("b"))]),
            ],
            "a -> b -> c -> b",
            id="below top",
        ),
    ],
)
def test_segment__cycle__malformed_error(segments, chain):
    result = check(segments[0], user("u"), *segments[1:])
    assert result.reason.kind == "error"
    assert result.reason.error is not None
    assert result.reason.error.problem == "cycle"
    assert chain in result.reason.error.message


def test_segment__sibling_references__not_a_cycle():
    shared = segment("s", rules=[rule(clause("key", "in", "nope"))])
    top = segment("t", rules=[rule(segment_match("s")), rule(segment_match("s", negate=True))])
    assert check(top, user("u"), shared).is_member is True


@pytest.mark.parametrize(
    ("match", "member"),
    [
        P(segment_match("unknown"), False, id="unknown segment"),
        P(segment_match("unknown", negate=True), True, id="unknown segment negated"),
        P(segment_match("gone"), False, id="deleted segment"),
        P(segment_match(5, "inc"), True, id="non-string key skipped"),
    ],
)
def test_segment__segment_match_edge__no_error(match, member):
    gone = segment("gone", included=["u"], deleted=True)
    inc = segment("inc", included=["u"])
    assert check(segment(rules=[rule(match)]), user("u"), gone, inc).is_member is member


def test_evaluate__unknown_or_deleted_top_level__segment_not_found():
    provider = StaticSegments([segment("gone", deleted=True)])
    for key in ("gone", "missing"):
        result = evaluate(key, user("u"), provider)
        assert result.reason.error is not None
        assert result.reason.error.problem == "segmentNotFound"


def test_evaluate__segment_or_prepared__same_as_key():
    seg = segment(included=["u"])
    provider = StaticSegments([seg])
    assert evaluate(seg, user("u"), provider) == evaluate(prepare_segment(seg), user("u"), provider)


# ---- big segments ------------------------------------------------------------------------

BIG = segment(
    "big", unbounded=True, generation=2, included=["u"], rules=[rule(clause("key", "in", "r"))]
)


@pytest.mark.parametrize(
    ("store", "ctx", "member", "reason", "status"),
    [
        P(
            FakeBigSegments({"u": {"big.g2": True}}),
            user("u"),
            True,
            "bigSegmentIncluded",
            BigSegmentsStatus.HEALTHY,
            id="included healthy",
        ),
        P(
            FakeBigSegments({"r": {"big.g2": False}}),
            user("r"),
            False,
            "bigSegmentExcluded",
            BigSegmentsStatus.HEALTHY,
            id="excluded though matched by rule",
        ),
        P(
            FakeBigSegments({"u": {"big.g2": True}}, status=BigSegmentsStatus.STALE),
            user("u"),
            True,
            "bigSegmentIncluded",
            BigSegmentsStatus.STALE,
            id="stale membership still used",
        ),
        P(
            FakeBigSegments({"u": {"big.g1": True}}),
            user("u"),
            False,
            "noMatch",
            BigSegmentsStatus.HEALTHY,
            id="old generation ignored and JSON include ignored",
        ),
        P(
            FakeBigSegments(),
            user("r"),
            True,
            "rule",
            BigSegmentsStatus.HEALTHY,
            id="unknown key falls back to rules",
        ),
        P(
            FakeBigSegments(fail=True),
            user("r"),
            True,
            "rule",
            BigSegmentsStatus.STORE_ERROR,
            id="store error falls back to rules",
        ),
        P(
            None,
            user("r"),
            True,
            "rule",
            BigSegmentsStatus.NOT_CONFIGURED,
            id="no store configured",
        ),
        P(
            FakeBigSegments({"u": {"big.g2": True}}),
            context("org", "u"),
            False,
            "noMatch",
            None,
            id="context lacks the kind: no query, no status",
        ),
    ],
)
def test_big_segment__store_states__membership_and_status(store, ctx, member, reason, status):
    result = check(BIG, ctx, big_segments=store)
    assert (result.is_member, result.reason.kind, result.big_segments_status) == (
        member,
        reason,
        status,
    )


def test_big_segment__no_generation__not_configured_without_query():
    store = FakeBigSegments({"u": {"big.g0": True}})
    seg = segment("big", unbounded=True, generation=None, rules=[rule()])
    result = check(seg, user("u"), big_segments=store)
    assert (result.is_member, result.big_segments_status) == (False, "NOT_CONFIGURED")
    assert store.queries == []


def test_big_segment__two_segments_same_key__one_query_worst_status():
    a = segment("a", unbounded=True, generation=1)
    b = segment("b", unbounded=True, generation=None)
    top = segment("top", rules=[rule(segment_match("a", "b"))])
    store = FakeBigSegments({"u": {"a.g1": False}})
    result = check(top, user("u"), a, b, big_segments=store)
    assert result.big_segments_status == BigSegmentsStatus.NOT_CONFIGURED
    again = segment("again", rules=[rule(segment_match("a")), rule(segment_match("a"))])
    store.queries.clear()
    check(again, user("u"), a, big_segments=store)
    assert store.queries == ["u"]


def test_big_segment__unbounded_context_kind__queries_that_kind_key():
    seg = segment("big", unbounded=True, generation=3, unbounded_context_kind="org")
    store = FakeBigSegments({"x": {"big.g3": True}})
    assert check(seg, multi(USER_U, ORG_X), big_segments=store).is_member is True
    assert store.queries == ["x"]


# ---- explain -----------------------------------------------------------------------------


def test_explain__rules__per_clause_flags_and_values():
    seg = segment(
        rules=[
            rule(clause("email", "endsWith", "@x.com"), clause("age", "greaterThan", 30), id="a"),
            rule(clause("kind", "in", "user"), weight=100_000, id="b"),
        ]
    )
    provider = StaticSegments([seg])
    explanation = explain(prepare_segment(seg), user("u", email="a@x.com", age=20), provider)
    assert explanation.result.reason == Reason("rule", rule_index=1, rule_id="b")
    first, second = explanation.rules
    assert [c.matched for c in first.clauses] == [True, False]
    assert [c.context_value for c in first.clauses] == ["a@x.com", 20]
    assert first.matched is False
    assert second.matched is True
    assert second.bucket is not None
    assert second.clauses[0].context_value == ["user"]


def test_explain__malformed_clause__reported_not_raised():
    seg = segment(rules=[rule(clause("", "in", "x"))])
    explanation = explain(prepare_segment(seg), user("u"), StaticSegments([seg]))
    assert explanation.result.reason.kind == "error"
    assert explanation.rules[0].clauses[0].error is not None
