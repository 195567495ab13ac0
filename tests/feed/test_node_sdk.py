"""LaunchDarkly's real Node server SDK (``@launchdarkly/node-server-sdk``), streaming and
polling, with its Redis Big Segment store (``@launchdarkly/node-server-sdk-redis``),
evaluates segmentd's flags and segments exactly as the Python SDK does.

A small Node script (tests/js/node_evaluate.mjs) evaluates every flag for every generated
context against a live segmentd; the Python SDK evaluates the same from the same server.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ldclient
import pytest
import redis
from ldclient import Context
from ldclient.config import BigSegmentsConfig, Config
from ldclient.integrations import Redis

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.big_segments.model import TargetChanges
from segmentd.domain.projects.model import Environment
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.projects.service import EnvironmentDraft
from tests import jsparts, sdk_scenarios
from tests.live import LiveServer, serve_in_thread
from tests.realparts import REDIS_URL, require_service

pytestmark = pytest.mark.redis

SCRIPT = jsparts.JS_DIR / "node_evaluate.mjs"


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    name = f"segmentd-node-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{name}:*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefix: str) -> Iterator[LiveServer]:
    """A live segmentd publishing Big Segment membership to Redis."""
    require_service("redis")
    jsparts.node_modules()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("node"),
        redis_url=REDIS_URL,
        redis_prefix=prefix + ":{env}",
        stream_heartbeat_seconds=1.0,
    )
    services = build_services(settings)
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    with serve_in_thread(services, first.secret) as live:
        yield live
    services.close()


@pytest.fixture
def environment(server: LiveServer) -> Environment:
    key = f"n{uuid.uuid4().hex[:8]}"
    return server.services.projects.create_environment(
        "default", EnvironmentDraft(key=key, name=key, color="0000AA")
    )


def _ok(answer: httpx.Response) -> None:
    assert answer.status_code in (200, 201), answer.text


def _big_segment_flag(server: LiveServer, env: Environment, rest: httpx.Client, flag: str) -> None:
    """Big segment ``vip`` (members u1, u2; u3 excluded) and a flag serving it variation 0."""
    _ok(
        rest.post(
            f"/api/v2/segments/default/{env.key}",
            json={"key": "vip", "name": "VIP", "unbounded": True},
        )
    )
    server.services.big_segments.update_targets(
        "default", env.key, "vip", TargetChanges(included_add=("u1", "u2"), excluded_add=("u3",))
    )
    server.services.big_segments.sync.tick()
    _ok(rest.post("/api/v2/flags/default", json={"key": flag, "name": flag}))
    rule = {"clauses": [{"attribute": "", "op": "segmentMatch", "values": ["vip"]}], "variation": 0}
    _ok(
        rest.patch(
            f"/api/v2/flags/default/{flag}",
            json=[
                {"op": "replace", "path": f"/environments/{env.key}/on", "value": True},
                {"op": "replace", "path": f"/environments/{env.key}/rules", "value": [rule]},
                {
                    "op": "replace",
                    "path": f"/environments/{env.key}/fallthrough",
                    "value": {"variation": 1},
                },
            ],
        )
    )


def _node(
    server: LiveServer,
    env: Environment,
    prefix: str,
    *,
    stream: bool,
    flags: list[str],
    contexts: list[Any],
) -> list[list[dict[str, Any]]]:
    host, port = "127.0.0.1", 6379
    payload = {
        "baseUrl": server.base_url,
        "sdkKey": env.sdk_key,
        "stream": stream,
        "flags": flags,
        "contexts": contexts,
        "redis": {"host": host, "port": port, "prefix": f"{prefix}:{env.key}"},
    }
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(SCRIPT).parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows: list[list[dict[str, Any]]] = json.loads(result.stdout)["results"]
    return rows


def _python(
    server: LiveServer, env: Environment, prefix: str, flags: list[str], contexts: list[Any]
) -> list[list[dict[str, Any]]]:
    config = Config(
        env.sdk_key,
        base_uri=server.base_url,
        stream_uri=server.base_url,
        events_uri=server.base_url,
        send_events=False,
        big_segments=BigSegmentsConfig(
            store=Redis.new_big_segment_store(url=REDIS_URL, prefix=f"{prefix}:{env.key}")
        ),
    )
    client = ldclient.LDClient(config, start_wait=10)
    try:
        assert client.is_initialized()
        rows = []
        for raw in contexts:
            context = Context.from_dict(raw)
            row = []
            for key in flags:
                detail = client.variation_detail(key, context, None)
                row.append(
                    {
                        "key": key,
                        "value": detail.value,
                        "variationIndex": detail.variation_index,
                        "reason": detail.reason,
                    }
                )
            rows.append(row)
        return rows
    finally:
        client.close()


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "polling"])
def test_node_sdk__generated_flags_and_segments__same_as_python_sdk(
    server: LiveServer, environment: Environment, prefix: str, stream: bool
) -> None:
    scenario = sdk_scenarios.generate(11 if stream else 12)
    big_flag = f"big-{uuid.uuid4().hex[:6]}"
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": server.admin_token}
    ) as rest:
        keys = sdk_scenarios.write(
            rest, environment.key, scenario, prefix=f"n{uuid.uuid4().hex[:6]}-"
        )
        _big_segment_flag(server, environment, rest, big_flag)
    flags = [*keys.values(), big_flag]
    contexts = [*scenario.contexts, *({"kind": "user", "key": k} for k in ("u1", "u2", "u3", "u4"))]
    node = _node(server, environment, prefix, stream=stream, flags=flags, contexts=contexts)
    python = _python(server, environment, prefix, flags, contexts)
    assert len(node) == len(python) == len(contexts)
    for raw, node_row, python_row in zip(contexts, node, python, strict=True):
        assert node_row == python_row, raw
    big = [row[-1] for row in python[-4:]]
    assert [r["value"] for r in big] == [True, True, False, False]
    assert all(r["reason"].get("bigSegmentsStatus") == "HEALTHY" for r in big)
