"""Expiring-target instructions: strict parsing, partial application."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from segmentd.domain.expiring.targets import (
    ExpiringChange,
    ExpiringTarget,
    apply_expiring,
    parse_expiring_patch,
    without_dangling,
)
from segmentd.domain.segments.model import Segment, SegmentTarget
from segmentd.errors import InvalidRequest

NOW = 1_000
LATER = 5_000
SEGMENT = Segment(
    key="s",
    name="S",
    creation_date=1,
    last_modified_date=1,
    version=7,
    included=("u1", "u2"),
    excluded=("u3",),
    included_contexts=(SegmentTarget("org", ("o1",)),),
)


def ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"id{next(counter)}"


def add(key: str = "o1", kind: str = "org", target_type: str = "included") -> dict[str, Any]:
    return {
        "kind": "addExpiringTarget",
        "targetType": target_type,
        "contextKind": kind,
        "contextKey": key,
        "value": LATER,
    }


def changes(*instructions: dict[str, Any], users: bool = False) -> tuple[ExpiringChange, ...]:
    return parse_expiring_patch({"instructions": list(instructions)}, users=users).changes


def test_parse__context_form__changes_and_comment() -> None:
    patch = parse_expiring_patch({"comment": "c", "instructions": [add()]})
    assert patch.comment == "c"
    assert patch.changes == (ExpiringChange("add", "included", "org", "o1", LATER),)


def test_parse__user_form__kind_user_and_segment_version() -> None:
    (change,) = changes(
        {
            "kind": "updateExpireUserTargetDate",
            "targetType": "excluded",
            "userKey": "u3",
            "value": LATER,
            "version": 7,
        },
        users=True,
    )
    assert change == ExpiringChange("update", "excluded", "user", "u3", LATER, 7, True)


@pytest.mark.parametrize(
    ("body", "users", "message"),
    [
        pytest.param([], False, "body: expected an object", id="not an object"),
        pytest.param({}, False, "instructions: is required", id="no instructions"),
        pytest.param({"instructions": []}, False, "must not be empty", id="empty"),
        pytest.param(
            {"instructions": [{**add(), "kind": "addExpireUserTargetDate"}]},
            False,
            "instructions[0].kind",
            id="user kind on context endpoint",
        ),
        pytest.param(
            {"instructions": [add()]}, True, "instructions[0].kind", id="context kind on users"
        ),
        pytest.param(
            {"instructions": [{**add(), "targetType": "both"}]},
            False,
            "instructions[0].targetType",
            id="bad target type",
        ),
        pytest.param(
            {"instructions": [{**add(), "value": None}]},
            False,
            "instructions[0].value: is required",
            id="add without value",
        ),
        pytest.param(
            {"instructions": [{**add(), "value": "5000"}]},
            False,
            "instructions[0].value: expected an integer",
            id="value as text",
        ),
        pytest.param(
            {"instructions": [{**add(), "contextKind": "multi"}]},
            False,
            "instructions[0].contextKind",
            id="invalid context kind",
        ),
        pytest.param(
            {"instructions": [{**add(), "contextKey": ""}]},
            False,
            "instructions[0].contextKey",
            id="empty key",
        ),
        pytest.param(
            {
                "instructions": [
                    {
                        "kind": "updateExpireUserTargetDate",
                        "targetType": "included",
                        "userKey": "u1",
                        "value": LATER,
                    }
                ]
            },
            True,
            "instructions[0].version: is required",
            id="user update without version",
        ),
    ],
)
def test_parse__malformed__400(body: Any, users: bool, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_expiring_patch(body, users=users)
    assert message in raised.value.message


def test_apply__add_then_update__versions_and_dates() -> None:
    new_id = ids()
    first = apply_expiring(SEGMENT, (), changes(add()), now_ms=NOW, new_id=new_id)
    assert first.errors == ()
    assert first.targets == (ExpiringTarget("id1", "included", "org", "o1", LATER, 1),)
    update = {**add(), "kind": "updateExpiringTarget", "value": LATER + 1, "version": 1}
    second = apply_expiring(SEGMENT, first.targets, changes(update), now_ms=NOW, new_id=new_id)
    assert second.targets == (ExpiringTarget("id1", "included", "org", "o1", LATER + 1, 2),)


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        pytest.param(add(key="nobody"), "not an individual target", id="add for non-target"),
        pytest.param(add(key="u3"), "not an individual target", id="add in the wrong list"),
        pytest.param({**add(), "value": NOW}, "not in the future", id="add in the past"),
        pytest.param(
            {**add(), "kind": "updateExpiringTarget"}, "no expiration date", id="update absent"
        ),
    ],
)
def test_apply__failing_instruction__reported_and_others_applied(
    instruction: dict[str, Any], message: str
) -> None:
    result = apply_expiring(
        SEGMENT,
        (),
        changes(instruction, add(key="u1", kind="user")),
        now_ms=NOW,
        new_id=ids(),
    )
    assert [i for i, _ in result.errors] == [0]
    assert message in result.errors[0][1]
    assert [t.context_key for t in result.targets] == ["u1"]


def test_apply__add_twice__second_fails() -> None:
    result = apply_expiring(SEGMENT, (), changes(add(), add()), now_ms=NOW, new_id=ids())
    assert result.failed == 1
    assert "already expires" in result.errors[0][1]


def test_apply__stale_version__fails_and_keeps_target() -> None:
    current = (ExpiringTarget("x", "included", "org", "o1", LATER, 3),)
    stale = {**add(), "kind": "updateExpiringTarget", "version": 2}
    result = apply_expiring(SEGMENT, current, changes(stale), now_ms=NOW, new_id=ids())
    assert "at version 3, not 2" in result.errors[0][1]
    assert result.targets == current


def test_apply__user_update_with_stale_segment_version__fails() -> None:
    current = (ExpiringTarget("x", "included", "user", "u1", LATER, 1),)
    update = {
        "kind": "updateExpireUserTargetDate",
        "targetType": "included",
        "userKey": "u1",
        "value": LATER + 5,
        "version": 6,
    }
    result = apply_expiring(SEGMENT, current, changes(update, users=True), now_ms=NOW, new_id=ids())
    assert "segment is at version 7, not 6" in result.errors[0][1]


def test_apply__remove_absent__no_op_without_error() -> None:
    remove = {"kind": "removeExpiringTarget", "targetType": "included", "contextKind": "org",
              "contextKey": "o1"}  # fmt: skip
    result = apply_expiring(SEGMENT, (), changes(remove), now_ms=NOW, new_id=ids())
    assert result == apply_expiring(SEGMENT, (), (), now_ms=NOW, new_id=ids())


def test_without_dangling__target_gone__expiry_dropped() -> None:
    kept = ExpiringTarget("a", "included", "user", "u1", LATER)
    gone = ExpiringTarget("b", "excluded", "user", "u1", LATER)
    assert without_dangling(SEGMENT, (kept, gone)) == (kept,)
