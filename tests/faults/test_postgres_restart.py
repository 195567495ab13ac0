"""Fault: PostgreSQL stopped and started again under a write load.

While the database is down every write is answered 503 with LaunchDarkly's error body; when
it is back the same process serves writes again (no restart), and every write that was
acknowledged with 201 is in the database.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import orjson
import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from tests.faults.instances import PrivatePostgres
from tests.faults.load import WriteLoad, report, stored_keys
from tests.live import serve_in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DOWN_SECONDS = 3.0


def test_postgres_stopped_under_write_load__503_with_error_shape_then_recovers(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    url = private_pg.create_database(f"fault_pg_{uuid.uuid4().hex[:8]}")
    services = build_services(Settings(data_dir=tmp_path, database_url=url))
    token = initialise_if_empty(services.uow, services.projects, services.access)
    assert token is not None
    try:
        with serve_in_thread(services, token.secret) as live:
            load = WriteLoad(live.base_url, token.secret, threads=4)
            load.start()
            time.sleep(1.5)
            down_at = time.monotonic()
            private_pg.stop("fast")
            stopped_at = time.monotonic()
            time.sleep(DOWN_SECONDS)
            starting_at = time.monotonic()
            private_pg.start()
            up_at = time.monotonic()
            deadline = up_at + 20
            while not any(a.status == 201 and a.at > up_at for a in load.answers):
                assert time.monotonic() < deadline, "no write succeeded 20 s after the restart"
                time.sleep(0.05)
            recovered_at = min(a.at for a in load.answers if a.status == 201 and a.at > up_at)
            time.sleep(1.0)
            load.stop()
    finally:
        services.close()

    statuses = load.statuses()
    assert set(statuses) <= {201, 503}, statuses
    during = load.statuses(stopped_at, starting_at)
    assert during.get(503, 0) > 0, during
    assert 201 not in during, during
    for answer in load.answers:
        if answer.status == 503:
            body = orjson.loads(answer.body)
            assert set(body) == {"code", "message", "id"}, body
            assert body["code"] == "service_unavailable"
    acknowledged = load.acknowledged()
    missing = acknowledged - stored_keys(url)
    assert not missing
    report(
        "postgres_restart",
        writes=len(load.answers),
        acknowledged=len(acknowledged),
        statuses=statuses,
        down_seconds=round(up_at - down_at, 2),
        answers_while_down=during,
        recovered_after_start_seconds=round(recovered_at - up_at, 2),
        lost=len(missing),
    )
