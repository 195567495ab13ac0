"""A live segmentd (in a thread, fresh SQLite database) shared by a security test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from tests.live import LiveServer, serve_in_thread


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    services = build_services(
        Settings(data_dir=tmp_path_factory.mktemp("security"), stream_heartbeat_seconds=0.5)
    )
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    with serve_in_thread(services, first.secret) as server:
        yield server
    services.close()
