"""The SDK feed of one environment never serves another environment's data.

Three projects with two environments each; every environment gets segments whose keys name
it, every project a flag. Each SDK key, on the polling and on the streaming endpoint, sees
exactly its own environment's segments and its own project's flags, and a change in one
environment reaches no other environment's stream.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest

from tests.feed.test_feed_http import _events
from tests.live import LiveServer

PROJECTS = ("iso-a", "iso-b", "iso-c")
ENVIRONMENTS = ("production", "test")


@dataclass(frozen=True)
class Env:
    project: str
    key: str
    sdk_key: str
    mobile_key: str

    @property
    def segments(self) -> set[str]:
        return {f"{self.project}-{self.key}-{n}" for n in range(3)}


@pytest.fixture(scope="module")
def envs(live: LiveServer) -> list[Env]:
    headers = {"Authorization": live.admin_token}
    found = []
    with httpx.Client(base_url=live.base_url, headers=headers) as http:
        for project in PROJECTS:
            assert http.post("/api/v2/projects", json={"key": project, "name": project}).is_success
            flag = {"key": f"{project}-flag", "name": "f"}
            assert http.post(f"/api/v2/flags/{project}", json=flag).status_code == 201
            for key in ENVIRONMENTS:
                rep = http.get(f"/api/v2/projects/{project}/environments/{key}").json()
                env = Env(project, key, rep["apiKey"], rep["mobileKey"])
                for segment in sorted(env.segments):
                    body = {"key": segment, "name": segment}
                    created = http.post(f"/api/v2/segments/{project}/{key}", json=body)
                    assert created.status_code == 201
                found.append(env)
    return found


def _put(base_url: str, sdk_key: str) -> dict[str, dict[str, object]]:
    with (
        httpx.Client(timeout=5) as client,
        client.stream("GET", f"{base_url}/all", headers={"Authorization": sdk_key}) as response,
    ):
        assert response.status_code == 200
        name, data = next(_events(response.iter_lines()))
        assert name == "put"
        return orjson.loads(data)["data"]  # type: ignore[no-any-return]


def test_polling__each_sdk_key__only_its_environment(live: LiveServer, envs: list[Env]) -> None:
    for env in envs:
        response = httpx.get(
            f"{live.base_url}/sdk/latest-all", headers={"Authorization": env.sdk_key}
        )
        assert response.status_code == 200
        data = response.json()
        assert set(data["segments"]) == env.segments, env
        assert set(data["flags"]) == {f"{env.project}-flag"}, env


def test_streaming__each_sdk_key__only_its_environment(live: LiveServer, envs: list[Env]) -> None:
    for env in envs:
        data = _put(live.base_url, env.sdk_key)
        assert set(data["segments"]) == env.segments, env
        assert set(data["flags"]) == {f"{env.project}-flag"}, env


def test_other_keys__refused_on_the_feed(live: LiveServer, envs: list[Env]) -> None:
    for credential in [envs[0].mobile_key, live.admin_token, envs[0].sdk_key + "x", ""]:
        response = httpx.get(
            f"{live.base_url}/sdk/latest-all", headers={"Authorization": credential}
        )
        assert response.status_code == 401, credential


def _changes_seen(
    base_url: str, sdk_key: str, stop_key: str, connected: threading.Event
) -> Iterator[str]:
    """Keys of the ``patch`` events one stream receives until ``stop_key`` arrives."""
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{base_url}/all", headers={"Authorization": sdk_key}) as response,
    ):
        for name, data in _events(response.iter_lines()):
            if name == "put":
                connected.set()
            elif name == "patch":
                key = str(orjson.loads(data)["path"]).rsplit("/", 1)[-1]
                yield key
                if key == stop_key:
                    return


def test_change_in_one_environment__reaches_no_other_stream(
    live: LiveServer, envs: list[Env]
) -> None:
    headers = {"Authorization": live.admin_token}
    watcher, writer = envs[0], envs[1]
    seen: list[str] = []
    ready = threading.Event()

    def watch() -> None:
        seen.extend(_changes_seen(live.base_url, watcher.sdk_key, "watcher-last", ready))

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    assert ready.wait(10)
    with httpx.Client(base_url=live.base_url, headers=headers) as http:
        for env, n in itertools.product((writer, watcher), range(3)):
            key = f"change-{env.project}-{env.key}-{n}"
            body = {"key": key, "name": key}
            http.post(f"/api/v2/segments/{env.project}/{env.key}", json=body)
        body = {"key": "watcher-last", "name": "last"}
        http.post(f"/api/v2/segments/{watcher.project}/{watcher.key}", json=body)
    thread.join(10)
    assert "watcher-last" in seen
    own = {f"change-{watcher.project}-{watcher.key}-{n}" for n in range(3)} | {"watcher-last"}
    assert set(seen) == own, seen
