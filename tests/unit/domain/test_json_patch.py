"""JSON Patch (RFC 6902) and merge patch (RFC 7386) bodies applied to segments."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from segmentd.domain.patch.json_patch import (
    JsonPatch,
    MergePatch,
    PatchOperation,
    PatchPaths,
    json_equal,
    parse_json_patch,
    parse_patch_document,
    patched_document,
)
from segmentd.domain.segments.json_patch import (
    apply_json_patch,
    apply_merge_patch,
    apply_patch_document,
)
from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.json_types import JsonObject, JsonValue
from segmentd.errors import (
    InvalidPatch,
    InvalidRequest,
    OptimisticLockError,
    ServiceError,
    UnprocessablePatch,
)

from .strategies_patch import counter_ids, segment

RULE: JsonValue = {
    "clauses": [{"contextKind": "user", "attribute": "e", "op": "in", "values": ["x"]}]
}


def patch(segment_: Segment, *ops: object) -> Segment:
    return apply_json_patch(segment_, parse_json_patch(list(ops)), new_id=counter_ids())


@pytest.mark.parametrize(
    ("op", "check"),
    [
        pytest.param(
            {"op": "add", "path": "/description", "value": "d"},
            lambda s: s.description == "d",
            id="add description",
        ),
        pytest.param(
            {"op": "replace", "path": "/description", "value": ""},
            lambda s: s.description == "",
            id="replace absent description with empty",
        ),
        pytest.param(
            {"op": "replace", "path": "/description", "value": "d"},
            lambda s: s.description == "d",
            id="replace absent description",
        ),
        pytest.param(
            {"op": "replace", "path": "/temporary", "value": "temporary"},
            lambda s: s == segment(),
            id="replace unknown field is ignored",
        ),
        pytest.param(
            {"op": "add", "path": "/tags/0", "value": "z"},
            lambda s: s.tags == ("z", "a"),
            id="add tag at front",
        ),
        pytest.param(
            {"op": "add", "path": "/included/-", "value": "u9"},
            lambda s: s.included == ("u1", "u9"),
            id="append included",
        ),
        pytest.param(
            {"op": "remove", "path": "/excludedContexts/0"},
            lambda s: s.excluded_contexts == (),
            id="remove excluded contexts entry",
        ),
        pytest.param(
            {"op": "add", "path": "/rules/0", "value": RULE},
            lambda s: (
                [r.id for r in s.rules] == ["new-2", "r1"] and s.rules[0].clauses[0].id == "new-1"
            ),
            id="add rule gets server ids",
        ),
        pytest.param(
            {"op": "move", "from": "/included/0", "path": "/excluded/-"},
            lambda s: s.included == () and s.excluded == ("u2", "u1"),
            id="move a key",
        ),
        pytest.param(
            {"op": "copy", "from": "/tags/0", "path": "/tags/-"},
            lambda s: s.tags == ("a",),
            id="copy duplicates a tag then normalised",
        ),
        pytest.param(
            {"op": "test", "path": "/name", "value": "Beta"},
            lambda s: s == segment(),
            id="passing test",
        ),
        pytest.param(
            {
                "op": "add",
                "path": "/includedContexts/-",
                "value": {"contextKind": "user", "values": ["u5"]},
            },
            lambda s: s.included == ("u1", "u5"),
            id="user-kind context folded",
        ),
        pytest.param(
            {"op": "add", "path": "/unknownField", "value": 1},
            lambda s: s == segment(),
            id="unknown field ignored",
        ),
    ],
)
def test_apply_json_patch__operation__applied(op: object, check: Callable[[Segment], bool]) -> None:
    assert check(patch(segment(), op))


def test_apply_json_patch__no_change__returns_same_object() -> None:
    original = segment()
    assert patch(original, {"op": "replace", "path": "/name", "value": "Beta"}) is original


def test_apply_json_patch__empty_patch__returns_same_object() -> None:
    original = segment()
    assert patch(original) is original


def test_apply_json_patch__version_test_matches__applied() -> None:
    result = patch(
        segment(),
        {"op": "test", "path": "/version", "value": 3},
        {"op": "replace", "path": "/name", "value": "New"},
    )
    assert result.name == "New"
    assert result.version == 3  # the caller bumps the version


@pytest.mark.parametrize(
    "value",
    [pytest.param(2, id="older"), pytest.param("3", id="string"), pytest.param(True, id="bool")],
)
def test_apply_json_patch__version_test_fails__optimistic_lock_error(value: JsonValue) -> None:
    ops = ({"op": "replace", "path": "/name", "value": "New"},)
    with pytest.raises(OptimisticLockError) as info:
        patch(segment(), *ops, {"op": "test", "path": "/version", "value": value})
    assert info.value.status == 409


@pytest.mark.parametrize(
    "op",
    [
        pytest.param({"op": "test", "path": "/name", "value": "Other"}, id="failed test"),
        pytest.param({"op": "test", "path": "/tags", "value": "a"}, id="test type mismatch"),
        pytest.param({"op": "test", "path": "/nope", "value": 1}, id="test missing path"),
        pytest.param({"op": "replace", "path": "/tags/5", "value": "x"}, id="replace past end"),
        pytest.param({"op": "add", "path": "/tags/9", "value": "x"}, id="add past end"),
        pytest.param({"op": "add", "path": "/tags/x", "value": "x"}, id="non-numeric index"),
        pytest.param({"op": "add", "path": "/name/x", "value": 1}, id="through a string"),
        pytest.param(
            {"op": "replace", "path": "/rules/0/nope/x", "value": 1}, id="replace below missing"
        ),
        pytest.param({"op": "copy", "from": "/nope", "path": "/tags/-"}, id="copy from missing"),
        pytest.param({"op": "move", "from": "/rules", "path": "/rules/0"}, id="move into child"),
    ],
)
def test_apply_json_patch__unappliable_operation__unprocessable(op: object) -> None:
    with pytest.raises(UnprocessablePatch, match=r"^patch\[0\]") as info:
        patch(segment(), op)
    assert info.value.status == 422


@pytest.mark.parametrize(
    ("op", "field"),
    [
        pytest.param({"op": "replace", "path": "/key", "value": "k"}, "path", id="key"),
        pytest.param({"op": "replace", "path": "/version", "value": 9}, "path", id="version"),
        pytest.param({"op": "replace", "path": "/creationDate", "value": 1}, "path", id="created"),
        pytest.param({"op": "remove", "path": "/lastModifiedDate"}, "path", id="modified"),
        pytest.param({"op": "replace", "path": "/deleted", "value": True}, "path", id="deleted"),
        pytest.param({"op": "replace", "path": "/generation", "value": 2}, "path", id="generation"),
        pytest.param(
            {"op": "replace", "path": "/unbounded", "value": True}, "path", id="unbounded"
        ),
        pytest.param(
            {"op": "add", "path": "/unboundedContextKind", "value": "x"}, "path", id="big kind"
        ),
        pytest.param({"op": "add", "path": "/_links", "value": {}}, "path", id="underscore field"),
        pytest.param({"op": "replace", "path": "/rules/0/_id", "value": "x"}, "path", id="rule id"),
        pytest.param({"op": "move", "from": "/version", "path": "/tags/-"}, "from", id="move from"),
        pytest.param({"op": "copy", "from": "/tags/0", "path": "/key"}, "path", id="copy onto"),
        pytest.param({"op": "replace", "path": "", "value": {}}, "path", id="whole document"),
    ],
)
def test_apply_json_patch__read_only_path__invalid_request_naming_path(
    op: object, field: str
) -> None:
    with pytest.raises(InvalidRequest, match=rf"^patch\[0\]\.{field}"):
        patch(segment(), op)


@pytest.mark.parametrize(
    ("op", "message"),
    [
        pytest.param({"op": "replace", "path": "/name", "value": ""}, "^name", id="empty name"),
        pytest.param({"op": "remove", "path": "/name"}, "^name", id="name removed"),
        pytest.param({"op": "replace", "path": "/tags", "value": "a"}, "^tags", id="tags string"),
        pytest.param(
            {"op": "add", "path": "/rules/0/clauses/0/op", "value": "nope"},
            r"^rules\[0\]\.clauses\[0\]\.op",
            id="unknown operator",
        ),
        pytest.param(
            {"op": "add", "path": "/rules/0/weight", "value": 1.5}, "weight", id="float weight"
        ),
    ],
)
def test_apply_json_patch__result_invalid__invalid_request(op: object, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        patch(segment(), op)


def test_apply_json_patch__rules_on_big_segment__invalid_request() -> None:
    big = Segment("big", "Big", 1, 1, unbounded=True, generation=1)
    with pytest.raises(InvalidRequest, match=r"^rules"):
        patch(big, {"op": "add", "path": "/rules/-", "value": RULE})


def test_apply_json_patch__big_segment_read_only_fields__kept_from_stored_segment() -> None:
    big = Segment("big", "Big", 1, 1, unbounded=True, generation=None)
    result = patch(big, {"op": "replace", "path": "/name", "value": "Bigger"})
    assert (result.unbounded_context_kind, result.generation) == (None, None)


def test_apply_json_patch__later_operation_fails__unprocessable() -> None:
    # That nothing is stored is tested where something could be: tests/store/test_patch_atomicity.py
    with pytest.raises(UnprocessablePatch):
        patch(
            segment(),
            {"op": "replace", "path": "/name", "value": "X"},
            {"op": "replace", "path": "/tags/7", "value": "x"},
        )


@pytest.mark.parametrize(
    "op",
    [
        pytest.param({"op": "remove", "path": "/description"}, id="remove absent field"),
        pytest.param({"op": "remove", "path": "/rules/0/clauses/7"}, id="remove missing clause"),
        pytest.param({"op": "remove", "path": "/tags/2"}, id="remove past the end"),
    ],
)
def test_apply_json_patch__remove_of_missing_path__invalid_patch_400(op: object) -> None:
    # LaunchDarkly answers 400 invalid_patch; its Terraform provider relies on it
    with pytest.raises(InvalidPatch, match=r"^patch\[0\]: cannot remove") as info:
        patch(segment(), op)
    assert (info.value.status, info.value.code) == (400, "invalid_patch")


def test_apply_json_patch__values_from_patch__not_shared_with_input() -> None:
    ops: list[JsonValue] = [{"op": "add", "path": "/rules/-", "value": copy.deepcopy(RULE)}]
    before = copy.deepcopy(ops)
    parsed = parse_json_patch(ops)
    apply_json_patch(segment(), parsed, new_id=counter_ids())
    apply_json_patch(segment(), parsed, new_id=counter_ids())
    assert ops == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param("nope", "body", id="string body"),
        pytest.param({"patch": {}}, "patch", id="patch not array"),
        pytest.param({"patch": [1]}, r"patch\[0\]", id="operation not object"),
        pytest.param([{"path": "/name"}], r"patch\[0\]\.op", id="missing op"),
        pytest.param([{"op": "frob", "path": "/name"}], r"patch\[0\]\.op", id="unknown op"),
        pytest.param([{"op": 1, "path": "/name"}], r"patch\[0\]\.op", id="op not string"),
        pytest.param([{"op": "remove"}], r"patch\[0\]\.path", id="missing path"),
        pytest.param([{"op": "remove", "path": "name"}], r"patch\[0\]\.path", id="no slash"),
        pytest.param([{"op": "remove", "path": "/a~2"}], r"patch\[0\]\.path", id="bad escape"),
        pytest.param([{"op": "add", "path": "/tags/-"}], r"patch\[0\]\.value", id="no value"),
        pytest.param([{"op": "move", "path": "/tags/-"}], r"patch\[0\]\.from", id="no from"),
        pytest.param({"patch": [], "comment": 1}, "comment", id="comment not string"),
        pytest.param({"merge": []}, "merge", id="merge not object"),
        pytest.param({"name": "x"}, "body", id="bare object"),
        pytest.param({"patch": [], "merge": {}}, "body", id="both patch and merge"),
        pytest.param({"instructions": []}, "body: a semantic patch", id="semantic body"),
    ],
)
def test_parse_patch_document__malformed__invalid_request(body: object, field: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{field}"):
        parse_patch_document(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            [{"op": "remove", "path": "/tags/0"}],
            JsonPatch((PatchOperation("remove", "/tags/0"),)),
            id="bare array",
        ),
        pytest.param(
            {"patch": [{"op": "test", "path": "/version", "value": None}], "comment": "c"},
            JsonPatch((PatchOperation("test", "/version", None),), comment="c"),
            id="patch with comment and null value",
        ),
        pytest.param(
            {"merge": {"name": "n"}, "comment": "c"},
            MergePatch({"name": "n"}, comment="c"),
            id="merge with comment",
        ),
    ],
)
def test_parse_patch_document__well_formed__parsed(body: object, expected: object) -> None:
    assert parse_patch_document(body) == expected


# ---------------------------------------------------------------- merge patch


@pytest.mark.parametrize(
    ("merge", "check"),
    [
        pytest.param({"name": "N"}, lambda s: s.name == "N", id="set name"),
        pytest.param({"description": None}, lambda s: s.description is None, id="null deletes"),
        pytest.param({"tags": ["x", "y"]}, lambda s: s.tags == ("x", "y"), id="array replaced"),
        pytest.param({"rules": []}, lambda s: s.rules == (), id="rules cleared"),
        pytest.param(
            {"includedContexts": [{"contextKind": "team", "values": ["t"]}]},
            lambda s: s.included_contexts == (SegmentTarget("team", ("t",)),),
            id="targets replaced",
        ),
    ],
)
def test_apply_merge_patch__fields__merged(
    merge: JsonObject, check: Callable[[Segment], bool]
) -> None:
    assert check(apply_merge_patch(segment(description="d"), merge))


def test_apply_merge_patch__no_change__returns_same_object() -> None:
    original = segment()
    assert apply_merge_patch(original, {"name": "Beta", "tags": ["a"]}) is original


@pytest.mark.parametrize(
    "name",
    ["key", "version", "creationDate", "deleted", "unbounded", "generation", "_links"],
)
def test_apply_merge_patch__read_only_field__invalid_request_naming_path(name: str) -> None:
    with pytest.raises(InvalidRequest, match=f"/{name}"):
        apply_merge_patch(segment(), {name: 1})


def test_apply_merge_patch__invalid_result__invalid_request() -> None:
    with pytest.raises(InvalidRequest, match=r"^rules\[0\]\.clauses"):
        apply_merge_patch(segment(), {"rules": [{"clauses": [{"op": "in"}]}]})


def test_apply_patch_document__either_format__dispatched() -> None:
    original = segment()
    merged = apply_patch_document(original, MergePatch({"name": "M"}))
    patched = apply_patch_document(original, JsonPatch((PatchOperation("replace", "/name", "J"),)))
    assert (merged.name, patched.name) == ("M", "J")


def test_apply_json_patch__new_rule_without_clauses__gets_id() -> None:
    result = patch(segment(rules=()), {"op": "add", "path": "/rules/-", "value": {"clauses": []}})
    assert result.rules == (SegmentRule((), id="new-1"),)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        pytest.param(1, 1.0, True, id="int and float"),
        pytest.param(True, 1, False, id="bool is not a number"),
        pytest.param(0, False, False, id="zero is not false"),
        pytest.param([1, {"a": None}], [1.0, {"a": None}], True, id="nested"),
        pytest.param({"a": 1}, {"a": 1, "b": 2}, False, id="extra key"),
        pytest.param([1], [1, 2], False, id="length"),
        pytest.param("1", 1, False, id="string and number"),
    ],
)
def test_json_equal__pair__rfc6902_equality(a: JsonValue, b: JsonValue, equal: bool) -> None:
    assert json_equal(a, b) is equal


def test_service_error__every_patch_error__is_a_service_error() -> None:
    assert issubclass(UnprocessablePatch, ServiceError)
    assert issubclass(OptimisticLockError, ServiceError)


# ---------------------------------------------------------------- the core, on a plain document

ALLOW_LIST = PatchPaths(noun="thing", writable=frozenset(("name", "tags")))


def _patched(document: JsonObject, *ops: object, paths: PatchPaths = ALLOW_LIST) -> JsonObject:
    return patched_document(document, JsonPatch(parse_json_patch(list(ops))), paths)


@pytest.mark.parametrize(
    ("op", "error", "message"),
    [
        pytest.param(
            {"op": "replace", "path": "/color", "value": "red"},
            InvalidRequest,
            r"'/color' is read-only or not supported",
            id="member outside the allow-list",
        ),
        pytest.param(
            {"op": "replace", "path": "", "value": {}},
            InvalidRequest,
            "the whole thing cannot be replaced",
            id="whole document",
        ),
        pytest.param(
            {"op": "replace", "path": "/tags/_x", "value": 1},
            InvalidRequest,
            r"'/tags/_x' is read-only",
            id="underscore below a writable member",
        ),
        pytest.param(
            {"op": "test", "path": "/version", "value": 1},
            UnprocessablePatch,
            "patch\\[0\\]",
            id="test of a missing path without version paths",
        ),
    ],
)
def test_patched_document__refused__error_names_the_operation(
    op: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _patched({"name": "n", "tags": []}, op)


def test_patched_document__merge__members_checked_and_input_kept() -> None:
    document: JsonObject = {"name": "n", "tags": ["a"]}
    merged = patched_document(document, MergePatch({"tags": None, "name": "m"}), ALLOW_LIST)
    assert (merged, document) == ({"name": "m"}, {"name": "n", "tags": ["a"]})
    with pytest.raises(InvalidRequest, match=r"merge\./_v"):
        patched_document(document, MergePatch({"_v": 1}), ALLOW_LIST)


def test_patched_document__aliased_version_test__409_before_anything_applies() -> None:
    paths = PatchPaths(
        noun="thing",
        writable=frozenset(("name",)),
        is_version=lambda tokens: list(tokens) == ["_version"],
        aliases={"/version": "/_version"},
    )
    document: JsonObject = {"name": "n", "_version": 3}
    ok = _patched(
        document,
        {"op": "test", "path": "/version", "value": 3},
        {"op": "replace", "path": "/name", "value": "m"},
        paths=paths,
    )
    assert ok["name"] == "m"
    with pytest.raises(OptimisticLockError, match="version is 3, not 2"):
        _patched(
            document,
            {"op": "remove", "path": "/name/missing"},
            {"op": "test", "path": "/version", "value": 2},
            paths=paths,
        )
