"""The segment-targeting part of ``launchdarkly_feature_flag_environment``, as raw HTTP.

The provider reads the flag for one environment (``GET …/flags/{p}/{k}?env=…``), then sends
one JSON Patch of ``/environments/{env}/…`` replaces: ``on``, ``offVariation``,
``trackEvents``, ``rules`` (each with ``description`` and either ``variation`` or a
``rollout``; a rule targets a segment with a ``segmentMatch`` clause), ``prerequisites``,
``targets``, ``contextTargets`` and ``fallthrough``. Its delete resets the environment with
the same replaces (one of them spelled ``fallthough``, which LaunchDarkly accepts).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.feature_flags_api import FeatureFlagsApi
from launchdarkly_api.models.patch_operation import PatchOperation
from launchdarkly_api.models.patch_with_comment import PatchWithComment

from tests.api.terraform.test_segment_resource import create_shell, replace

FLAGS = "/api/v2/flags/default"
ENV = "production"


def env_path(field: str) -> str:
    return f"/environments/{ENV}/{field}"


@pytest.fixture
def flag(http: httpx.Client) -> str:
    key = f"flag-{uuid.uuid4().hex[:10]}"
    body = {
        "name": "Terraform flag",
        "key": key,
        "description": "",
        "temporary": False,
        "tags": [],
        "variations": [{"value": True}, {"value": False}],
        "defaults": {"onVariation": 0, "offVariation": 1},
    }
    response = http.post(FLAGS, json=body)
    assert response.status_code == 201, response.text
    return key


def read_env(http: httpx.Client, flag: str) -> dict[str, Any]:
    response = http.get(f"{FLAGS}/{flag}", params={"env": ENV})
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()["environments"][ENV]
    return config


def send(http: httpx.Client, flag: str, ops: list[dict[str, Any]]) -> httpx.Response:
    return http.patch(f"{FLAGS}/{flag}", json={"comment": "Terraform", "patch": ops})


def segment_rules(segment: str) -> list[Any]:
    clause = {"attribute": "segmentMatch", "op": "segmentMatch", "values": [segment]}
    return [
        {"description": "", "variation": 0, "clauses": [{**clause, "negate": False}]},
        {
            "description": "half of the others",
            "rollout": {
                "variations": [
                    {"variation": 0, "weight": 50000},
                    {"variation": 1, "weight": 50000},
                ],
                "bucketBy": "key",
                "contextKind": "user",
            },
            "clauses": [{**clause, "negate": True}],
        },
    ]


def create_ops(segment: str) -> list[dict[str, Any]]:
    return [
        replace(env_path("on"), True),
        replace(env_path("offVariation"), 1),
        replace(env_path("trackEvents"), False),
        replace(env_path("rules"), segment_rules(segment)),
        replace(env_path("prerequisites"), []),
        replace(env_path("targets"), [{"variation": 0, "values": ["u-1"], "contextKind": "user"}]),
        replace(
            env_path("contextTargets"),
            [{"variation": 1, "values": ["o-1"], "contextKind": "org"}],
        ),
        replace(env_path("fallthrough"), {"variation": 1}),
    ]


def test_create__targets_a_segment(http: httpx.Client, flag: str, key: str) -> None:
    create_shell(http, key, v2=False)
    read_env(http, flag)
    response = send(http, flag, create_ops(key))
    assert response.status_code == 200, response.text
    config = read_env(http, flag)
    assert config["on"] is True
    assert config["offVariation"] == 1
    assert config["fallthrough"] == {"variation": 1}
    assert [r["clauses"][0]["values"] for r in config["rules"]] == [[key], [key]]
    assert config["rules"][0]["variation"] == 0
    assert config["rules"][1]["rollout"]["variations"][1] == {"variation": 1, "weight": 50000}
    assert config["targets"][0]["values"] == ["u-1"]
    assert config["contextTargets"][0]["values"] == ["o-1"]
    segment = http.get(f"/api/v2/segments/default/{ENV}/{key}").json()
    assert [f["key"] for f in segment["_flags"]] == [flag]


def test_delete__resets_the_environment(http: httpx.Client, flag: str, key: str) -> None:
    create_shell(http, key, v2=False)
    assert send(http, flag, create_ops(key)).status_code == 200
    reset = [
        replace(env_path("on"), False),
        replace(env_path("rules"), []),
        replace(env_path("trackEvents"), False),
        replace(env_path("prerequisites"), []),
        replace(env_path("offVariation"), 1),
        replace(env_path("targets"), []),
        replace(env_path("contextTargets"), []),
        replace(env_path("fallthough"), {"variation": 0}),
    ]
    response = send(http, flag, reset)
    assert response.status_code == 200, response.text
    config = read_env(http, flag)
    assert (config["on"], config["rules"], config["targets"]) == (False, [], [])
    assert http.delete(f"/api/v2/segments/default/{ENV}/{key}").status_code == 204


def test_remove_off_variation__when_set(http: httpx.Client, flag: str) -> None:
    response = send(http, flag, [{"op": "remove", "path": env_path("offVariation")}])
    assert response.status_code == 200, response.text
    assert "offVariation" not in read_env(http, flag)


def test_prerequisites__not_empty__refused_as_unsupported(http: httpx.Client, flag: str) -> None:
    ops = [replace(env_path("prerequisites"), [{"key": "other", "variation": 0}])]
    response = send(http, flag, ops)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "prerequisites" in response.json()["message"]


def test_lifecycle__official_client(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, flag: str, key: str
) -> None:
    """The same create and delete patches through ``launchdarkly-api``'s typed models."""
    create_shell(http, key, v2=False)
    api = FeatureFlagsApi(ld_client)
    api.get_feature_flag("default", flag, env=ENV)
    ops = [PatchOperation(op="replace", path=o["path"], value=o["value"]) for o in create_ops(key)]
    updated = api.patch_feature_flag(
        "default", flag, PatchWithComment(comment="Terraform", patch=ops)
    )
    config = updated.environments[ENV] if updated.environments else None
    assert config is not None
    assert config.on is True
    assert [rule.clauses[0].values for rule in config.rules or []] == [[key], [key]]
    reset = [
        PatchOperation(op="replace", path=env_path("rules"), value=[]),
        PatchOperation(op="remove", path=env_path("offVariation")),
        PatchOperation(op="replace", path=env_path("fallthough"), value={"variation": 0}),
    ]
    cleared = api.patch_feature_flag(
        "default", flag, PatchWithComment(comment="Terraform", patch=reset)
    )
    assert cleared.environments is not None
    assert cleared.environments[ENV].rules == []
    assert cleared.environments[ENV].off_variation is None
