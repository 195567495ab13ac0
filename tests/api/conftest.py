"""A live server on a fresh SQLite database, shared by the API tests of one module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import launchdarkly_api
import pytest

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.domain.projects.model import Role
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from tests.live import LiveServer, serve_in_thread


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("live")
    services = build_services(Settings(data_dir=data_dir))
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    with serve_in_thread(services, first.secret) as server:
        yield server
    services.close()


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    """Raw HTTP as an admin."""
    with httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token}) as c:
        yield c


def token_for(live: LiveServer, role: Role) -> str:
    return live.services.access.create(name=f"test {role.value}", role=role).secret


@pytest.fixture
def ld_client(live: LiveServer) -> Iterator[launchdarkly_api.ApiClient]:
    """The official LaunchDarkly REST client, pointed at segmentd, as a writer."""
    configuration = launchdarkly_api.Configuration(host=live.base_url)
    configuration.api_key["ApiKey"] = token_for(live, Role.ADMIN)
    with launchdarkly_api.ApiClient(configuration) as client:
        yield client


@pytest.fixture
def key() -> str:
    """A segment key no other test uses."""
    return f"seg-{uuid.uuid4().hex[:12]}"


def store_targeting(
    services: Services,
    environment_key: str,
    key: str,
    *,
    name: str | None = None,
    description: str | None = None,
    **targeting: Any,
) -> None:
    """Create a segment in ``default``, then give it targeting directly in the store."""
    created = services.segments.create(
        "default",
        environment_key,
        SegmentDraft(key=key, name=name or key.title(), description=description),
    )
    environment = services.projects.get_environment("default", environment_key)
    with services.uow(write=True) as uow:
        uow.segments.update(
            environment_id=environment.id,
            segment=replace(created, version=created.version + 1, **targeting),
            expected_version=created.version,
        )
        uow.commit()
