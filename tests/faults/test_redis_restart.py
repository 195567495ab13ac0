"""Fault: Redis (the SDKs' big-segment store) killed and started again, empty, while big
segments change.

Writes keep succeeding while Redis is down (the database is the source of truth; the
environment is marked dirty). After Redis is back, the heartbeat repairs it: every member
the database holds is in Redis again, removed members are not, and the synchronized-on
record is fresh. A second restart with no write while Redis is down (nothing notices the
loss on the write path) is repaired too: the heartbeat finds its record gone.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from tests.faults.instances import PrivateRedis
from tests.faults.load import report
from tests.live import LiveServer, serve_in_thread

pytestmark = [pytest.mark.redis, pytest.mark.slow]

BIG = "/api/v2/segments/default/production/big"
PREFIX = "fault:{project}:{env}"
BATCH = 500
REPAIR_TIMEOUT = 40.0  # the heartbeat runs every 10 s


@pytest.fixture
def live_with_redis(
    private_redis_server: PrivateRedis, tmp_path: Path
) -> Iterator[tuple[LiveServer, Services]]:
    settings = Settings(data_dir=tmp_path, redis_url=private_redis_server.url, redis_prefix=PREFIX)
    services = build_services(settings)
    token = initialise_if_empty(services.uow, services.projects, services.access)
    assert token is not None
    services.start_background()
    try:
        with serve_in_thread(services, token.secret) as live:
            yield live, services
    finally:
        services.close()


def _members(services: Services) -> set[str]:
    with services.uow() as uow:
        env = uow.environments.get(project_key="default", key="production")
        assert env is not None
        keys: set[str] = set()
        for chunk in uow.big_segments.iter_keys(
            environment_id=env.id, key="big", generation=1, excluded=False
        ):
            keys.update(chunk)
    return keys


def _missing_in_redis(client: redis.Redis, members: set[str], removed: set[str]) -> int:
    """Members whose Redis set lacks the segment, plus removed keys that still have it."""
    prefix = "fault:default:production:big_segment_include:"

    def name(key: str) -> str:
        return prefix + base64.b64encode(hashlib.sha256(key.encode()).digest()).decode()

    ordered = sorted(members) + sorted(removed)
    pipe = client.pipeline(transaction=False)
    for key in ordered:
        pipe.sismember(name(key), "big.g1")
    found = pipe.execute()
    wrong = sum(
        1 for key, present in zip(ordered, found, strict=True) if bool(present) != (key in members)
    )
    return wrong


def _wait_repaired(client: redis.Redis, services: Services, removed: set[str]) -> float:
    started = time.monotonic()
    members = _members(services)
    while True:
        try:
            synced = client.get("fault:default:production:big_segments_synchronized_on")
            if synced is not None and _missing_in_redis(client, members, removed) == 0:
                return time.monotonic() - started
        except redis.ConnectionError:
            pass
        assert time.monotonic() - started < REPAIR_TIMEOUT, "Redis was not repaired"
        time.sleep(0.2)


def test_redis_restarted_while_big_segment_changes__writes_succeed_and_redis_repaired(
    live_with_redis: tuple[LiveServer, Services], private_redis_server: PrivateRedis
) -> None:
    live, services = live_with_redis
    statuses: dict[int, int] = {}
    removed: set[str] = set()
    stop = threading.Event()

    def change() -> None:
        with httpx.Client(
            base_url=live.base_url, headers={"Authorization": live.admin_token}, timeout=30
        ) as http:
            n = 0
            while not stop.is_set():
                add = [f"k{n}-{i}" for i in range(BATCH)]
                drop = [f"k{n - 1}-{i}" for i in range(0, BATCH, 10)] if n else []
                answer = http.post(
                    f"{BIG}/contexts", json={"included": {"add": add, "remove": drop}}
                )
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                if answer.status_code == 204:
                    removed.update(drop)
                n += 1

    with httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token}) as h:
        created = h.post(
            "/api/v2/segments/default/production",
            json={"key": "big", "name": "big", "unbounded": True},
        )
        assert created.status_code == 201
    writer = threading.Thread(target=change)
    writer.start()
    time.sleep(1.0)
    private_redis_server.stop()
    time.sleep(2.0)
    private_redis_server.start()
    time.sleep(1.0)
    stop.set()
    writer.join(30)
    assert set(statuses) == {204}, statuses
    client = redis.Redis.from_url(private_redis_server.url)
    try:
        first_repair = _wait_repaired(client, services, removed)
        members = len(_members(services))
        # Restart again with no write while it is down: only the heartbeat can notice.
        private_redis_server.stop()
        private_redis_server.start()
        second_repair = _wait_repaired(client, services, removed)
    finally:
        client.close()
    report(
        "redis_restart",
        writes=sum(statuses.values()),
        statuses=statuses,
        members=members,
        removed=len(removed),
        repaired_after_seconds=round(first_repair, 1),
        silent_restart_repaired_after_seconds=round(second_repair, 1),
        lost_writes=0,
    )
