"""A deleted or role-changed token stops working at once on every process.

Two real ``segmentd serve`` processes share one database (a SQLite file, or PostgreSQL). A
change made through the first is in force on the second for the very next request: no
cache period, no reliance on the change relay.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.faults.server import SegmentdProcess
from tests.realparts import postgres_database, require_service

ROUNDS = 20
SEGMENTS = "/api/v2/segments/default/production"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def two_processes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SegmentdProcess, SegmentdProcess, str]]:
    tmp_path = tmp_path_factory.mktemp("revocation")

    def run(database_url: str | None) -> Iterator[tuple[SegmentdProcess, SegmentdProcess, str]]:
        first = SegmentdProcess(tmp_path, database_url=database_url)
        second = SegmentdProcess(tmp_path, database_url=database_url)
        token = first.admin_token()
        first.start()
        second.start()
        try:
            yield first, second, token
        finally:
            first.stop()
            second.stop()

    if request.param == "sqlite":
        yield from run(None)
        return
    require_service("postgres")
    with postgres_database(f"segmentd_revoke_{uuid.uuid4().hex[:8]}") as url:
        yield from run(url)


@contextmanager
def _clients(
    processes: tuple[SegmentdProcess, SegmentdProcess, str],
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """An admin client of the first process and a bare client of the second."""
    first, second, admin_token = processes
    with (
        httpx.Client(base_url=first.base_url, headers={"Authorization": admin_token}) as admin,
        httpx.Client(base_url=second.base_url) as other,
    ):
        yield admin, other


def _token(admin: httpx.Client, role: str) -> tuple[str, str]:
    created = admin.post("/api/v2/tokens", json={"name": "victim", "role": role})
    assert created.status_code == 201, created.text
    return created.json()["_id"], created.json()["token"]


def test_token_deleted_through_one_process__refused_by_the_other_on_next_request(
    two_processes: tuple[SegmentdProcess, SegmentdProcess, str],
) -> None:
    with _clients(two_processes) as (admin, other):
        for _ in range(ROUNDS):
            token_id, secret = _token(admin, "writer")
            assert other.get(SEGMENTS, headers={"Authorization": secret}).status_code == 200
            assert admin.delete(f"/api/v2/tokens/{token_id}").status_code == 204
            refused = other.get(SEGMENTS, headers={"Authorization": secret})
            assert refused.status_code == 401
            assert refused.json()["code"] == "unauthorized"


def test_token_role_lowered_through_one_process__restricted_on_the_other_on_next_request(
    two_processes: tuple[SegmentdProcess, SegmentdProcess, str],
) -> None:
    with _clients(two_processes) as (admin, other):
        for n in range(ROUNDS):
            token_id, secret = _token(admin, "admin")
            as_victim = {"Authorization": secret}
            assert other.get("/api/v2/tokens", headers=as_victim).status_code == 200
            lowered = admin.patch(
                f"/api/v2/tokens/{token_id}",
                json=[{"op": "replace", "path": "/role", "value": "reader"}],
            )
            assert lowered.status_code == 200, lowered.text
            assert lowered.json()["role"] == "reader"
            assert other.get("/api/v2/tokens", headers=as_victim).status_code == 403
            segment = {"key": f"s{n}", "name": "s"}
            assert other.post(SEGMENTS, json=segment, headers=as_victim).status_code == 403
            assert other.get(SEGMENTS, headers=as_victim).status_code == 200
