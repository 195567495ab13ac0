"""Big segments in a real Redis, read back by LaunchDarkly's own Python SDK store."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from ldclient.client import LDClient
from ldclient.config import BigSegmentsConfig, Config
from ldclient.context import Context
from ldclient.feature_store import InMemoryFeatureStore
from ldclient.integrations import Redis
from ldclient.interfaces import BigSegmentStore
from ldclient.versioned_data_kind import FEATURES, SEGMENTS

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.domain.big_segments.model import TargetChanges, context_key_hash
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments import codec
from segmentd.export.redis import RedisPublisher
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.fixed import FixedClock, SequentialIds
from tests.realparts import REDIS_URL, require_service

pytestmark = pytest.mark.redis

P, E = "shop", "production"


@pytest.fixture
def prefix() -> str:
    return f"segmentd-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def services(tmp_path: Path, clock: FixedClock, prefix: str) -> Iterator[Services]:
    require_service("redis")
    settings = Settings(data_dir=tmp_path, redis_url=REDIS_URL, redis_prefix=prefix + ":{env}")
    built = build_services(settings, clock=clock, ids=SequentialIds())
    built.projects.create_project(ProjectDraft(key=P, name="Shop"))
    built.segments.create(P, E, SegmentDraft(key="big", name="Big", unbounded=True))
    yield built
    built.close()
    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(name)
    client.close()


@pytest.fixture
def sdk_store(prefix: str) -> Iterator[BigSegmentStore]:
    store = Redis.new_big_segment_store(url=REDIS_URL, prefix=f"{prefix}:{E}")
    yield store
    store.stop()


def _import(services: Services, tmp_path: Path, content: bytes, mode: str) -> None:
    upload = tmp_path / "u.csv"
    upload.write_bytes(content)
    record = services.big_segments.start_import(
        P, E, "big", mode=mode, wait_on_approvals=False, upload=upload, file_name="u.csv"
    )
    services.big_segments.jobs.run_import(record.id)


def test_update_targets__sdk_store__reads_membership_and_fresh_metadata(
    services: Services, sdk_store: BigSegmentStore, clock: FixedClock
) -> None:
    services.big_segments.update_targets(
        P, E, "big", TargetChanges(included_add=("u1",), excluded_add=("x1",))
    )
    assert sdk_store.get_membership(context_key_hash("u1")) == {"big.g1": True}
    assert sdk_store.get_membership(context_key_hash("x1")) == {"big.g1": False}
    assert not sdk_store.get_membership(context_key_hash("nobody"))
    services.big_segments.sync.tick()
    assert sdk_store.get_metadata().last_up_to_date == clock.ms
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_remove=("u1",)))
    assert not sdk_store.get_membership(context_key_hash("u1"))


def test_import_replace__sdk_store__new_generation_then_old_refs_removed(
    services: Services, sdk_store: BigSegmentStore, tmp_path: Path
) -> None:
    _import(services, tmp_path, b"old1\nold2\n", "merge")
    assert sdk_store.get_membership(context_key_hash("old1")) == {"big.g1": True}
    _import(services, tmp_path, b"new1\nold2\n", "replace")
    assert sdk_store.get_membership(context_key_hash("old1")) == {"big.g1": True}
    services.big_segments.jobs.runner.start()  # runs the queued old-generation cleanup
    services.big_segments.jobs.runner.stop()
    assert sdk_store.get_membership(context_key_hash("new1")) == {"big.g2": True}
    assert sdk_store.get_membership(context_key_hash("old2")) == {"big.g2": True}
    assert not sdk_store.get_membership(context_key_hash("old1"))


def test_redis_outage__write_succeeds__dirty_then_resynced_on_heartbeat(
    services: Services, sdk_store: BigSegmentStore, prefix: str
) -> None:
    sync = services.big_segments.sync
    working = sync.publisher
    sync.publisher = RedisPublisher("redis://127.0.0.1:1/0", prefix + ":{env}")
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("a", "b")))
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_remove=("b",)))
    with services.uow() as uow:
        env = uow.environments.get(project_key=P, key=E)
    assert env is not None
    assert sync.is_dirty(env.id)
    sync.tick()  # Redis still down: stays dirty, no timestamp
    assert sync.is_dirty(env.id)
    assert sdk_store.get_metadata().last_up_to_date is None
    sync.publisher = working
    sync.tick()
    assert not sync.is_dirty(env.id)
    assert sdk_store.get_membership(context_key_hash("a")) == {"big.g1": True}
    assert not sdk_store.get_membership(context_key_hash("b"))
    assert sdk_store.get_metadata().last_up_to_date is not None


def test_resync_rebuild__stale_refs__removed_and_current_rewritten(
    services: Services, sdk_store: BigSegmentStore, prefix: str
) -> None:
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("a",)))
    client = redis.Redis.from_url(REDIS_URL)
    client.sadd(f"{prefix}:{E}:big_segment_include:{context_key_hash('ghost')}", "gone.g1")
    client.close()
    with services.uow() as uow:
        env = uow.environments.get(project_key=P, key=E)
    assert env is not None
    assert services.big_segments.sync.resync(env)
    assert not sdk_store.get_membership(context_key_hash("ghost"))
    assert sdk_store.get_membership(context_key_hash("a")) == {"big.g1": True}


@pytest.mark.parametrize(
    ("age_ms", "status"),
    [pytest.param(0, "HEALTHY", id="fresh"), pytest.param(300_000, "STALE", id="5 min old")],
)
def test_ld_client__flag_matching_big_segment__member_with_sync_status(
    services: Services, prefix: str, clock: FixedClock, age_ms: int, status: str
) -> None:
    clock.ms = int(time.time() * 1000) - age_ms
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("member",)))
    services.big_segments.sync.tick()
    segment = services.segments.get(P, E, "big")
    flag = {
        "key": "in-big",
        "version": 1,
        "on": True,
        "variations": [False, True],
        "offVariation": 0,
        "fallthrough": {"variation": 0},
        "salt": "s",
        "rules": [
            {
                "id": "r0",
                "variation": 1,
                "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["big"]}],
            }
        ],
    }
    store = InMemoryFeatureStore()
    store.init({FEATURES: {"in-big": flag}, SEGMENTS: {"big": codec.segment_to_sdk_json(segment)}})
    big_store = Redis.new_big_segment_store(url=REDIS_URL, prefix=f"{prefix}:{E}")
    config = Config(
        "sdk-key",
        feature_store=store,
        use_ldd=True,
        send_events=False,
        big_segments=BigSegmentsConfig(store=big_store),
    )
    client = LDClient(config=config)
    try:
        member = client.variation_detail("in-big", Context.create("member"), False)
        other = client.variation_detail("in-big", Context.create("other"), False)
    finally:
        client.close()
    assert member.value is True
    assert member.reason["bigSegmentsStatus"] == status
    assert other.value is False


def test_bulk_publisher__many_keys_and_an_error_reply__counts_and_recovers(prefix: str) -> None:
    require_service("redis")
    publisher = RedisPublisher(REDIS_URL, prefix + ":{env}")
    environment = Environment(
        id="e",
        project_key="p",
        key="bulk",
        name="B",
        color="000000",
        sdk_key="s",
        mobile_key="m",
        creation_date=0,
    )
    keys = [f"k{i}" for i in range(45_000)]  # more than two 20,000-command batches
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert publisher.add_all(
            environment, "s.g1", [keys[:30_000], keys[30_000:]], excluded=False
        )
        name = f"{prefix}:bulk:big_segment_include:"
        assert client.smembers(name + context_key_hash("k44999")) == {b"s.g1"}
        client.set(name + context_key_hash("k7"), "not a set")  # SADD answers WRONGTYPE
        assert not publisher.add_all(environment, "s.g2", [keys[:10]], excluded=False)
        assert publisher.remove_all(environment, "s.g1", [keys[:5]], excluded=False)
        assert client.smembers(name + context_key_hash("k1")) == {b"s.g2"}
    finally:
        for found in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(found)
        client.close()
        publisher.close()
