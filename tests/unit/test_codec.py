"""The LD JSON codec: strict decoding and lossless round trips."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentd.domain.segments import codec
from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.clauses import OPERATORS, Clause
from segmentd.errors import InvalidRequest

keys = st.text("abcdefghij0123456789-._", min_size=1, max_size=12)
scalars = st.one_of(st.text(max_size=8), st.integers(-1000, 1000), st.booleans())
clauses = st.builds(
    Clause,
    attribute=st.text(max_size=8),
    op=st.sampled_from(OPERATORS),
    values=st.lists(scalars, max_size=3).map(tuple),
    negate=st.booleans(),
    context_kind=st.none() | st.sampled_from(["user", "org"]),
    id=st.none() | keys,
)
rules = st.builds(
    SegmentRule,
    clauses=st.lists(clauses, max_size=3).map(tuple),
    id=st.none() | keys,
    weight=st.none() | st.integers(0, 100_000),
    bucket_by=st.none() | keys,
    rollout_context_kind=st.none() | st.sampled_from(["user", "org"]),
    description=st.none() | st.text(max_size=8),
)
targets = st.builds(
    SegmentTarget,
    context_kind=st.sampled_from(["org", "device"]),
    values=st.lists(keys, max_size=3).map(tuple),
)
segments = st.builds(
    Segment,
    key=keys,
    name=st.text(min_size=1, max_size=8),
    creation_date=st.integers(1, 2**40),
    last_modified_date=st.integers(1, 2**40),
    version=st.integers(1, 1000),
    salt=keys,
    description=st.none() | st.text(max_size=8),
    tags=st.lists(keys, max_size=3).map(tuple),
    included=st.lists(keys, max_size=3).map(tuple),
    excluded=st.lists(keys, max_size=3).map(tuple),
    included_contexts=st.lists(targets, max_size=2).map(tuple),
    excluded_contexts=st.lists(targets, max_size=2).map(tuple),
    rules=st.lists(rules, max_size=3).map(tuple),
)


@given(segments)
def test_codec__rest_form__round_trips(segment: Segment) -> None:
    encoded = codec.segment_to_json(segment)
    encoded["generation"] = None
    encoded["salt"] = segment.salt
    assert codec.segment_from_json(encoded) == segment


@given(segments)
def test_codec__sdk_form__uses_id_and_salt(segment: Segment) -> None:
    encoded = codec.segment_to_sdk_json(segment)
    assert encoded["salt"] == segment.salt
    rules = encoded["rules"]
    assert isinstance(rules, list)
    for rule in rules:
        assert isinstance(rule, dict)
        assert "_id" not in rule
        assert all(isinstance(c, dict) and "_id" not in c for c in rule["clauses"])  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param({"key": 1}, "key: expected a string", id="key number"),
        pytest.param({"key": "k", "included": "a"}, "included: expected an array", id="list"),
        pytest.param({"key": "k", "included": [1]}, "included[0]", id="list item"),
        pytest.param({"key": "k", "unbounded": "yes"}, "unbounded: expected a boolean", id="bool"),
        pytest.param({"key": "k", "version": 1.5}, "version: expected an integer", id="float"),
        pytest.param({"key": "k", "version": True}, "version: expected an integer", id="bool int"),
        pytest.param({"key": "k", "rules": [{"clauses": [{"attribute": "a"}]}]}, "op", id="op"),
        pytest.param({"key": "k", "rules": [5]}, "rules[0]: expected an object", id="rule"),
        pytest.param({}, "key: is required", id="no key"),
        pytest.param([], "expected an object", id="not object"),
    ],
)
def test_codec__wrong_types__invalid_request_naming_field(document: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("[", r"\[").replace("]", r"\]")):
        codec.segment_from_json(document)


@pytest.mark.parametrize(
    ("values", "where"),
    [
        (["a", "b", 3], "included[2]"),
        ([None], "included[0]"),
        (["a", ["b"]], "included[1]"),
    ],
)
def test_get_str_tuple__non_string_item__named_by_index(values: list[object], where: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{re.escape(where)}: "):
        codec.get_str_tuple({"included": values}, "included")


def test_get_str_tuple__strings__kept_in_order_with_duplicates() -> None:
    assert codec.get_str_tuple({"included": ["b", "a", "b"]}, "included") == ("b", "a", "b")
    assert codec.get_str_tuple({}, "included") == ()


def _with_keys(segment: Segment, field: str, keys: tuple[str, ...]) -> Segment:
    if field == "included":
        return replace(segment, included=keys)
    return replace(segment, excluded=keys)


@pytest.mark.parametrize("field", ["included", "excluded"])
def test_validate_segment__empty_context_key__named_by_index(field: str) -> None:
    segment = Segment(key="s", name="S", creation_date=0, last_modified_date=0)
    with pytest.raises(InvalidRequest, match=rf"^{field}\[2\]: a context key must not be empty"):
        validate_segment(_with_keys(segment, field, ("a", "b", "", "c")))
    assert validate_segment(_with_keys(segment, field, ("a", "b", "a"))) == _with_keys(
        segment, field, ("a", "b")
    )
