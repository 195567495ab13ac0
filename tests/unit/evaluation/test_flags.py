"""Named cases of full flag evaluation (the generated comparison with the Python SDK is in
tests/feed/test_client_sdk_differential.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from segmentd.domain.flags.model import (
    Flag,
    FlagConfig,
    FlagRule,
    FlagTarget,
    Rollout,
    Variation,
    VariationOrRollout,
    WeightedVariation,
)
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.context import Context, parse_context
from segmentd.evaluation.evaluator import BigSegmentsStatus, MembershipQuery, StaticSegments
from segmentd.evaluation.flags import FlagReason, evaluate_flag, prepare_flag
from tests.builders import clause, rule, segment_match

FLAG = Flag(
    key="f",
    name="f",
    variations=(Variation("a"), Variation("b"), Variation("c")),
    creation_date=0,
)
ON = FlagConfig(on=True, salt="s", fallthrough=VariationOrRollout(variation=0), off_variation=2)
NO_SEGMENTS = StaticSegments([])


def ctx(**data: object) -> Context:
    return parse_context({"kind": "user", "key": "k", **data})


def run(config: FlagConfig, context: Context, segments: StaticSegments = NO_SEGMENTS) -> object:
    result = evaluate_flag(prepare_flag(FLAG, config), context, segments)
    return result.value, result.variation, result.reason.to_json()


@pytest.mark.parametrize(
    ("config", "context", "expected"),
    [
        pytest.param(replace(ON, on=False), ctx(), ("c", 2, {"kind": "OFF"}), id="off"),
        pytest.param(
            replace(ON, on=False, off_variation=None),
            ctx(),
            (None, None, {"kind": "OFF"}),
            id="off without off variation",
        ),
        pytest.param(ON, ctx(), ("a", 0, {"kind": "FALLTHROUGH"}), id="fallthrough"),
        pytest.param(
            replace(ON, targets=(FlagTarget(("x",), 2, "org"), FlagTarget(("k",), 1))),
            parse_context({"kind": "multi", "user": {"key": "k"}, "org": {"key": "x"}}),
            ("b", 1, {"kind": "TARGET_MATCH"}),
            id="user targets before other kinds",
        ),
        pytest.param(
            replace(
                ON,
                rules=(FlagRule((clause("plan", "in", "gold"),), VariationOrRollout(1), id="r0"),),
            ),
            ctx(plan="gold"),
            ("b", 1, {"kind": "RULE_MATCH", "ruleIndex": 0, "ruleId": "r0"}),
            id="rule",
        ),
        pytest.param(
            replace(ON, fallthrough=VariationOrRollout(variation=7)),
            ctx(),
            (None, None, {"kind": "ERROR", "errorKind": "MALFORMED_FLAG"}),
            id="variation out of range",
        ),
        pytest.param(
            replace(
                ON,
                fallthrough=VariationOrRollout(
                    rollout=Rollout(
                        (WeightedVariation(1, 0), WeightedVariation(2, 100_000)), "/", "user"
                    )
                ),
            ),
            ctx(),
            (None, None, {"kind": "ERROR", "errorKind": "MALFORMED_FLAG"}),
            id="bad bucketBy",
        ),
        pytest.param(
            replace(
                ON,
                fallthrough=VariationOrRollout(
                    rollout=Rollout(
                        (WeightedVariation(1, 0), WeightedVariation(2, 100_000)),
                        context_kind="org",
                    )
                ),
            ),
            ctx(),
            ("b", 1, {"kind": "FALLTHROUGH"}),
            id="rollout kind missing: bucket -1, first variation",
        ),
        pytest.param(
            replace(
                ON,
                fallthrough=VariationOrRollout(
                    rollout=Rollout((WeightedVariation(1, 0), WeightedVariation(2, 100_000)))
                ),
            ),
            ctx(),
            ("c", 2, {"kind": "FALLTHROUGH"}),
            id="rollout",
        ),
        pytest.param(
            replace(ON, fallthrough=VariationOrRollout(rollout=Rollout(()))),
            ctx(),
            (None, None, {"kind": "FALLTHROUGH"}),
            id="empty rollout: no value",
        ),
    ],
)
def test_evaluate_flag__cases(config: FlagConfig, context: Context, expected: object) -> None:
    assert run(config, context) == expected


def test_evaluate_flag__segment_cycle__malformed() -> None:
    a = Segment("a", "a", 0, 0, rules=(rule(segment_match("b")),))
    b = Segment("b", "b", 0, 0, rules=(rule(segment_match("a")),))
    config = replace(ON, rules=(FlagRule((segment_match("a"),), VariationOrRollout(1)),))
    assert run(config, ctx(), StaticSegments([a, b])) == (
        None,
        None,
        {"kind": "ERROR", "errorKind": "MALFORMED_FLAG"},
    )


class Members:
    def get_membership(self, context_key: str) -> MembershipQuery:
        return MembershipQuery({"big.g1": context_key == "k"}, BigSegmentsStatus.HEALTHY)


def test_evaluate_flag__big_segment__status_on_reason() -> None:
    big = Segment("big", "big", 0, 0, unbounded=True, generation=1)
    config = replace(ON, rules=(FlagRule((segment_match("big"),), VariationOrRollout(1), id="r"),))
    result = evaluate_flag(
        prepare_flag(FLAG, config), ctx(), StaticSegments([big]), big_segments=Members()
    )
    assert result.variation == 1
    assert result.reason == FlagReason(
        "RULE_MATCH", 0, "r", big_segments_status=BigSegmentsStatus.HEALTHY
    )
    assert result.reason.to_json()["bigSegmentsStatus"] == "HEALTHY"
