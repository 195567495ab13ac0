"""``/api/v2/flags/{projectKey}`` through LaunchDarkly's official client (FeatureFlagsApi)
and raw HTTP for what the client cannot send (semantic patch)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.feature_flags_api import FeatureFlagsApi
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import ApiException, NotFoundException
from launchdarkly_api.models.defaults import Defaults
from launchdarkly_api.models.feature_flag import FeatureFlag
from launchdarkly_api.models.feature_flag_body import FeatureFlagBody
from launchdarkly_api.models.feature_flag_config import FeatureFlagConfig
from launchdarkly_api.models.patch_operation import PatchOperation
from launchdarkly_api.models.patch_with_comment import PatchWithComment
from launchdarkly_api.models.rule import Rule
from launchdarkly_api.models.segment_body import SegmentBody
from launchdarkly_api.models.variation import Variation

SEMANTIC = {"Content-Type": "application/json; domain-model=launchdarkly.semanticpatch"}


def _envs(flag: FeatureFlag) -> dict[str, FeatureFlagConfig]:
    assert flag.environments is not None
    return flag.environments


def _fallthrough(config: FeatureFlagConfig) -> int | None:
    assert config.fallthrough is not None
    return config.fallthrough.variation


def _rules(config: FeatureFlagConfig) -> list[Rule]:
    assert config.rules is not None
    return config.rules


@pytest.fixture
def flag_key() -> str:
    return f"flag-{uuid.uuid4().hex[:10]}"


def _semantic(http: httpx.Client, key: str, body: dict[str, Any]) -> httpx.Response:
    return http.patch(f"/api/v2/flags/default/{key}", json=body, headers=SEMANTIC)


def test_post_flag__official_client__boolean_flag_with_every_environment(
    ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    flag = FeatureFlagsApi(ld_client).post_feature_flag(
        "default", FeatureFlagBody(name="New checkout", key=flag_key, tags=["checkout"])
    )
    assert flag.key == flag_key
    assert flag.kind == "boolean"
    assert [v.value for v in flag.variations] == [True, False]
    assert flag.version == 1
    assert set(_envs(flag)) == {"production", "test"}
    production = _envs(flag)["production"]
    assert production.on is False
    assert production.version == 1
    assert _fallthrough(production) == 0
    assert production.off_variation == 1
    assert production.rules == []
    assert production.salt


def test_post_flag__multivariate_with_defaults__served_as_configured(
    ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    flag = FeatureFlagsApi(ld_client).post_feature_flag(
        "default",
        FeatureFlagBody(
            name="Colour",
            key=flag_key,
            variations=[Variation(value="red"), Variation(value="green"), Variation(value="blue")],
            defaults=Defaults(onVariation=2, offVariation=0),
        ),
    )
    assert flag.kind == "multivariate"
    assert _fallthrough(_envs(flag)["test"]) == 2
    assert _envs(flag)["test"].off_variation == 0


def test_post_flag__duplicate_key__409(
    ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    api = FeatureFlagsApi(ld_client)
    api.post_feature_flag("default", FeatureFlagBody(name="A", key=flag_key))
    with pytest.raises(ApiException) as raised:
        api.post_feature_flag("default", FeatureFlagBody(name="A", key=flag_key))
    assert raised.value.status == 409


def test_get_flags__env_query_and_pagination__official_client_parses(
    ld_client: launchdarkly_api.ApiClient,
) -> None:
    api = FeatureFlagsApi(ld_client)
    prefix = uuid.uuid4().hex[:6]
    for i in range(3):
        api.post_feature_flag("default", FeatureFlagBody(name=f"F{i}", key=f"{prefix}-{i}"))
    first = api.get_feature_flags("default", env="test", limit=2, offset=0)
    assert len(first.items) == 2
    assert (first.total_count or 0) >= 3
    assert all(set(_envs(f)) == {"test"} for f in first.items)
    assert "next" in first.links
    single = api.get_feature_flag("default", f"{prefix}-1", env="production")
    assert set(_envs(single)) == {"production"}


def test_get_flag__unknown__404(ld_client: launchdarkly_api.ApiClient) -> None:
    with pytest.raises(NotFoundException):
        FeatureFlagsApi(ld_client).get_feature_flag("default", "no-such-flag")


def test_patch_flag__json_patch_on_one_environment__only_its_version_grows(
    ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    api = FeatureFlagsApi(ld_client)
    api.post_feature_flag("default", FeatureFlagBody(name="A", key=flag_key))
    flag = api.patch_feature_flag(
        "default",
        flag_key,
        PatchWithComment(
            patch=[
                PatchOperation(op="replace", path="/environments/production/on", value=True),
                PatchOperation(
                    op="add",
                    path="/environments/production/rules/-",
                    value={
                        "variation": 0,
                        "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["beta"]}],
                    },
                ),
            ],
            comment="turn on for beta",
        ),
    )
    production, test = _envs(flag)["production"], _envs(flag)["test"]
    assert production.on is True
    assert production.version == 2
    assert _rules(production)[0].clauses[0].op == "segmentMatch"
    assert _rules(production)[0].id  # server-generated
    assert test.version == 1


@pytest.mark.parametrize(
    ("operation", "status"),
    [
        pytest.param(
            {"op": "replace", "path": "/environments/production/offVariation", "value": 7},
            400,
            id="variation index out of range",
        ),
        pytest.param(
            {
                "op": "add",
                "path": "/environments/production/rules/-",
                "value": {
                    "variation": 0,
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["a b"]}],
                },
            },
            400,
            id="segmentMatch value is not a segment key",
        ),
        pytest.param({"op": "replace", "path": "/key", "value": "other"}, 400, id="read-only key"),
        pytest.param(
            {"op": "replace", "path": "/environments/nowhere/on", "value": True},
            422,
            id="unknown environment",
        ),
        pytest.param({"op": "test", "path": "/_version", "value": 9}, 409, id="stale version"),
    ],
)
def test_patch_flag__invalid_json_patch__refused(
    http: httpx.Client, flag_key: str, operation: dict[str, Any], status: int
) -> None:
    http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key})
    response = http.patch(f"/api/v2/flags/default/{flag_key}", json={"patch": [operation]})
    assert response.status_code == status, response.text
    assert (
        http.get(f"/api/v2/flags/default/{flag_key}").json()["environments"]["production"][
            "version"
        ]
        == 1
    )


def test_patch_flag__semantic_patch__targets_segment(http: httpx.Client, flag_key: str) -> None:
    created = http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key}).json()
    true_id, false_id = (v["_id"] for v in created["variations"])
    response = _semantic(
        http,
        flag_key,
        {
            "environmentKey": "production",
            "instructions": [
                {"kind": "turnFlagOn"},
                {
                    "kind": "addRule",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["beta"]}],
                    "variationId": true_id,
                },
                {"kind": "updateFallthroughVariationOrRollout", "variationId": false_id},
                {"kind": "updateOffVariation", "variationId": false_id},
            ],
        },
    )
    assert response.status_code == 200, response.text
    production = response.json()["environments"]["production"]
    assert production["on"] is True
    assert production["version"] == 2
    rule = production["rules"][0]
    assert rule["variation"] == 0
    clause_id = rule["clauses"][0]["_id"]
    more = _semantic(
        http,
        flag_key,
        {
            "environmentKey": "production",
            "instructions": [
                {
                    "kind": "addValuesToClause",
                    "ruleId": rule["_id"],
                    "clauseId": clause_id,
                    "values": ["gamma"],
                },
                {
                    "kind": "addClauses",
                    "ruleId": rule["_id"],
                    "clauses": [{"attribute": "country", "op": "in", "values": ["FR"]}],
                },
            ],
        },
    ).json()["environments"]["production"]
    assert more["rules"][0]["clauses"][0]["values"] == ["beta", "gamma"]
    assert len(more["rules"][0]["clauses"]) == 2
    assert more["version"] == 3
    fewer = _semantic(
        http,
        flag_key,
        {
            "environmentKey": "production",
            "instructions": [
                {
                    "kind": "removeValuesFromClause",
                    "ruleId": rule["_id"],
                    "clauseId": clause_id,
                    "values": ["beta"],
                },
            ],
        },
    ).json()["environments"]["production"]
    assert fewer["rules"][0]["clauses"][0]["values"] == ["gamma"]
    gone = _semantic(
        http,
        flag_key,
        {
            "environmentKey": "production",
            "instructions": [
                {"kind": "removeRule", "ruleId": rule["_id"]},
                {"kind": "turnFlagOff"},
            ],
        },
    ).json()["environments"]["production"]
    assert gone["rules"] == []
    assert gone["on"] is False
    assert gone["version"] == 5


def test_patch_flag__semantic_noop__version_kept(http: httpx.Client, flag_key: str) -> None:
    http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key})
    response = _semantic(
        http, flag_key, {"environmentKey": "test", "instructions": [{"kind": "turnFlagOff"}]}
    )
    assert response.json()["environments"]["test"]["version"] == 1


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(
            'application/json; charset=utf-8; domain-model="launchdarkly.semanticpatch"',
            id="quoted parameter after charset",
        ),
        pytest.param(
            "application/json;DOMAIN-MODEL=launchdarkly.semanticpatch", id="upper-case name"
        ),
    ],
)
def test_patch_flag__semantic_content_type_forms__read_as_segments_read_them(
    http: httpx.Client, flag_key: str, content_type: str
) -> None:
    http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key})
    response = http.patch(
        f"/api/v2/flags/default/{flag_key}",
        content=b'{"environmentKey": "test", "instructions": [{"kind": "turnFlagOn"}]}',
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    assert response.json()["environments"]["test"]["on"] is True


def test_patch_flag__empty_body__400_as_for_segments(http: httpx.Client, flag_key: str) -> None:
    http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key})
    response = http.patch(
        f"/api/v2/flags/default/{flag_key}",
        content=b"",
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["message"]) == (400, "A JSON body is required")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"instructions": [{"kind": "turnFlagOn"}]}, 400, id="no environmentKey"),
        pytest.param(
            {"environmentKey": "production", "instructions": [{"kind": "archiveFlag"}]},
            400,
            id="unsupported kind",
        ),
        pytest.param(
            {
                "environmentKey": "production",
                "instructions": [{"kind": "turnFlagOn"}, {"kind": "removeRule"}],
            },
            400,
            id="second instruction bad: nothing applied",
        ),
        pytest.param(
            {
                "environmentKey": "production",
                "instructions": [{"kind": "updateOffVariation", "variationId": "nope"}],
            },
            400,
            id="unknown variation id",
        ),
    ],
)
def test_patch_flag__bad_semantic_patch__400_and_unchanged(
    http: httpx.Client, flag_key: str, body: dict[str, Any], status: int
) -> None:
    http.post("/api/v2/flags/default", json={"name": "A", "key": flag_key})
    response = _semantic(http, flag_key, body)
    assert response.status_code == status, response.text
    production = http.get(f"/api/v2/flags/default/{flag_key}").json()["environments"]["production"]
    assert (production["on"], production["version"]) == (False, 1)


def test_delete_flag__then_recreate__versions_continue_above_tombstone(
    ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    api = FeatureFlagsApi(ld_client)
    api.post_feature_flag("default", FeatureFlagBody(name="A", key=flag_key))
    api.delete_feature_flag("default", flag_key)
    with pytest.raises(NotFoundException):
        api.get_feature_flag("default", flag_key)
    again = api.post_feature_flag("default", FeatureFlagBody(name="A", key=flag_key))
    assert _envs(again)["production"].version == 3  # 1, tombstone 2, then 3


def test_get_segment__flag_targets_it__listed_in_flags(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, flag_key: str
) -> None:
    segment_key = f"seg-{uuid.uuid4().hex[:8]}"
    SegmentsApi(ld_client).post_segment(
        "default", "production", SegmentBody(name="S", key=segment_key)
    )
    http.post("/api/v2/flags/default", json={"name": "Uses S", "key": flag_key})
    http.patch(
        f"/api/v2/flags/default/{flag_key}",
        json=[
            {
                "op": "add",
                "path": "/environments/production/rules/0",
                "value": {
                    "variation": 0,
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": [segment_key]}],
                },
            }
        ],
    ).raise_for_status()
    segment = SegmentsApi(ld_client).get_segment("default", "production", segment_key)
    assert segment.flags is not None
    assert [(f.key, f.name) for f in segment.flags] == [(flag_key, "Uses S")]
    assert segment.flags[0].links is not None
    assert segment.flags[0].links["self"].href == f"/api/v2/flags/default/{flag_key}"
    SegmentsApi(ld_client).post_segment("default", "test", SegmentBody(name="S", key=segment_key))
    assert SegmentsApi(ld_client).get_segment("default", "test", segment_key).flags == []
