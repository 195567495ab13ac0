"""A live segmentd on a fresh SQLite database, and LaunchDarkly's real Python SDK against it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import ldclient
import pytest
from ldclient.config import Config
from ldclient.feature_store import InMemoryFeatureStore

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.domain.flags.model import DEFAULT_CLIENT_SIDE, ClientSideAvailability, Flag
from segmentd.domain.flags.patch import parse_flag_instructions
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import Segment
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.flags.service import FlagDraft
from segmentd.services.ports import ItemChange
from segmentd.services.segments.service import SegmentDraft
from tests.live import LiveServer, serve_in_thread

HEARTBEAT_SECONDS = 0.5


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("feed")
    services = build_services(
        Settings(data_dir=data_dir, stream_heartbeat_seconds=HEARTBEAT_SECONDS)
    )
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    with serve_in_thread(services, first.secret) as server:
        yield server
    services.close()


@pytest.fixture
def env(live: LiveServer) -> Environment:
    """A fresh environment per test, so that tests do not see each other's data."""
    from segmentd.services.projects.service import EnvironmentDraft

    key = f"e{uuid.uuid4().hex[:10]}"
    return live.services.projects.create_environment(
        "default", EnvironmentDraft(key=key, name=key, color="00AA00")
    )


@dataclass
class Feed:
    """Writes through the services (as the REST API does) and announces them."""

    services: Services
    env: Environment

    def segment(self, key: str, **targeting: object) -> Segment:
        self.services.segments.create("default", self.env.key, SegmentDraft(key=key, name=key))
        if targeting:
            return self.update_segment(key, **targeting)
        return self.get_segment(key)

    def get_segment(self, key: str) -> Segment:
        with self.services.uow() as uow:
            segment = uow.segments.get(environment_id=self.env.id, key=key)
        assert segment is not None
        return segment

    def update_segment(self, key: str, **targeting: object) -> Segment:
        """Segment PATCH lives on another branch: write through the repository and announce."""
        with self.services.uow(write=True) as uow:
            current = uow.segments.get(environment_id=self.env.id, key=key)
            assert current is not None
            updated = replace(current, version=current.version + 1, **targeting)  # type: ignore[arg-type]
            uow.segments.update(
                environment_id=self.env.id, segment=updated, expected_version=current.version
            )
            uow.commit()
        self.services.notifier.publish(ItemChange(self.env.id, "segments", key, updated.version))
        return updated

    def delete_segment(self, key: str) -> int:
        with self.services.uow(write=True) as uow:
            current = uow.segments.get(environment_id=self.env.id, key=key)
            assert current is not None
            version = uow.segments.delete(
                environment_id=self.env.id, key=key, expected_version=current.version
            )
            uow.commit()
        self.services.notifier.publish(ItemChange(self.env.id, "segments", key, version))
        return version

    def segment_flag(
        self,
        flag_key: str,
        segment_key: str,
        client_side: ClientSideAvailability = DEFAULT_CLIENT_SIDE,
    ) -> Flag:
        """A boolean flag, on, serving true to members of the segment and false otherwise."""
        flag = self.services.flags.create(
            "default", FlagDraft(key=flag_key, name=flag_key, client_side=client_side)
        )
        true_id, false_id = (v.id for v in flag.variations)
        return self.instruct(
            flag_key,
            [
                {"kind": "turnFlagOn"},
                {
                    "kind": "addRule",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": [segment_key]}],
                    "variationId": true_id,
                },
                {"kind": "updateFallthroughVariationOrRollout", "variationId": false_id},
            ],
        )

    def instruct(self, flag_key: str, instructions: list[object]) -> Flag:
        return self.services.flags.patch_semantic(
            "default", flag_key, self.env.key, parse_flag_instructions(instructions)
        )


@pytest.fixture
def feed(live: LiveServer, env: Environment) -> Feed:
    return Feed(live.services, env)


@contextmanager
def sdk_client(
    live: LiveServer,
    env: Environment,
    *,
    stream: bool,
    store: InMemoryFeatureStore | None = None,
) -> Iterator[ldclient.LDClient]:
    """LaunchDarkly's real server-side SDK, pointed at the live server, initialised."""
    config = Config(
        env.sdk_key,
        feature_store=store or InMemoryFeatureStore(),
        base_uri=live.base_url,
        stream_uri=live.base_url,
        events_uri=live.base_url,
        stream=stream,
        initial_reconnect_delay=0.1,
    )
    client = ldclient.LDClient(config, start_wait=10)
    try:
        yield client
    finally:
        client.close()


def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until ``condition()`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.005)
    return time.monotonic() - started
