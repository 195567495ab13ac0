"""Builders and Hypothesis strategies shared by the patch tests (not tests/strategies.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import strategies as st

from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.ids import NewId
from segmentd.domain.shared.json_types import JsonValue


def counter_ids(prefix: str = "new") -> NewId:
    """A deterministic id factory: new-1, new-2, ..."""
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}"


def clause(
    attribute: str = "email", op: str = "endsWith", *values: JsonValue, **kw: object
) -> Clause:
    return Clause(attribute=attribute, op=op, values=values or (".edu",), **kw)  # type: ignore[arg-type]


def segment(**changes: object) -> Segment:
    """A valid, normalised standard segment with one rule (r1) holding two clauses (c1, c2)."""
    base = Segment(
        key="beta",
        name="Beta",
        creation_date=1_700_000_000_000,
        last_modified_date=1_700_000_000_000,
        version=3,
        salt="salt",
        tags=("a",),
        included=("u1",),
        excluded=("u2",),
        included_contexts=(SegmentTarget("org", ("o1",)),),
        excluded_contexts=(SegmentTarget("org", ("o2",)),),
        rules=(
            SegmentRule(
                id="r1",
                clauses=(
                    Clause("email", "endsWith", (".edu",), context_kind="user", id="c1"),
                    Clause("age", "greaterThan", (18,), context_kind="user", id="c2"),
                ),
            ),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def big_segment(**changes: object) -> Segment:
    base = Segment(
        key="big",
        name="Big",
        creation_date=1,
        last_modified_date=1,
        unbounded=True,
        unbounded_context_kind="device",
        generation=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- strategies

keys = st.sampled_from(["u1", "u2", "u3", "o1", "o2", "x", "y"])
kinds = st.sampled_from(["user", "org", "device"])
json_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=4)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
paths = st.sampled_from(
    [
        "", "/", "/name", "/description", "/tags", "/tags/0", "/tags/-", "/tags/9", "/included",
        "/included/0", "/included/-", "/excluded/0", "/includedContexts/0/values/-",
        "/rules/0", "/rules/-", "/rules/0/clauses/0/values/0", "/rules/0/_id", "/key",
        "/version", "/_links", "/unbounded", "/nope", "/rules/x", "/a~2b", "tags",
    ]
)  # fmt: skip
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
     "path": paths},
    optional={"value": json_values, "from": paths},
)  # fmt: skip
patch_documents = st.lists(operations, max_size=4) | st.fixed_dictionaries(
    {"patch": st.lists(operations, max_size=4)}
) | json_values  # fmt: skip

target_instructions = st.builds(
    lambda kind, context_kind, values: {
        "kind": kind,
        "contextKind": context_kind,
        "values": values,
    },
    st.sampled_from(
        [
            "addIncludedTargets",
            "addExcludedTargets",
            "removeIncludedTargets",
            "removeExcludedTargets",
        ]
    ),
    kinds,
    st.lists(keys, min_size=1, max_size=3),
)
user_instructions = st.builds(
    lambda kind, values: {"kind": kind, "values": values},
    st.sampled_from(
        ["addIncludedUsers", "addExcludedUsers", "removeIncludedUsers", "removeExcludedUsers"]
    ),
    st.lists(keys, min_size=1, max_size=3),
)
rule_instructions = st.sampled_from(
    [
        {"kind": "removeRule", "ruleId": "r1"},
        {"kind": "removeRule", "ruleId": "missing"},
        {"kind": "reorderRules", "ruleIds": ["r1"]},
        {"kind": "reorderRules", "ruleIds": ["r2"]},
        {"kind": "updateRuleDescription", "ruleId": "r1", "description": "d"},
        {
            "kind": "updateRuleRolloutAndContextKind",
            "ruleId": "r1",
            "weight": 500,
            "contextKind": "org",
        },
        {
            "kind": "addClauses",
            "ruleId": "r1",
            "clauses": [{"attribute": "a", "op": "in", "values": [1]}],
        },
        {"kind": "removeClauses", "ruleId": "r1", "clauseIds": ["c2"]},
        {"kind": "addValuesToClause", "ruleId": "r1", "clauseId": "c1", "values": [".org"]},
        {"kind": "removeValuesFromClause", "ruleId": "r1", "clauseId": "c1", "values": [".edu"]},
        {
            "kind": "updateClause",
            "ruleId": "r1",
            "clauseId": "c9",
            "clause": {"attribute": "a", "op": "in", "values": [1]},
        },
        {"kind": "addRule", "clauses": []},
        {"kind": "addTags", "values": ["b"]},
        {"kind": "addTags", "values": ["bad tag"]},
        {"kind": "removeTags", "values": ["a"]},
        {"kind": "updateName", "value": "Renamed"},
        {"kind": "updateName", "value": " "},
        {"kind": "addBigSegmentIncludedTargets", "values": ["k"]},
    ]
)
instruction_lists = st.lists(
    target_instructions | user_instructions | rule_instructions, min_size=1, max_size=5
)
#: Instructions whose second application changes nothing ("set"-style). removeRule is left
#: out: a later instruction naming the removed rule would fail on the second pass.
idempotent_instructions = st.lists(
    target_instructions
    | user_instructions
    | st.sampled_from(
        [
            {"kind": "updateRuleDescription", "ruleId": "r1", "description": "d"},
            {
                "kind": "updateRuleRolloutAndContextKind",
                "ruleId": "r1",
                "weight": 5,
                "contextKind": "org",
            },
            {"kind": "removeClauses", "ruleId": "r1", "clauseIds": ["c2"]},
            {
                "kind": "addValuesToClause",
                "ruleId": "r1",
                "clauseId": "c1",
                "values": [".org", ".edu"],
            },
            {
                "kind": "removeValuesFromClause",
                "ruleId": "r1",
                "clauseId": "c1",
                "values": [".edu"],
            },
            {"kind": "addTags", "values": ["b", "a"]},
            {"kind": "removeTags", "values": ["a"]},
            {"kind": "updateName", "value": "Renamed"},
        ]
    ),
    min_size=1,
    max_size=4,
)
