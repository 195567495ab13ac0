"""Differential test: our membership must equal the LaunchDarkly Python SDK's.

Random segments (nested, cyclic, weighted, big) and contexts come from ``tests/strategies.py``,
whose pools exclude the documented Go-vs-Python divergences. Each example checks several
contexts against every segment, so the ``ci`` profile covers thousands of membership checks.
"""

from __future__ import annotations

import copy

from hypothesis import event, given
from hypothesis import strategies as st

from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.context import parse_context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.evaluator import (
    BigSegmentsStatus,
    MembershipQuery,
    StaticSegments,
    evaluate,
    evaluate_many,
)
from tests.ld_oracle import SdkOracle, sdk_context
from tests.strategies import (
    KEYS,
    SEGMENT_KEYS,
    big_memberships,
    context_json,
    context_kinds,
    segments,
)


def _with_keys(data: dict[str, JsonValue]) -> list[dict[str, JsonValue]]:
    """The context once per pool key (every member re-keyed), to multiply cheap cases."""
    variants = []
    for key in KEYS:
        variant = copy.deepcopy(data)
        if variant["kind"] == "multi":
            for kind, member in variant.items():
                if kind != "kind" and isinstance(member, dict):
                    member["key"] = key
        else:
            variant["key"] = key
        variants.append(variant)
    return variants


class _Store:
    def __init__(self, memberships: dict[str, dict[str, bool]]) -> None:
        self._memberships = memberships

    def get_membership(self, context_key: str) -> MembershipQuery:
        return MembershipQuery(self._memberships.get(context_key), BigSegmentsStatus.HEALTHY)


Case = tuple[list[dict[str, JsonValue]], list[Segment], dict[str, dict[str, bool]]]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    contexts = draw(st.lists(context_json(), min_size=1, max_size=5))
    shared = set.intersection(*(set(context_kinds(c)) for c in contexts))
    rollout_kinds = tuple(sorted(shared))
    segs = [draw(segments(key, rollout_kinds=rollout_kinds)) for key in SEGMENT_KEYS]
    return contexts, segs, draw(big_memberships)


@given(cases())
def test_membership__random_segments_and_contexts__same_as_python_sdk(case: Case) -> None:
    contexts, segs, memberships = case
    ours = StaticSegments(segs)
    store = _Store(memberships)
    oracle = SdkOracle(segs, big_memberships=memberships)
    for data in [v for c in contexts for v in _with_keys(c)]:
        context = parse_context(data)
        theirs_context = sdk_context(data)
        for seg in segs:
            result = evaluate(seg.key, context, ours, big_segments=store)
            mine = None if result.reason.kind == "error" else result.is_member
            theirs = oracle.is_member(seg.key, theirs_context)
            assert mine == theirs, (seg.key, data, result)
            event(f"reason {result.reason.kind}")


@given(cases())
def test_evaluate_many__random_segments__equals_evaluate_one_by_one(case: Case) -> None:
    contexts, segs, memberships = case
    ours = StaticSegments(segs)
    store = _Store(memberships)
    prepared = [p for p in (ours.get_segment(s.key) for s in segs) if p is not None]
    for data in contexts:
        context = parse_context(data)
        together = evaluate_many(prepared, context, ours, big_segments=store)
        alone = [evaluate(p, context, ours, big_segments=store) for p in prepared]
        assert together == alone
