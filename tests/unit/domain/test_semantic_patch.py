"""Semantic patch: every segment instruction kind, its effect, its no-op and its failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from segmentd.domain.segments.instructions import (
    BigSegmentTargetsChange,
    InstructionKind,
    ProcessBigSegmentImport,
    TargetsChange,
    parse_instruction,
)
from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.segments.semantic_patch import (
    PatchResult,
    SemanticPatch,
    apply_all,
    parse_instructions,
    parse_semantic_patch,
)
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.json_types import JsonValue
from segmentd.errors import InvalidRequest

from .strategies_patch import big_segment, counter_ids, segment

R1 = {"ruleId": "r1"}
CLAUSE = {"attribute": "country", "op": "in", "values": ["NZ"]}


def run(segment_: Segment, *instructions: object) -> PatchResult:
    return apply_all(segment_, parse_instructions(list(instructions)), new_id=counter_ids())


def rule(s: Segment) -> SegmentRule:
    return s.rules[0]


APPLIES: list[object] = [
    pytest.param({"kind": "addTags", "values": ["b", "a"]}, lambda s: s.tags == ("a", "b"),
                 id="addTags"),
    pytest.param({"kind": "removeTags", "values": ["a", "zz"]}, lambda s: s.tags == (),
                 id="removeTags"),
    pytest.param({"kind": "updateName", "value": "New"}, lambda s: s.name == "New",
                 id="updateName"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "org", "values": ["o3"]},
                 lambda s: s.included_contexts == (SegmentTarget("org", ("o1", "o3")),),
                 id="addIncludedTargets"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "team", "values": ["t"]},
                 lambda s: s.included_contexts[-1] == SegmentTarget("team", ("t",)),
                 id="addIncludedTargets new kind"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "user", "values": ["u5"]},
                 lambda s: s.included == ("u1", "u5"), id="addIncludedTargets user kind"),
    pytest.param({"kind": "addExcludedTargets", "contextKind": "org", "values": ["o9"]},
                 lambda s: s.excluded_contexts == (SegmentTarget("org", ("o2", "o9")),),
                 id="addExcludedTargets"),
    pytest.param({"kind": "removeIncludedTargets", "contextKind": "org", "values": ["o1"]},
                 lambda s: s.included_contexts == (), id="removeIncludedTargets"),
    pytest.param({"kind": "removeExcludedTargets", "contextKind": "org", "values": ["o2", "q"]},
                 lambda s: s.excluded_contexts == (), id="removeExcludedTargets"),
    pytest.param({"kind": "addIncludedUsers", "values": ["u7", "u7"]},
                 lambda s: s.included == ("u1", "u7"), id="addIncludedUsers"),
    pytest.param({"kind": "addExcludedUsers", "values": ["u8"]},
                 lambda s: s.excluded == ("u2", "u8"), id="addExcludedUsers"),
    pytest.param({"kind": "removeIncludedUsers", "values": ["u1"]},
                 lambda s: s.included == (), id="removeIncludedUsers"),
    pytest.param({"kind": "removeExcludedUsers", "values": ["u2"]},
                 lambda s: s.excluded == (), id="removeExcludedUsers"),
    pytest.param({"kind": "addRule", "clauses": [CLAUSE], "description": "NZ"},
                 lambda s: s.rules[1] == SegmentRule(
                     (Clause("country", "in", ("NZ",), context_kind="user", id="new-1"),),
                     id="new-2", description="NZ"),
                 id="addRule"),
    pytest.param({"kind": "addRule", "clauses": []},
                 lambda s: s.rules[1] == SegmentRule((), id="new-1"), id="addRule no clauses"),
    pytest.param({"kind": "removeRule", **R1}, lambda s: s.rules == (), id="removeRule"),
    pytest.param({"kind": "updateRuleDescription", **R1, "description": "d"},
                 lambda s: rule(s).description == "d", id="updateRuleDescription"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 25_000,
                  "contextKind": "org"},
                 lambda s: (rule(s).weight, rule(s).rollout_context_kind) == (25_000, "org"),
                 id="updateRuleRolloutAndContextKind"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 0},
                 lambda s: (rule(s).weight, rule(s).rollout_context_kind) == (0, "user"),
                 id="updateRuleRolloutAndContextKind default kind"),
    pytest.param({"kind": "addClauses", **R1, "clauses": [CLAUSE]},
                 lambda s: [c.id for c in rule(s).clauses] == ["c1", "c2", "new-1"],
                 id="addClauses"),
    pytest.param({"kind": "removeClauses", **R1, "clauseIds": ["c1", "zz"]},
                 lambda s: [c.id for c in rule(s).clauses] == ["c2"], id="removeClauses"),
    pytest.param({"kind": "updateClause", **R1, "clauseId": "c1", "clause": CLAUSE},
                 lambda s: rule(s).clauses[0] == Clause("country", "in", ("NZ",),
                                                        context_kind="user", id="c1"),
                 id="updateClause"),
    pytest.param({"kind": "addValuesToClause", **R1, "clauseId": "c2", "values": [21, 18, 21]},
                 lambda s: rule(s).clauses[1].values == (18, 21), id="addValuesToClause"),
    pytest.param({"kind": "removeValuesFromClause", **R1, "clauseId": "c2", "values": [18]},
                 lambda s: rule(s).clauses[1].values == (), id="removeValuesFromClause"),
]  # fmt: skip


@pytest.mark.parametrize(("instruction", "check"), APPLIES)
def test_apply_all__instruction__applied(
    instruction: object, check: Callable[[Segment], bool]
) -> None:
    result = run(segment(), instruction)
    assert check(result.segment)
    assert result.segment != segment()
    assert result.big_segment_instructions == ()


NO_OPS: list[object] = [
    pytest.param({"kind": "addTags", "values": ["a"]}, id="addTags present"),
    pytest.param({"kind": "removeTags", "values": ["zz"]}, id="removeTags absent"),
    pytest.param({"kind": "updateName", "value": "Beta"}, id="updateName same"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "org", "values": ["o1"]},
                 id="addIncludedTargets present"),
    pytest.param({"kind": "addExcludedTargets", "contextKind": "org", "values": ["o2"]},
                 id="addExcludedTargets present"),
    pytest.param({"kind": "removeIncludedTargets", "contextKind": "team", "values": ["x"]},
                 id="removeIncludedTargets absent kind"),
    pytest.param({"kind": "removeExcludedTargets", "contextKind": "org", "values": ["x"]},
                 id="removeExcludedTargets absent key"),
    pytest.param({"kind": "addIncludedUsers", "values": ["u1"]}, id="addIncludedUsers present"),
    pytest.param({"kind": "addExcludedUsers", "values": ["u2"]}, id="addExcludedUsers present"),
    pytest.param({"kind": "removeIncludedUsers", "values": ["x"]}, id="removeIncludedUsers"),
    pytest.param({"kind": "removeExcludedUsers", "values": ["x"]}, id="removeExcludedUsers"),
    pytest.param({"kind": "removeRule", "ruleId": "missing"}, id="removeRule missing"),
    pytest.param({"kind": "reorderRules", "ruleIds": ["r1"]}, id="reorderRules same order"),
    pytest.param({"kind": "updateRuleDescription", **R1}, id="updateRuleDescription same"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 5,
                  "contextKind": "org"}, id="updateRuleRolloutAndContextKind same"),
    pytest.param({"kind": "removeClauses", **R1, "clauseIds": ["zz"]}, id="removeClauses absent"),
    pytest.param({"kind": "updateClause", **R1, "clauseId": "c1",
                  "clause": {"attribute": "email", "op": "endsWith", "values": [".edu"]}},
                 id="updateClause same"),
    pytest.param({"kind": "addValuesToClause", **R1, "clauseId": "c1", "values": [".edu"]},
                 id="addValuesToClause present"),
    pytest.param({"kind": "removeValuesFromClause", **R1, "clauseId": "c2", "values": ["18"]},
                 id="removeValuesFromClause string is not number"),
]  # fmt: skip


@pytest.mark.parametrize("instruction", NO_OPS)
def test_apply_all__already_satisfied__same_segment_object(instruction: object) -> None:
    original = segment(
        rules=(replace(rule(segment()), description="", weight=5, rollout_context_kind="org"),)
    )
    assert run(original, instruction).segment is original


FAILS: list[object] = [
    pytest.param({"kind": "addTags", "values": ["bad tag"]}, r"values\[0\]", id="addTags bad"),
    pytest.param({"kind": "updateName", "value": " "}, "value", id="updateName blank"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "org", "values": ["o2"]},
                 "both included and excluded", id="addIncludedTargets clash"),
    pytest.param({"kind": "addExcludedTargets", "contextKind": "org", "values": ["o1"]},
                 "both included and excluded", id="addExcludedTargets clash"),
    pytest.param({"kind": "addIncludedUsers", "values": ["u2"]},
                 "both included and excluded", id="addIncludedUsers clash"),
    pytest.param({"kind": "addExcludedUsers", "values": ["u1"]},
                 "both included and excluded", id="addExcludedUsers clash"),
    pytest.param({"kind": "addIncludedTargets", "contextKind": "user", "values": ["u2"]},
                 "both included and excluded", id="addIncludedTargets user clash"),
    pytest.param({"kind": "reorderRules", "ruleIds": ["r1", "r1"]}, "ruleIds",
                 id="reorderRules duplicate"),
    pytest.param({"kind": "reorderRules", "ruleIds": ["r2"]}, "ruleIds", id="reorderRules other"),
    pytest.param({"kind": "updateRuleDescription", "ruleId": "zz", "description": "d"},
                 "ruleId", id="updateRuleDescription missing rule"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", "ruleId": "zz", "weight": 1},
                 "ruleId", id="updateRuleRolloutAndContextKind missing rule"),
    pytest.param({"kind": "addClauses", "ruleId": "zz", "clauses": [CLAUSE]}, "ruleId",
                 id="addClauses missing rule"),
    pytest.param({"kind": "removeClauses", "ruleId": "zz", "clauseIds": ["c1"]}, "ruleId",
                 id="removeClauses missing rule"),
    pytest.param({"kind": "updateClause", **R1, "clauseId": "zz", "clause": CLAUSE}, "clauseId",
                 id="updateClause missing clause"),
    pytest.param({"kind": "removeValuesFromClause", "ruleId": "zz", "clauseId": "c1",
                  "values": ["x"]}, "ruleId", id="removeValuesFromClause missing rule"),
    pytest.param({"kind": "addBigSegmentIncludedTargets", "values": ["k"]}, "not a big segment",
                 id="addBigSegmentIncludedTargets on standard"),
    pytest.param({"kind": "addBigSegmentExcludedTargets", "values": ["k"]}, "not a big segment",
                 id="addBigSegmentExcludedTargets on standard"),
    pytest.param({"kind": "removeBigSegmentIncludedTargets", "values": ["k"]},
                 "not a big segment", id="removeBigSegmentIncludedTargets on standard"),
    pytest.param({"kind": "removeBigSegmentExcludedTargets", "values": ["k"]},
                 "not a big segment", id="removeBigSegmentExcludedTargets on standard"),
    pytest.param({"kind": "processBigSegmentImport", "importId": "i"}, "not a big segment",
                 id="processBigSegmentImport on standard"),
]  # fmt: skip


@pytest.mark.parametrize(("instruction", "message"), FAILS)
def test_apply_all__failing_instruction__invalid_request_naming_it(
    instruction: object, message: str
) -> None:
    # That nothing is stored is tested where something could be: tests/store/test_patch_atomicity.py
    with pytest.raises(InvalidRequest, match=rf"^instructions\[1\].*{message}"):
        run(segment(), {"kind": "updateName", "value": "Changed"}, instruction)


PARSE_FAILS: list[object] = [
    pytest.param({"values": ["a"]}, r"\.kind: is required", id="missing kind"),
    pytest.param({"kind": "addFlags"}, r"\.kind: 'addFlags'", id="unknown kind"),
    pytest.param({"kind": "addtags", "values": ["a"]}, r"\.kind", id="kind case"),
    pytest.param({"kind": "addTags"}, r"\.values: is required", id="addTags no values"),
    pytest.param({"kind": "addTags", "values": []}, r"\.values: must not be empty",
                 id="addTags empty"),
    pytest.param({"kind": "removeTags", "values": "a"}, r"\.values: expected an array",
                 id="removeTags string"),
    pytest.param({"kind": "updateName", "value": 1}, r"\.value: expected a string",
                 id="updateName number"),
    pytest.param({"kind": "addIncludedTargets", "values": ["a"]}, r"\.contextKind",
                 id="addIncludedTargets no kind"),
    pytest.param({"kind": "addExcludedTargets", "contextKind": "multi", "values": ["a"]},
                 r"\.contextKind", id="addExcludedTargets multi"),
    pytest.param({"kind": "removeIncludedTargets", "contextKind": "org", "values": [1]},
                 r"\.values\[0\]", id="removeIncludedTargets number key"),
    pytest.param({"kind": "removeExcludedTargets", "contextKind": "org", "values": [""]},
                 r"\.values\[0\]", id="removeExcludedTargets empty key"),
    pytest.param({"kind": "addIncludedUsers", "values": [None]}, r"\.values\[0\]",
                 id="addIncludedUsers null"),
    pytest.param({"kind": "addExcludedUsers"}, r"\.values", id="addExcludedUsers missing"),
    pytest.param({"kind": "removeIncludedUsers", "values": {}}, r"\.values",
                 id="removeIncludedUsers object"),
    pytest.param({"kind": "removeExcludedUsers", "values": []}, r"\.values",
                 id="removeExcludedUsers empty"),
    pytest.param({"kind": "addRule", "clauses": [{"attribute": "a", "op": "nope", "values": []}]},
                 r"\.clauses\[0\]\.op", id="addRule bad op"),
    pytest.param({"kind": "addRule", "clauses": [{"attribute": 1, "op": "in", "values": []}]},
                 r"\.clauses\[0\]\.attribute", id="addRule number attribute"),
    pytest.param({"kind": "addRule", "clauses": [{"op": "in", "values": []}]},
                 r"\.clauses\[0\]\.attribute", id="addRule no attribute"),
    pytest.param({"kind": "addRule", "clauses": [{"attribute": "a", "op": "in"}]},
                 r"\.clauses\[0\]\.values", id="addRule clause without values"),
    pytest.param({"kind": "addRule", "clauses": [], "description": 3}, r"\.description",
                 id="addRule number description"),
    pytest.param({"kind": "removeRule"}, r"\.ruleId", id="removeRule no id"),
    pytest.param({"kind": "reorderRules", "ruleIds": "r1"}, r"\.ruleIds", id="reorderRules str"),
    pytest.param({"kind": "updateRuleDescription", "ruleId": 1}, r"\.ruleId",
                 id="updateRuleDescription number id"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": "20000"},
                 r"\.weight", id="updateRuleRolloutAndContextKind string weight"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 100_001},
                 r"\.weight", id="updateRuleRolloutAndContextKind weight too big"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 50.0},
                 r"\.weight", id="updateRuleRolloutAndContextKind float weight"),
    pytest.param({"kind": "updateRuleRolloutAndContextKind", **R1, "weight": 1,
                  "contextKind": "kind"}, r"\.contextKind",
                 id="updateRuleRolloutAndContextKind bad kind"),
    pytest.param({"kind": "addClauses", **R1, "clauses": []}, r"\.clauses",
                 id="addClauses empty"),
    pytest.param({"kind": "removeClauses", **R1}, r"\.clauseIds", id="removeClauses missing"),
    pytest.param({"kind": "updateClause", **R1, "clauseId": "c1"}, r"\.clause: expected",
                 id="updateClause no clause"),
    pytest.param({"kind": "updateClause", **R1, "clauseId": "c1",
                  "clause": {"attribute": "d", "op": "before", "values": ["yesterday"]}},
                 r"\.clause\.values\[0\]", id="updateClause bad date"),
    pytest.param({"kind": "addValuesToClause", **R1, "values": ["x"]}, r"\.clauseId",
                 id="addValuesToClause no clause id"),
    pytest.param({"kind": "removeValuesFromClause", **R1, "clauseId": "c1", "values": [[1]]},
                 r"\.values\[0\]", id="removeValuesFromClause array value"),
    pytest.param({"kind": "addBigSegmentIncludedTargets", "values": [1]}, r"\.values\[0\]",
                 id="addBigSegmentIncludedTargets number"),
    pytest.param({"kind": "addBigSegmentExcludedTargets"}, r"\.values",
                 id="addBigSegmentExcludedTargets missing"),
    pytest.param({"kind": "removeBigSegmentIncludedTargets", "values": []}, r"\.values",
                 id="removeBigSegmentIncludedTargets empty"),
    pytest.param({"kind": "removeBigSegmentExcludedTargets", "values": "k"}, r"\.values",
                 id="removeBigSegmentExcludedTargets string"),
    pytest.param({"kind": "processBigSegmentImport"}, r"\.importId",
                 id="processBigSegmentImport no id"),
    pytest.param("addTags", r": expected an object", id="not an object"),
]  # fmt: skip


@pytest.mark.parametrize(("instruction", "message"), PARSE_FAILS)
def test_parse_instructions__malformed_instruction__invalid_request_naming_field(
    instruction: JsonValue, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=rf"^instructions\[1\]{message}"):
        parse_instructions([{"kind": "updateName", "value": "ok"}, instruction])


def test_instruction_kind__all_kinds__twenty_six_spelled_as_ld() -> None:
    assert len(InstructionKind) == 26  # api.md says 25 but its tables list 26
    assert all(kind.value[0].islower() and "_" not in kind.value for kind in InstructionKind)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="null"),
        pytest.param([], id="empty"),
        pytest.param({}, id="object"),
    ],
)
def test_parse_instructions__not_a_non_empty_array__invalid_request(body: JsonValue) -> None:
    with pytest.raises(InvalidRequest, match=r"^instructions"):
        parse_instructions(body)


def test_parse_semantic_patch__full_body__parsed() -> None:
    body = {
        "environmentKey": "prod",
        "comment": "c",
        "instructions": [{"kind": "removeRule", "ruleId": "r"}],
    }
    parsed = parse_semantic_patch(body, environment_key="prod")
    assert parsed == SemanticPatch(
        instructions=parse_instructions(body["instructions"]), environment_key="prod", comment="c"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"environmentKey": "test", "instructions": []}, "environmentKey",
                     id="environment differs"),
        pytest.param({"comment": 1, "instructions": [{"kind": "removeRule", "ruleId": "r"}]},
                     "comment", id="comment number"),
        pytest.param({"instructions": []}, "instructions", id="no instructions"),
        pytest.param([], "body", id="array body"),
    ],
)  # fmt: skip
def test_parse_semantic_patch__bad_body__invalid_request(body: JsonValue, message: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{message}"):
        parse_semantic_patch(body, environment_key="prod")


def test_parse_semantic_patch__no_environment_key__taken_from_path() -> None:
    body = {"instructions": [{"kind": "removeRule", "ruleId": "r"}]}
    assert parse_semantic_patch(body, environment_key="prod").environment_key is None


def test_parse_instruction__users_kind__is_user_targets_change() -> None:
    parsed = parse_instruction({"kind": "addExcludedUsers", "values": ["u"]}, "i")
    assert parsed == TargetsChange(InstructionKind.ADD_EXCLUDED_USERS, "user", ("u",))


def test_apply_all__1500_target_operations__accepted() -> None:
    values = [f"k{i}" for i in range(750)]
    result = run(
        segment(),
        {"kind": "addIncludedUsers", "values": values},
        {"kind": "addIncludedTargets", "contextKind": "org", "values": values},
    )
    assert result.segment.target_count == segment().target_count + 1500


def test_apply_all__1501_target_operations__invalid_request_with_count() -> None:
    values = [f"k{i}" for i in range(1000)]
    with pytest.raises(InvalidRequest, match="1501"):
        run(
            segment(),
            {"kind": "addIncludedUsers", "values": values},
            {"kind": "removeExcludedTargets", "contextKind": "org", "values": values[:501]},
        )


def test_apply_all__result_past_15000_targets__invalid_request() -> None:
    full = segment(included=tuple(f"k{i}" for i in range(14_997)))
    with pytest.raises(InvalidRequest, match="15001"):
        run(full, {"kind": "addIncludedUsers", "values": ["new"]})


def test_apply_all__instruction_after_removing_its_rule__invalid_request_naming_it() -> None:
    with pytest.raises(InvalidRequest, match=r"^instructions\[2\]"):
        run(
            segment(),
            {"kind": "addTags", "values": ["b"]},
            {"kind": "removeRule", "ruleId": "r1"},
            {"kind": "updateRuleDescription", "ruleId": "r1", "description": "gone"},
        )


def test_apply_all__remove_then_add_in_one_batch__no_clash() -> None:
    result = run(
        segment(),
        {"kind": "removeExcludedUsers", "values": ["u2"]},
        {"kind": "addIncludedUsers", "values": ["u2"]},
    )
    assert (result.segment.included, result.segment.excluded) == (("u1", "u2"), ())


def test_apply_all__reorder_rules__new_order() -> None:
    two = segment(rules=(SegmentRule((), id="r1"), SegmentRule((), id="r2")))
    result = run(two, {"kind": "reorderRules", "ruleIds": ["r2", "r1"]})
    assert [r.id for r in result.segment.rules] == ["r2", "r1"]


BIG: list[object] = [
    {"kind": "addBigSegmentIncludedTargets", "values": ["a", "b"]},
    {"kind": "removeBigSegmentExcludedTargets", "values": ["a"]},
    {"kind": "processBigSegmentImport", "importId": "imp-1"},
    {"kind": "updateName", "value": "Renamed"},
]


def test_apply_all__big_segment_instructions__returned_in_order_for_the_service() -> None:
    result = run(big_segment(), *BIG)
    assert result.segment == replace(big_segment(), name="Renamed")
    assert result.big_segment_instructions == (
        BigSegmentTargetsChange(InstructionKind.ADD_BIG_SEGMENT_INCLUDED_TARGETS, ("a", "b")),
        BigSegmentTargetsChange(InstructionKind.REMOVE_BIG_SEGMENT_EXCLUDED_TARGETS, ("a",)),
        ProcessBigSegmentImport("imp-1"),
    )


def test_apply_all__big_segment_only_membership__segment_object_unchanged() -> None:
    original = big_segment()
    result = run(original, {"kind": "removeBigSegmentIncludedTargets", "values": ["a"]})
    assert result.segment is original
    assert len(result.big_segment_instructions) == 1


def test_apply_all__big_segment_key_added_to_both_lists__invalid_request() -> None:
    with pytest.raises(InvalidRequest, match=r"both included and excluded: \['b'\]"):
        run(
            big_segment(),
            {"kind": "addBigSegmentIncludedTargets", "values": ["a", "b"]},
            {"kind": "addBigSegmentExcludedTargets", "values": ["b"]},
        )


@pytest.mark.parametrize(
    "instruction",
    [
        pytest.param({"kind": "addRule", "clauses": []}, id="addRule"),
        pytest.param({"kind": "removeRule", "ruleId": "r"}, id="removeRule"),
        pytest.param({"kind": "addIncludedUsers", "values": ["u"]}, id="addIncludedUsers"),
        pytest.param(
            {"kind": "removeExcludedTargets", "contextKind": "device", "values": ["d"]},
            id="removeExcludedTargets",
        ),
    ],
)
def test_apply_all__targeting_instruction_on_big_segment__invalid_request(
    instruction: object,
) -> None:
    with pytest.raises(InvalidRequest, match=r"^instructions\[0\].*big segment"):
        run(big_segment(), instruction)


def test_apply_all__tags_on_big_segment__applied() -> None:
    assert run(big_segment(), {"kind": "addTags", "values": ["t"]}).segment.tags == ("t",)
