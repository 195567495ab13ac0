"""What segmentd serves client-side and mobile SDKs equals what LaunchDarkly's Python SDK
computes (``all_flags_state``) from segmentd's own server-side feed, on generated segments,
flags and contexts."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from ldclient import Context

from segmentd.domain.projects.model import Environment
from tests import sdk_scenarios
from tests.feed.conftest import sdk_client
from tests.live import LiveServer


@pytest.fixture
def rest(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token}) as c:
        yield c


def b64(context: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(context)).decode().rstrip("=")


def python_sdk_view(state: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    meta = state["$flagsState"]
    return {
        k: (state[k], meta[k].get("variation"), meta[k]["reason"], meta[k]["version"])
        for k in keys
        if k in meta
    }


def served_view(served: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {
        k: (f["value"], f.get("variation"), f["reason"], f["flagVersion"])
        for k, f in served.items()
        if k in keys
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_served_variations__equal_python_sdk_all_flags_state(
    live: LiveServer, env: Environment, rest: httpx.Client, seed: int
) -> None:
    scenario = sdk_scenarios.generate(seed)
    keys = sdk_scenarios.write(rest, env.key, scenario, prefix=f"d{uuid.uuid4().hex[:6]}-")
    mine = set(keys.values())
    browser_keys = {
        keys[f["key"]] for f in scenario.flags if f["clientSideAvailability"]["usingEnvironmentId"]
    }
    compared = 0
    with (
        sdk_client(live, env, stream=False) as client,
        httpx.Client(base_url=live.base_url) as http,
    ):
        assert client.is_initialized()
        for raw in scenario.contexts:
            context = Context.from_dict(raw)
            assert context.valid, context.error
            state = client.all_flags_state(
                context, client_side_only=True, with_reasons=True
            ).to_json_dict()
            expected = python_sdk_view(state, mine)
            assert set(expected) == browser_keys
            served = http.get(
                f"/sdk/evalx/{env.id}/contexts/{b64(raw)}", params={"withReasons": "true"}
            )
            assert served.status_code == 200, served.text
            assert served_view(served.json(), mine) == expected, raw
            mobile = http.request(
                "REPORT",
                "/msdk/evalx/context",
                content=orjson.dumps(raw),
                headers={"Authorization": env.mobile_key, "Content-Type": "application/json"},
                params={"withReasons": "true"},
            ).json()
            full = client.all_flags_state(context, with_reasons=True).to_json_dict()
            assert served_view(mobile, mine) == python_sdk_view(full, mine), raw
            compared += len(expected)
    assert compared > 100
