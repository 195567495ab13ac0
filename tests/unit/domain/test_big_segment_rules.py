"""Big segments refuse rules and individual-target arrays.

The rule: docs/big-segments.md §standard-or-big-fixed-at-creation.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from segmentd.domain.segments.instructions import parse_instructions
from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.segments.semantic_patch import apply_all
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.clauses import Clause
from segmentd.errors import InvalidRequest

BIG = Segment(
    key="big",
    name="Big",
    creation_date=1,
    last_modified_date=1,
    unbounded=True,
    unbounded_context_kind="user",
    generation=1,
)


@pytest.mark.parametrize(
    "segment",
    [
        pytest.param(
            replace(BIG, rules=(SegmentRule(clauses=(Clause("email", "in", ("a",)),)),)),
            id="rules",
        ),
        pytest.param(replace(BIG, included=("a",)), id="included"),
        pytest.param(replace(BIG, excluded=("a",)), id="excluded"),
        pytest.param(
            replace(BIG, included_contexts=(SegmentTarget("org", ("o",)),)), id="includedContexts"
        ),
    ],
)
def test_validate_segment__big_segment_with_targeting__invalid_request(segment: Segment) -> None:
    with pytest.raises(InvalidRequest):
        validate_segment(segment)


@pytest.mark.parametrize(
    "instruction",
    [
        pytest.param(
            {
                "kind": "addRule",
                "clauses": [{"attribute": "email", "op": "in", "values": ["a"]}],
            },
            id="addRule",
        ),
        pytest.param(
            {"kind": "addIncludedTargets", "contextKind": "user", "values": ["a"]},
            id="addIncludedTargets",
        ),
    ],
)
def test_apply_all__targeting_instruction_on_big_segment__invalid_request(
    instruction: dict[str, object],
) -> None:
    with pytest.raises(InvalidRequest, match="big segment"):
        apply_all(BIG, parse_instructions([instruction]))


def test_apply_all__big_segment_instruction_on_standard_segment__invalid_request() -> None:
    standard = replace(BIG, unbounded=False, unbounded_context_kind=None, generation=None)
    instructions = parse_instructions([{"kind": "addBigSegmentIncludedTargets", "values": ["a"]}])
    with pytest.raises(InvalidRequest, match="not a big segment"):
        apply_all(standard, instructions)
