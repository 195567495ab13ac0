"""A segment batch (value-set clauses indexed across segments) answers as one-by-one evaluation."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import event, given
from hypothesis import strategies as st

from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.context import parse_context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.evaluator import SegmentBatch, StaticSegments, evaluate, evaluate_many
from segmentd.evaluation.preprocess import literal_prefix
from tests.builders import clause, rule, segment, user
from tests.strategies import KEYS, clauses, context_json

#: Many segments, so that one context meets the same attribute in many indexed clauses.
BATCH_KEYS = tuple(f"b{i}" for i in range(8))

#: Clauses, three in four with an indexed operator; never ``segmentMatch`` (never batched).
value_set_clauses = st.tuples(
    clauses().filter(lambda c: c.op != "segmentMatch"),
    st.sampled_from(("in", "startsWith", "endsWith", None)),
).map(lambda drawn: replace(drawn[0], op=drawn[1]) if drawn[1] else drawn[0])


@st.composite
def batched_segments(draw: st.DrawFn) -> list[Segment]:
    out = []
    for key in BATCH_KEYS:
        bodies = draw(st.lists(st.lists(value_set_clauses, max_size=3), max_size=3))
        out.append(
            segment(
                key,
                included=draw(st.lists(st.sampled_from(KEYS), max_size=1)),
                rules=[rule(*body) for body in bodies],
            )
        )
    return out


@given(batched_segments(), st.lists(context_json(), min_size=1, max_size=4))
def test_batch__value_set_clauses__equals_evaluate_one_by_one(
    segments: list[Segment], contexts: list[dict[str, JsonValue]]
) -> None:
    provider = StaticSegments(segments)
    prepared = [provider.get_segment(s.key) for s in segments]
    batch = SegmentBatch(p for p in prepared if p is not None)
    event(f"{sum(p.batchable for p in batch.segments)} of {len(segments)} batchable")
    for data in contexts:
        context = parse_context(data)
        together = evaluate_many(batch, context, provider)
        alone = [evaluate(s.key, context, provider) for s in segments]
        assert together == alone, data


def _members(segments: list[Segment], data: dict[str, JsonValue]) -> list[bool]:
    provider = StaticSegments(segments)
    prepared = [p for p in (provider.get_segment(s.key) for s in segments) if p is not None]
    return [
        r.is_member
        for r in evaluate_many(prepared, parse_context({"kind": "user", **data}), provider)
    ]


def test_batch__prefixes_and_suffixes__found_in_values_longer_and_shorter_than_the_clauses():
    segments = [
        segment("corp", rules=[rule(clause("email", "endsWith", "@corp.example"))]),
        segment("all", rules=[rule(clause("email", "endsWith", ""))]),
        segment("admin", rules=[rule(clause("email", "startsWith", "admin", "root"))]),
        segment("not-admin", rules=[rule(clause("email", "startsWith", "admin", negate=True))]),
    ]
    long_local_part = "admin" + "x" * 500 + "@corp.example"
    assert _members(segments, {"key": "u", "email": long_local_part}) == [True, True, True, False]
    assert _members(segments, {"key": "u", "email": "root@else.example"}) == [
        False,
        True,
        True,
        True,
    ]
    # No email: no clause matches, negated or not (LD does not negate a missing value).
    assert _members(segments, {"key": "u"}) == [False, False, False, False]
    # An array matches a clause if any element does; negated, if none does.
    assert _members(segments, {"key": "u", "email": ["x@corp.example", "adminbob"]}) == [
        True,
        True,
        True,
        False,
    ]


def test_batch__in_by_json_type__numbers_by_value_and_booleans_apart():
    segments = [
        segment("one", rules=[rule(clause("n", "in", 1))]),
        segment("true", rules=[rule(clause("n", "in", True))]),
        segment("not-one", rules=[rule(clause("n", "in", 1.0, negate=True))]),
    ]
    assert _members(segments, {"key": "u", "n": 1.0}) == [True, False, False]
    assert _members(segments, {"key": "u", "n": True}) == [False, True, True]
    assert _members(segments, {"key": "u", "n": {"x": 1}}) == [False, False, True]


def test_batch__literal_and_path_attributes_of_one_spelling__not_confused():
    # With no context kind, "/a" is the attribute literally named "/a"; with one, the path to
    # "a". The same clause text reads two different values, so the two are never shared.
    literal = Clause("/a", "in", ("x",))
    path = Clause("/a", "in", ("x",), context_kind="user")
    segments = [segment("literal", rules=[rule(literal)]), segment("path", rules=[rule(path)])]
    assert _members(segments, {"key": "u", "a": "x"}) == [False, True]
    assert _members(segments, {"key": "u", "/a": "x"}) == [True, False]
    spellings: list[dict[str, JsonValue]] = [{"key": "u", "a": "x"}, {"key": "u", "/a": "x"}]
    for data in spellings:
        provider = StaticSegments(segments)
        alone = [
            evaluate(s.key, parse_context({"kind": "user", **data}), provider).is_member
            for s in segments
        ]
        assert _members(segments, data) == alone


def test_batch__segment_match_or_bad_reference__evaluated_clause_by_clause():
    segments = [
        segment("base", included=["u"]),
        segment("nested", rules=[rule(Clause("", "segmentMatch", ("base",)))]),
        segment("bad", rules=[rule(Clause("/", "in", ("x",), context_kind="user"))]),
        segment("plain", rules=[rule(clause("country", "in", "DE"))]),
    ]
    provider = StaticSegments(segments)
    prepared = [p for p in (provider.get_segment(s.key) for s in segments) if p is not None]
    assert [p.batchable for p in prepared] == [True, False, False, True]
    results = evaluate_many(SegmentBatch(prepared), user("u", country="DE"), provider)
    assert [r.is_member for r in results] == [True, True, False, True]
    assert results[2].reason.kind == "error"


@given(
    st.text(alphabet="ab.^$*\\-()[]|?+{}1 é", max_size=8),
    st.text(alphabet="ab.^$*\\-()1 é\n", max_size=10),
)
def test_literal_prefix__when_found__the_regex_is_that_prefix_test(body: str, text: str) -> None:
    pattern = "^" + body
    prefix = literal_prefix(pattern)
    if prefix is None:
        return
    event("literal")
    assert (re.search(pattern, text) is not None) is text.startswith(prefix)
    assert (re.search(pattern, prefix + text) is not None) is True


def test_literal_prefix__metacharacters_and_classes__not_literal():
    assert literal_prefix("^user-1\\.") == "user-1."
    assert literal_prefix("^") == ""
    for pattern in ("user", "^a.b", "^a$", "^a\\d", "^(?i)a", "^a|b", "^a*", "^[a]", "^a\\"):
        assert literal_prefix(pattern) is None, pattern
