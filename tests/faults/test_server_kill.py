"""Fault: the server process killed with SIGKILL, during writes and during a 1,000,000-key
import.

A real ``segmentd serve`` over its own PostgreSQL (and Redis for the import) is killed with
no chance to clean up, then started again. Every write the client got a 201 for is in the
database; a big segment whose replacing import was killed keeps its old membership, in
the database and, once repaired, in Redis, and the import is reported as stopped.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis

from tests.faults.instances import PrivatePostgres, PrivateRedis
from tests.faults.load import WriteLoad, report, stored_keys
from tests.faults.server import SegmentdProcess

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

KILLS = 2
IMPORT_KEYS = 1_000_000
OLD_KEYS = 2_000
BIG = "/api/v2/segments/default/production/big"


def _database(private_pg: PrivatePostgres, name: str) -> str:
    return private_pg.create_database(f"fault_{name}_{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_server_killed_during_writes__every_acknowledged_write_kept(
    private_pg: PrivatePostgres, tmp_path: Path, store: str
) -> None:
    url = _database(private_pg, "kill") if store == "postgres" else None
    server = SegmentdProcess(tmp_path, database_url=url)
    token = server.admin_token()
    server.start()
    load = WriteLoad(server.base_url, token, threads=4)
    load.start()
    restarts = []
    try:
        for _ in range(KILLS):
            time.sleep(1.5)
            server.kill()
            started = time.monotonic()
            server.start()
            restarts.append(time.monotonic() - started)
        time.sleep(1.0)
    finally:
        load.stop()
        server.stop()
    acknowledged = load.acknowledged()
    database_url = url or f"sqlite:///{tmp_path / 'segmentd.sqlite3'}"
    missing = acknowledged - stored_keys(database_url)
    statuses = load.statuses()
    assert set(statuses) <= {0, 201, 503}, statuses
    assert statuses.get(0, 0) > 0  # the kills did cut requests off
    assert not missing
    report(
        f"server_kill_writes_{store}",
        kills=KILLS,
        writes=len(load.answers),
        acknowledged=len(acknowledged),
        statuses=statuses,
        restart_seconds=[round(r, 1) for r in restarts],
        lost=len(missing),
    )


def _members_in_redis(client: redis.Redis, keys: list[str], ref: str) -> int:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        digest = base64.b64encode(hashlib.sha256(key.encode()).digest()).decode()
        pipe.sismember(f"launchdarkly:default:production:big_segment_include:{digest}", ref)
    return sum(1 for present in pipe.execute() if present)


def test_server_killed_during_1m_key_import__old_membership_intact(
    private_pg: PrivatePostgres, private_redis_server: PrivateRedis, tmp_path: Path
) -> None:
    url = _database(private_pg, "import")
    server = SegmentdProcess(
        tmp_path, database_url=url, env={"SEGMENTD_REDIS_URL": private_redis_server.url}
    )
    token = server.admin_token()
    server.start()
    old = [f"old-{n:06d}" for n in range(OLD_KEYS)]
    upload = tmp_path / "million.csv"
    upload.write_bytes(b"".join(f"new-{n:07d}\n".encode() for n in range(IMPORT_KEYS)))
    headers = {"Authorization": token}
    try:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
            body = {"key": "big", "name": "big", "unbounded": True}
            assert http.post("/api/v2/segments/default/production", json=body).status_code == 201
            added = http.post(f"{BIG}/contexts", json={"included": {"add": old}})
            assert added.status_code == 204
            started = time.monotonic()
            with upload.open("rb") as file:
                answer = http.post(
                    f"{BIG}/imports",
                    files={"file": ("million.csv", file)},
                    data={"mode": "replace"},
                )
            assert answer.status_code == 204, answer.text
            location = answer.headers["Location"]
            while http.get(location).json()["status"] != "in_progress":
                assert time.monotonic() - started < 120
                time.sleep(0.05)
            time.sleep(1.0)  # well inside the import (about 16 s on PostgreSQL here)
            assert http.get(location).json()["status"] == "in_progress"
            killed_after = time.monotonic() - started
            server.kill()
        server.start()
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
            record = http.get(location).json()
            assert record["status"] == "stopped", record
            for key in (old[0], old[-1]):
                member = http.get(f"{BIG}/contexts/{key}").json()
                assert member["included"] is True, member
            assert http.get(f"{BIG}/contexts/new-0000000").json()["included"] is False
            segment = http.get(BIG).json()
            assert segment["_importInProgress"] is False
        # Redis: the old members are there again (repaired at start-up), no new one is
        client = redis.Redis.from_url(private_redis_server.url)
        deadline = time.monotonic() + 30
        try:
            while _members_in_redis(client, old, "big.g1") != OLD_KEYS:
                assert time.monotonic() < deadline, "Redis not repaired after the kill"
                time.sleep(0.2)
            sample = [f"new-{n:07d}" for n in range(0, IMPORT_KEYS, 1000)]
            assert _members_in_redis(client, sample, "big.g2") == 0
        finally:
            client.close()
    finally:
        server.stop()
    report(
        "server_kill_import",
        import_keys=IMPORT_KEYS,
        old_members=OLD_KEYS,
        killed_after_seconds=round(killed_after, 1),
        import_status_after_restart="stopped",
        old_members_lost=0,
    )
