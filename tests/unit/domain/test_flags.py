"""Flag validation, the SDK form of flags, and flag JSON/semantic patches (pure domain)."""

from __future__ import annotations

import itertools

import pytest
from ldclient.versioned_data_kind import FEATURES

from segmentd.domain.flags.codec import config_from_json, config_to_json, flag_to_sdk_json
from segmentd.domain.flags.model import (
    Flag,
    FlagConfig,
    FlagRule,
    FlagTarget,
    Rollout,
    Variation,
    VariationOrRollout,
    WeightedVariation,
    validate_config,
    validate_flag_fields,
)
from segmentd.domain.flags.patch import (
    apply_flag_instructions,
    apply_flag_patch,
    parse_flag_instructions,
)
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.shared.clauses import Clause
from segmentd.errors import InvalidPatch, InvalidRequest, OptimisticLockError, UnprocessablePatch


def _ids() -> object:
    counter = itertools.count(1)
    return lambda: f"id{next(counter)}"


def _flag(**config: object) -> Flag:
    return Flag(
        key="f",
        name="F",
        variations=(Variation(True, "vt"), Variation(False, "vf")),
        creation_date=1,
        environments={
            "prod": FlagConfig(salt="s", off_variation=1, **config),  # type: ignore[arg-type]
            "test": FlagConfig(salt="s", off_variation=1),
        },
    )


SEGMENT_RULE = FlagRule(
    clauses=(Clause("", "segmentMatch", ("beta",)),), serve=VariationOrRollout(variation=0)
)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(FlagConfig(off_variation=2), "offVariation", id="off variation out of range"),
        pytest.param(
            FlagConfig(fallthrough=VariationOrRollout()), "fallthrough", id="fallthrough empty"
        ),
        pytest.param(
            FlagConfig(
                fallthrough=VariationOrRollout(
                    rollout=Rollout((WeightedVariation(0, 60_000), WeightedVariation(1, 30_000)))
                )
            ),
            "add up",
            id="rollout weights not 100000",
        ),
        pytest.param(
            FlagConfig(
                rules=(
                    FlagRule(
                        clauses=(Clause("", "segmentMatch", ("not a key",)),),
                        serve=VariationOrRollout(variation=0),
                    ),
                )
            ),
            "segment key",
            id="segmentMatch value not a key",
        ),
        pytest.param(
            FlagConfig(
                rules=(FlagRule(clauses=(Clause("x", "nope", (1,)),), serve=VariationOrRollout(0)),)
            ),
            "op",
            id="unknown operator",
        ),
        pytest.param(
            FlagConfig(rules=(SEGMENT_RULE.__class__(clauses=(), serve=VariationOrRollout(5)),)),
            "variation",
            id="rule variation out of range",
        ),
        pytest.param(
            FlagConfig(targets=(FlagTarget(("k",), 0), FlagTarget(("k",), 1))),
            "already targeted",
            id="key targeted with two variations",
        ),
        pytest.param(
            FlagConfig(rules=(FlagRule((), VariationOrRollout(0), id="r"),) * 2),
            "unique",
            id="duplicate rule ids",
        ),
        pytest.param(
            FlagConfig(
                rules=(FlagRule((Clause("a", "in", ("x",), id="c"),) * 2, VariationOrRollout(0)),)
            ),
            r"^rules\[0\]\.clauses\[1\]\._id: duplicate clause id 'c'$",
            id="duplicate clause ids",
        ),
    ],
)
def test_validate_config__invalid__names_the_field(config: FlagConfig, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        validate_config(config, 2)


def test_validate_config__valid__ids_given_and_targets_merged() -> None:
    config = FlagConfig(
        rules=(SEGMENT_RULE,),
        targets=(FlagTarget(("a",), 0), FlagTarget(("b", "a"), 0), FlagTarget(("o",), 1, "org")),
    )
    result = validate_config(config, 2, new_id=_ids())  # type: ignore[arg-type]
    assert result.rules[0].id == "id2"
    assert result.rules[0].clauses[0].id == "id1"
    assert result.targets == (FlagTarget(("a", "b"), 0), FlagTarget(("o",), 1, "org"))
    assert validate_config(result, 2) == result


@pytest.mark.parametrize(
    ("variations", "ok"),
    [
        pytest.param((Variation(True),), False, id="one variation"),
        pytest.param((Variation("a"), Variation("a")), False, id="duplicate values"),
        pytest.param((Variation(1), Variation(True)), True, id="1 and true differ"),
    ],
)
def test_validate_flag_fields__variations(variations: tuple[Variation, ...], ok: bool) -> None:
    flag = Flag(key="f", name="F", variations=variations, creation_date=1)
    if ok:
        validate_flag_fields(flag)
    else:
        with pytest.raises(InvalidRequest):
            validate_flag_fields(flag)


def test_flag_to_sdk_json__user_and_org_targets__user_placeholders_in_context_targets() -> None:
    flag = _flag(targets=(FlagTarget(("u",), 0), FlagTarget(("o",), 1, "org")))
    sdk = flag_to_sdk_json(flag, flag.environments["prod"])
    assert sdk["targets"] == [{"values": ["u"], "variation": 0}]
    assert sdk["contextTargets"] == [
        {"contextKind": "user", "values": [], "variation": 0},
        {"values": ["o"], "variation": 1, "contextKind": "org"},
    ]
    FEATURES.decode(sdk)


def test_flag_to_sdk_json__user_targets_only__no_context_targets() -> None:
    flag = _flag(targets=(FlagTarget(("u",), 0),))
    assert flag_to_sdk_json(flag, flag.environments["prod"])["contextTargets"] == []


def test_config_json__round_trip() -> None:
    config = validate_config(
        FlagConfig(
            on=True,
            salt="s",
            version=4,
            rules=(SEGMENT_RULE,),
            targets=(FlagTarget(("u",), 0), FlagTarget(("o",), 1, "org")),
            fallthrough=VariationOrRollout(
                rollout=Rollout(
                    (WeightedVariation(0, 1), WeightedVariation(1, 99_999)), "key", "org"
                )
            ),
            off_variation=1,
        ),
        2,
    )
    assert config_from_json(config_to_json(config), defaults=config) == config


def _patch(flag: Flag, body: object) -> Flag:
    return apply_flag_patch(flag, parse_patch_document(body))


def test_apply_flag_patch__replace_on__only_that_environment_changes() -> None:
    flag = _flag()
    patched = _patch(flag, [{"op": "replace", "path": "/environments/prod/on", "value": True}])
    assert patched.environments["prod"].on is True
    assert patched.environments["test"] is flag.environments["test"]


def test_apply_flag_patch__merge_name__flag_field_changes() -> None:
    patched = _patch(_flag(), {"merge": {"name": "New", "environments": {"test": {"on": True}}}})
    assert patched.name == "New"
    assert patched.environments["test"].on is True


def test_apply_flag_patch__variations_replaced__new_ids_and_configs_checked() -> None:
    flag = _flag()
    patched = _patch(flag, [{"op": "add", "path": "/variations/-", "value": {"value": "x"}}])
    assert [v.value for v in patched.variations][-1] == "x"
    assert patched.variations[-1].id is not None
    assert patched.variations[:-1] == flag.variations
    with pytest.raises(InvalidRequest, match="variations: expected an array"):
        _patch(flag, [{"op": "replace", "path": "/variations", "value": {"value": 1}}])


BAD_PATCHES = [
    ([{"op": "replace", "path": "/variations", "value": []}], InvalidRequest, "read-only"),
    ([{"op": "remove", "path": "/environments/prod/rules/0"}], InvalidPatch, "remove missing"),
    (
        [{"op": "replace", "path": "/environments/prod/rules/0", "value": {}}],
        UnprocessablePatch,
        "missing",
    ),
    (
        [{"op": "test", "path": "/environments/prod/version", "value": 7}],
        OptimisticLockError,
        "stale env version",
    ),
    ([{"op": "test", "path": "/name", "value": "x"}], UnprocessablePatch, "failed test"),
    (
        [{"op": "replace", "path": "/environments/prod/on", "value": "yes"}],
        InvalidRequest,
        "wrong type",
    ),
]


@pytest.mark.parametrize(
    ("operations", "error"), [pytest.param(o, e, id=i) for o, e, i in BAD_PATCHES]
)
def test_apply_flag_patch__bad__raises(operations: list[object], error: type[Exception]) -> None:
    with pytest.raises(error):
        _patch(_flag(), operations)


def test_apply_flag_instructions__rollout_rule_before_other__resolved_and_placed() -> None:
    flag = apply_flag_instructions(
        _flag(rules=(FlagRule((), VariationOrRollout(0), id="r1"),)),
        "prod",
        parse_flag_instructions(
            [
                {
                    "kind": "addRule",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["b"]}],
                    "rolloutWeights": {"vt": 25_000, "vf": 75_000},
                    "rolloutBucketBy": "email",
                    "beforeRuleId": "r1",
                }
            ]
        ),
    )
    rule = flag.environments["prod"].rules[0]
    assert rule.serve.rollout == Rollout(
        (WeightedVariation(0, 25_000), WeightedVariation(1, 75_000)), "email", "user"
    )
    assert flag.environments["prod"].rules[1].id == "r1"


def test_apply_flag_instructions__already_in_effect__same_flag_back() -> None:
    flag = _flag()
    same = apply_flag_instructions(flag, "prod", parse_flag_instructions([{"kind": "turnFlagOff"}]))
    assert same is flag


def test_apply_flag_instructions__unknown_environment__400() -> None:
    with pytest.raises(InvalidRequest, match="environmentKey"):
        apply_flag_instructions(_flag(), "nope", parse_flag_instructions([{"kind": "turnFlagOn"}]))


@pytest.mark.parametrize(
    "instruction",
    [
        pytest.param({"kind": "addRule", "clauses": []}, id="addRule without variation"),
        pytest.param(
            {"kind": "addRule", "clauses": [], "variationId": "vt", "rolloutWeights": {}},
            id="addRule with both",
        ),
        pytest.param({"kind": "updateOffVariation"}, id="updateOffVariation without id"),
        pytest.param({"kind": "turnFlagSideways"}, id="unknown kind"),
    ],
)
def test_parse_flag_instructions__malformed__400(instruction: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        parse_flag_instructions([instruction])
