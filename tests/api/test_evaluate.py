"""Membership endpoints: LaunchDarkly's segments/evaluate and segmentd's explain."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi

from segmentd.domain.projects.model import Role
from segmentd.domain.segments.model import SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.services.ports import ItemChange
from tests.api.conftest import store_targeting, token_for
from tests.live import LiveServer


def _store(live: LiveServer, key: str, **targeting: Any) -> None:
    store_targeting(live.services, "test", key, **targeting)


@pytest.fixture(scope="module")
def seeded(live: LiveServer) -> LiveServer:
    _store(live, "vips", included=("alice",), excluded=("bob",))
    _store(
        live,
        "doctors",
        rules=(
            SegmentRule(
                id="r-doc",
                clauses=(Clause(attribute="jobFunction", op="in", values=("doctor",)),),
            ),
        ),
    )
    _store(live, "acme", included_contexts=(SegmentTarget("org", ("acme",)),))
    return live


def test_segments_evaluate__official_client__memberships_per_segment(
    seeded: LiveServer, ld_client: launchdarkly_api.ApiClient
) -> None:
    result = SegmentsApi(ld_client).get_context_instance_segments_membership_by_env(
        "default", "test", {"kind": "user", "key": "alice", "jobFunction": "doctor"}
    )
    by_key = {item.key: item for item in result.items}
    assert set(by_key) == {"vips", "doctors", "acme"}
    assert by_key["vips"].is_member
    assert by_key["vips"].is_individually_targeted
    assert by_key["doctors"].is_member
    assert by_key["doctors"].is_rule_targeted
    assert not by_key["acme"].is_member
    assert by_key["acme"].description == ""
    assert by_key["acme"].external == ""


def test_segments_evaluate__multi_context__kind_lists_apply(seeded: LiveServer) -> None:
    response = httpx.post(
        seeded.base_url + "/api/v2/projects/default/environments/test/segments/evaluate",
        json={"kind": "multi", "user": {"key": "bob"}, "org": {"key": "acme"}},
        headers={"Authorization": token_for(seeded, Role.READER)},
    )
    assert response.status_code == 200
    by_key = {item["key"]: item for item in response.json()["items"]}
    assert by_key["acme"]["reason"] == {"kind": "includedContexts", "contextKind": "org"}
    assert by_key["vips"]["isMember"] is False
    assert by_key["vips"]["reason"] == {"kind": "excluded"}


def test_segments_evaluate__segment_changed__next_answer_current(seeded: LiveServer) -> None:
    path = "/api/v2/projects/default/environments/test/segments/evaluate"
    headers = {"Authorization": seeded.admin_token}
    context = {"kind": "user", "key": "carol"}

    def member_of_vips() -> bool:
        items = httpx.post(seeded.base_url + path, json=context, headers=headers).json()["items"]
        return bool(next(i for i in items if i["key"] == "vips")["isMember"])

    assert member_of_vips() is False
    services = seeded.services
    environment = services.projects.get_environment("default", "test")
    current = services.segments.get("default", "test", "vips")
    with services.uow(write=True) as uow:
        uow.segments.update(
            environment_id=environment.id,
            segment=replace(current, version=current.version + 1, included=("alice", "carol")),
            expected_version=current.version,
        )
        uow.commit()
    services.changes.publish(ItemChange(environment.id, "segments", "vips", current.version + 1))
    assert member_of_vips() is True


@pytest.mark.parametrize(
    ("context", "message"),
    [
        pytest.param({"kind": "user"}, "key", id="no key"),
        pytest.param({"kind": "user", "key": ""}, "key", id="empty key"),
        pytest.param({"kind": "a b", "key": "k"}, "kind", id="invalid kind"),
        pytest.param({"kind": "multi"}, "multi", id="multi without members"),
        pytest.param([1], "context", id="not an object"),
        pytest.param({"kind": "user", "key": 5}, "key", id="key not a string"),
    ],
)
def test_segments_evaluate__malformed_context__400(
    http: httpx.Client, context: Any, message: str
) -> None:
    response = http.post(
        "/api/v2/projects/default/environments/test/segments/evaluate", json=context
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert message in response.json()["message"]


def test_segments_evaluate__unknown_environment__404(http: httpx.Client) -> None:
    response = http.post(
        "/api/v2/projects/default/environments/nope/segments/evaluate", json={"key": "k"}
    )
    assert response.status_code == 404


def test_explain__rule_match__clause_values_reported(
    seeded: LiveServer, http: httpx.Client
) -> None:
    response = http.post(
        "/api/v2/segments/default/test/doctors/evaluate",
        json=[{"kind": "user", "key": "u1", "jobFunction": "doctor"}, {"key": "u2"}],
    )
    assert response.status_code == 200
    first, second = response.json()["items"]
    assert first["isMember"] is True
    assert first["reason"] == {"kind": "rule", "ruleIndex": 0, "ruleId": "r-doc"}
    clause = first["rules"][0]["clauses"][0]
    assert clause["matched"] is True
    assert clause["contextValue"] == "doctor"
    assert second["context"] == {"kind": "user", "key": "u2"}
    assert second["isMember"] is False
    assert second["rules"][0]["clauses"][0]["contextValue"] is None


def test_explain__too_many_contexts__400(http: httpx.Client) -> None:
    body = [{"key": f"u{i}"} for i in range(1001)]
    response = http.post("/api/v2/segments/default/test/vips/evaluate", json=body)
    assert response.status_code == 400
    assert "1000" in response.json()["message"].replace(",", "")


def test_explain__bad_context_in_list__400_names_index(http: httpx.Client) -> None:
    response = http.post(
        "/api/v2/segments/default/test/vips/evaluate", json=[{"key": "ok"}, {"kind": "user"}]
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("contexts[1]")


def test_explain__unknown_segment__404(http: httpx.Client) -> None:
    response = http.post("/api/v2/segments/default/test/missing/evaluate", json={"key": "k"})
    assert response.status_code == 404


def test_segments_evaluate__big_segment__resolved_from_membership_store(
    http: httpx.Client,
) -> None:
    created = http.post(
        "/api/v2/segments/default/production",
        json={"key": "big-eval", "name": "Big", "unbounded": True},
    )
    assert created.status_code == 201
    targets = {"included": {"add": ["in-1"]}, "excluded": {"add": ["out-1"]}}
    changed = http.post("/api/v2/segments/default/production/big-eval/contexts", json=targets)
    assert changed.status_code == 204, changed.text
    path = "/api/v2/projects/default/environments/production/segments/evaluate"

    def answer(key: str) -> dict[str, Any]:
        items = http.post(path, json={"kind": "user", "key": key}).json()["items"]
        item: dict[str, Any] = next(i for i in items if i["key"] == "big-eval")
        return item

    included = answer("in-1")
    assert included["isMember"] is True
    assert included["isIndividuallyTargeted"] is True
    assert included["reason"] == {"kind": "bigSegmentIncluded"}
    assert answer("out-1")["reason"] == {"kind": "bigSegmentExcluded"}
    assert answer("nobody")["isMember"] is False
    explained = http.post(
        "/api/v2/segments/default/production/big-eval/evaluate", json={"key": "in-1"}
    ).json()["items"][0]
    assert explained["isMember"] is True
    assert explained["bigSegmentsStatus"] == "HEALTHY"
