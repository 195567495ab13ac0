"""Audit history helpers: resource specifiers and diffs."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from segmentd.domain.audit.history import AuditScope, diff, diff_json, parse_spec
from segmentd.domain.segments.model import Segment
from segmentd.errors import InvalidRequest


@pytest.mark.parametrize(
    ("spec", "scope"),
    [
        pytest.param(None, AuditScope(), id="absent"),
        pytest.param("proj/p", AuditScope("p"), id="project"),
        pytest.param("proj/*:env/e", AuditScope(None, "e"), id="any project"),
        pytest.param("proj/p:env/e:segment/s", AuditScope("p", "e", "s"), id="segment"),
        pytest.param("proj/p:env/e:segment/*", AuditScope("p", "e"), id="any segment"),
        pytest.param("proj/p;tag:env/e", AuditScope("p", "e"), id="tag suffix ignored"),
    ],
)
def test_parse_spec__segment_specifiers__scope(spec: str | None, scope: AuditScope) -> None:
    assert parse_spec(spec) == scope


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("proj/p:env/e:flag/f", id="flags"),
        pytest.param("env/e", id="no project"),
        pytest.param("proj/", id="empty key"),
        pytest.param("proj/p:env/e:segment/s:x/y", id="too deep"),
    ],
)
def test_parse_spec__other_resources__400(spec: str) -> None:
    with pytest.raises(InvalidRequest, match="spec: "):
        parse_spec(spec)


def test_diff__renamed_segment__one_replace() -> None:
    before = Segment(key="s", name="A", creation_date=1, last_modified_date=1)
    after = Segment(key="s", name="B", creation_date=1, last_modified_date=1)
    assert diff(before, after) == ({"op": "replace", "path": "/name", "value": "B"},)


def test_diff__created__adds_every_field() -> None:
    created = Segment(key="s", name="A", creation_date=1, last_modified_date=1)
    operations = diff(None, created)
    assert {"op": "add", "path": "/key", "value": "s"} in operations
    assert all(op["op"] == "add" for op in operations)


json_leaves = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "c"])
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from("xyz/~"), inner),
    max_leaves=8,
)
objects = st.dictionaries(st.sampled_from(["name", "tags", "rules", "a/b", "t~"]), json_values)


@settings(max_examples=300)
@given(before=objects, after=objects)
@example(before={"tags": [1]}, after={"tags": [True]})
@example(before={"tags": ["a", "b", "c"]}, after={"tags": ["a", "c"]})
@example(before={"tags": ["a"]}, after={"tags": ["a", "b", "b"]})
def test_diff_json__any_two_objects__patch_turns_before_into_after(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    operations = diff_json(before, after)
    result = jsonpatch.apply_patch(copy.deepcopy(before), list(operations))
    assert orjson.dumps(result, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        after, option=orjson.OPT_SORT_KEYS
    )
