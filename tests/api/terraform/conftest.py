"""A live server per store (SQLite and PostgreSQL) for the Terraform request patterns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import launchdarkly_api
import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from tests.live import LiveServer, serve_in_thread
from tests.realparts import postgres_database, require_service


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """segmentd on a fresh database of each store, shared by one module's tests."""
    data_dir: Path = tmp_path_factory.mktemp("terraform")
    if request.param == "sqlite":
        yield from _serve(Settings(data_dir=data_dir))
        return
    require_service("postgres")
    with postgres_database(f"segmentd_tf_{uuid.uuid4().hex[:8]}") as url:
        yield from _serve(Settings(data_dir=data_dir, database_url=url))


def _serve(settings: Settings) -> Iterator[LiveServer]:
    services = build_services(settings)
    try:
        first = initialise_if_empty(services.uow, services.projects, services.access)
        assert first is not None
        with serve_in_thread(services, first.secret) as server:
            yield server
    finally:
        services.close()


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    """Raw HTTP as the provider sends it: an API token in ``Authorization``, JSON bodies."""
    headers = {"Authorization": live.admin_token, "User-Agent": "terraform-provider-launchdarkly"}
    with httpx.Client(base_url=live.base_url, headers=headers) as client:
        yield client


@pytest.fixture
def ld_client(live: LiveServer) -> Iterator[launchdarkly_api.ApiClient]:
    configuration = launchdarkly_api.Configuration(host=live.base_url)
    configuration.api_key["ApiKey"] = live.admin_token
    with launchdarkly_api.ApiClient(configuration) as client:
        yield client


@pytest.fixture
def key() -> str:
    return f"tf-{uuid.uuid4().hex[:12]}"
