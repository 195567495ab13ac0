"""LaunchDarkly's real Python SDK (no mocks) against a running segmentd: streaming, polling,
segment targeting through flags, live updates and deletes."""

from __future__ import annotations

import uuid

import orjson
import pytest
from ldclient import Context
from ldclient.feature_store import InMemoryFeatureStore
from ldclient.versioned_data_kind import FEATURES, SEGMENTS

from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.services.segments.service import SegmentDraft
from tests.feed.conftest import Feed, sdk_client, wait_until
from tests.live import LiveServer

MODES = [pytest.param(True, id="streaming"), pytest.param(False, id="polling")]


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("stream", MODES)
def test_sdk__pointed_at_segmentd__initialises(
    live: LiveServer, env: Environment, stream: bool
) -> None:
    with sdk_client(live, env, stream=stream) as client:
        assert client.is_initialized()


def _targeted_segment(feed: Feed, key: str) -> None:
    feed.segment(
        key,
        included=("alice",),
        excluded=("mallory",),
        included_contexts=(SegmentTarget("org", ("acme",)),),
        rules=(
            SegmentRule(
                id="r1",
                clauses=(Clause(attribute="email", op="endsWith", values=("@corp.example",)),),
            ),
        ),
    )


CONTEXTS = [
    pytest.param(Context.create("alice"), True, id="included by key"),
    pytest.param(
        Context.builder("mallory").set("email", "m@corp.example").build(),
        False,
        id="excluded although a rule matches",
    ),
    pytest.param(
        Context.builder("bob").set("email", "bob@corp.example").build(), True, id="rule match"
    ),
    pytest.param(Context.create("acme", "org"), True, id="included context of kind org"),
    pytest.param(
        Context.builder("carol").set("email", "c@else.example").build(), False, id="no match"
    ),
]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("context", "expected"), CONTEXTS)
def test_sdk__flag_with_segment_match__serves_segment_membership(
    live: LiveServer, feed: Feed, stream: bool, context: Context, expected: bool
) -> None:
    segment, flag = _key("seg"), _key("flag")
    _targeted_segment(feed, segment)
    feed.segment_flag(flag, segment)
    with sdk_client(live, feed.env, stream=stream) as client:
        detail = client.variation_detail(flag, context, None)
    assert detail.value is expected
    assert detail.reason["kind"] == ("RULE_MATCH" if expected else "FALLTHROUGH")


def test_sdk__segment_change__reaches_streaming_sdk_within_a_second(
    live: LiveServer, feed: Feed
) -> None:
    segment, flag = _key("seg"), _key("flag")
    feed.segment(segment)
    feed.segment_flag(flag, segment)
    dave = Context.create("dave")
    with sdk_client(live, feed.env, stream=True) as client:
        assert client.variation(flag, dave, None) is False
        feed.update_segment(segment, included=("dave",))
        elapsed = wait_until(lambda: client.variation(flag, dave, None) is True, timeout=1.0)
    assert elapsed < 1.0


def test_sdk__deleted_segment__stops_matching(live: LiveServer, feed: Feed) -> None:
    segment, flag = _key("seg"), _key("flag")
    feed.segment(segment, included=("erin",))
    feed.segment_flag(flag, segment)
    erin = Context.create("erin")
    with sdk_client(live, feed.env, stream=True) as client:
        assert client.variation(flag, erin, None) is True
        feed.delete_segment(segment)
        wait_until(lambda: client.variation(flag, erin, None) is False, timeout=1.0)


def test_sdk__segment_recreated_after_delete__matches_again(live: LiveServer, feed: Feed) -> None:
    segment, flag = _key("seg"), _key("flag")
    feed.segment(segment, included=("fay",))
    feed.segment_flag(flag, segment)
    fay = Context.create("fay")
    with sdk_client(live, feed.env, stream=True) as client:
        feed.delete_segment(segment)
        wait_until(lambda: client.variation(flag, fay, None) is False, timeout=1.0)
        feed.segment(segment, included=("fay",))
        wait_until(lambda: client.variation(flag, fay, None) is True, timeout=1.0)


def test_sdk__flag_turned_off_and_deleted__streaming_sdk_follows(
    live: LiveServer, feed: Feed
) -> None:
    segment, flag = _key("seg"), _key("flag")
    feed.segment(segment, included=("gus",))
    feed.segment_flag(flag, segment)
    gus = Context.create("gus")
    with sdk_client(live, feed.env, stream=True) as client:
        assert client.variation(flag, gus, "default") is True
        feed.instruct(flag, [{"kind": "turnFlagOff"}])
        wait_until(lambda: client.variation(flag, gus, "default") is False, timeout=1.0)
        live.services.flags.delete("default", flag)
        wait_until(lambda: client.variation(flag, gus, "default") == "default", timeout=1.0)


def test_sdk__varied_data__every_item_parses_and_is_stored(live: LiveServer, feed: Feed) -> None:
    """One invalid item would make the SDK refuse the whole put; check each item by itself
    with the SDK's own decoder, then that the SDK holds all of them."""
    big, rules, flag = _key("big"), _key("rules"), _key("flag")
    live.services.segments.create(
        "default",
        feed.env.key,
        SegmentDraft(key=big, name="Big", unbounded=True, unbounded_context_kind="org"),
    )
    feed.segment(
        rules,
        included=("a",),
        excluded_contexts=(SegmentTarget("device", ("d1",)),),
        rules=(
            SegmentRule(
                id="w",
                clauses=(
                    Clause(
                        attribute="/address/city", op="in", values=("Paris",), context_kind="user"
                    ),
                    Clause(
                        attribute="version", op="semVerGreaterThan", values=("2.0.0",), negate=True
                    ),
                ),
                weight=50_000,
                bucket_by="key",
                rollout_context_kind="user",
            ),
        ),
    )
    feed.segment_flag(flag, rules)
    variations = {v.value: v.id for v in live.services.flags.get("default", flag).variations}
    feed.instruct(
        flag,
        [
            {
                "kind": "addRule",
                "clauses": [{"attribute": "", "op": "segmentMatch", "values": [big]}],
                "rolloutWeights": {variations[True]: 30_000, variations[False]: 70_000},
                "rolloutContextKind": "org",
            }
        ],
    )
    body = live.services.feed.build_payload(feed.env.id).body
    data = orjson.loads(body)
    for item in data["flags"].values():
        FEATURES.decode(item)
    for item in data["segments"].values():
        SEGMENTS.decode(item)
    assert isinstance(data["segments"][big]["generation"], int)
    store = InMemoryFeatureStore()
    with sdk_client(live, feed.env, stream=True, store=store) as client:
        assert client.is_initialized()
        assert set(store.all(FEATURES, lambda x: x)) == set(data["flags"])
        assert set(store.all(SEGMENTS, lambda x: x)) == set(data["segments"])
