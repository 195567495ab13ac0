"""The LaunchDarkly Python SDK's evaluator, used as an oracle for segment membership.

The SDK answers flag evaluations, not segment membership, so each question "is C in S?"
becomes a flag whose only rule is ``segmentMatch S`` serving ``true`` (fallthrough ``false``).
The SDK's ``Evaluator`` is driven directly with in-memory lookups: no client, no network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ldclient.context import Context as LdContext
from ldclient.impl.evaluator import Evaluator
from ldclient.impl.events.types import EventFactory
from ldclient.impl.model import FeatureFlag
from ldclient.impl.model import Segment as LdSegment

from segmentd.domain.segments.codec import segment_to_sdk_json
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.json_types import JsonValue


def membership_flag(segment_key: str) -> FeatureFlag:
    """A flag that is ``true`` exactly for members of ``segment_key``."""
    return FeatureFlag(
        {
            "key": f"is-member-{segment_key}",
            "version": 1,
            "on": True,
            "salt": "flag-salt",
            "variations": [False, True],
            "offVariation": 0,
            "fallthrough": {"variation": 0},
            "rules": [
                {
                    "id": "membership",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": [segment_key]}],
                    "variation": 1,
                }
            ],
        }
    )


class SdkOracle:
    """Membership according to ``ldclient`` for a fixed set of segments."""

    def __init__(
        self,
        segments: Iterable[Segment],
        *,
        big_memberships: Mapping[str, Mapping[str, bool]] | None = None,
    ) -> None:
        self._segments: dict[str, LdSegment] = {
            s.key: LdSegment(segment_to_sdk_json(s)) for s in segments
        }
        self._big = {k: dict(v) for k, v in (big_memberships or {}).items()}
        self._flags: dict[str, FeatureFlag] = {}
        self._events = EventFactory(False)
        self._evaluator = Evaluator(
            lambda _key: None, self._get_segment, self._get_membership, None
        )

    def _get_segment(self, key: str) -> LdSegment | None:
        found = self._segments.get(key)
        return None if found is None or found.deleted else found

    def _get_membership(self, key: str) -> tuple[dict[str, bool] | None, str]:
        return self._big.get(key), "HEALTHY"

    def flag(self, segment_key: str) -> FeatureFlag:
        """The (cached) membership flag of a segment."""
        if segment_key not in self._flags:
            self._flags[segment_key] = membership_flag(segment_key)
        return self._flags[segment_key]

    def is_member(self, segment_key: str, context: LdContext) -> bool | None:
        """``True``/``False``, or ``None`` when the SDK reports an evaluation error."""
        detail = self._evaluator.evaluate(self.flag(segment_key), context, self._events).detail
        assert detail is not None
        if detail.reason.get("kind") == "ERROR":
            return None
        value = detail.value
        assert isinstance(value, bool)
        return value


def sdk_context(data: Mapping[str, JsonValue]) -> LdContext:
    """An SDK context from LD context JSON (raises if the SDK finds it invalid)."""
    context = LdContext.from_dict(dict(data))
    if not context.valid:
        raise ValueError(context.error)
    return context
