"""Expiring targets through the official client (both forms), and the route-matching trap."""

from __future__ import annotations

import time

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import BadRequestException, NotFoundException
from launchdarkly_api.models.patch_segment_expiring_target_input_rep import (
    PatchSegmentExpiringTargetInputRep,
)
from launchdarkly_api.models.patch_segment_expiring_target_instruction import (
    PatchSegmentExpiringTargetInstruction,
)
from launchdarkly_api.models.patch_segment_instruction import PatchSegmentInstruction
from launchdarkly_api.models.patch_segment_request import PatchSegmentRequest

from tests.live import LiveServer

PATH = "/api/v2/segments/default/production"
SEMANTIC = {"Content-Type": "application/json; domain-model=launchdarkly.semanticpatch"}


def in_an_hour() -> int:
    return int(time.time() * 1000) + 3_600_000


@pytest.fixture
def targeted(http: httpx.Client, key: str) -> str:
    """A segment including user ``u1`` and org ``o1``, excluding user ``u2``."""
    assert http.post(PATH, json={"key": key, "name": "N"}).status_code == 201
    body = {
        "instructions": [
            {"kind": "addIncludedTargets", "contextKind": "org", "values": ["o1"]},
            {"kind": "addIncludedUsers", "values": ["u1"]},
            {"kind": "addExcludedUsers", "values": ["u2"]},
        ]
    }
    assert http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC).status_code == 200
    return key


def instruction(kind: str, key: str, **fields: int) -> PatchSegmentExpiringTargetInstruction:
    return PatchSegmentExpiringTargetInstruction(
        kind=kind, contextKey=key, contextKind="org", targetType="included", **fields
    )


def test_expiring_targets__official_client__add_get_update_remove(
    ld_client: launchdarkly_api.ApiClient, targeted: str
) -> None:
    api = SegmentsApi(ld_client)
    when = in_an_hour()
    added = api.patch_expiring_targets_for_segment(
        "default",
        "production",
        targeted,
        PatchSegmentExpiringTargetInputRep(
            comment="temporary", instructions=[instruction("addExpiringTarget", "o1", value=when)]
        ),
    )
    assert (added.total_instructions, added.failed_instructions, added.errors) == (1, 0, [])
    listed = api.get_expiring_targets_for_segment("default", "production", targeted)
    (item,) = listed.items
    assert (item.context_key, item.context_kind, item.target_type) == ("o1", "org", "included")
    assert (item.expiration_date, item.version) == (when, 1)
    assert (item.resource_id.key, item.resource_id.environment_key) == (targeted, "production")
    updated = api.patch_expiring_targets_for_segment(
        "default",
        "production",
        targeted,
        PatchSegmentExpiringTargetInputRep(
            instructions=[instruction("updateExpiringTarget", "o1", value=when + 1, version=1)]
        ),
    )
    assert (updated.items[0].expiration_date, updated.items[0].version) == (when + 1, 2)
    removed = api.patch_expiring_targets_for_segment(
        "default",
        "production",
        targeted,
        PatchSegmentExpiringTargetInputRep(
            instructions=[instruction("removeExpiringTarget", "o1")]
        ),
    )
    assert removed.items == []


def test_expiring_targets__partial_failure__200_with_errors(
    ld_client: launchdarkly_api.ApiClient, targeted: str
) -> None:
    api = SegmentsApi(ld_client)
    result = api.patch_expiring_targets_for_segment(
        "default",
        "production",
        targeted,
        PatchSegmentExpiringTargetInputRep(
            instructions=[
                instruction("addExpiringTarget", "nobody", value=in_an_hour()),
                instruction("addExpiringTarget", "o1", value=in_an_hour()),
                instruction("updateExpiringTarget", "o1", value=in_an_hour(), version=9),
            ]
        ),
    )
    assert (result.successful_instructions, result.failed_instructions) == (1, 2)
    assert result.errors is not None
    assert [e.instruction_index for e in result.errors] == [0, 2]
    assert "not an individual target" in result.errors[0].message
    assert [i.context_key for i in result.items] == ["o1"]


def test_expiring_user_targets__official_client__add_get_update(
    ld_client: launchdarkly_api.ApiClient, targeted: str
) -> None:
    api = SegmentsApi(ld_client)
    when = in_an_hour()
    version = api.get_segment("default", "production", targeted).version
    result = api.patch_expiring_user_targets_for_segment(
        "default",
        "production",
        targeted,
        PatchSegmentRequest(
            instructions=[
                PatchSegmentInstruction(
                    kind="addExpireUserTargetDate", userKey="u2", targetType="excluded", value=when
                ),
                PatchSegmentInstruction(
                    kind="updateExpireUserTargetDate",
                    userKey="u2",
                    targetType="excluded",
                    value=when + 5,
                    version=version,
                ),
            ]
        ),
    )
    assert result.errors == []
    listed = api.get_expiring_user_targets_for_segment("default", "production", targeted)
    (item,) = listed.items
    assert (item.user_key, item.target_type, item.expiration_date) == ("u2", "excluded", when + 5)
    assert item.resource_id.key == targeted


def test_expiring_targets__semantic_content_type__accepted(
    http: httpx.Client, targeted: str
) -> None:
    body = {
        "instructions": [
            {"kind": "addExpiringTarget", "targetType": "included", "contextKind": "user",
             "contextKey": "u1", "value": in_an_hour()}
        ]
    }  # fmt: skip
    path = f"/api/v2/segments/default/{targeted}/expiring-targets/production"
    response = http.patch(path, json=body, headers=SEMANTIC)
    assert response.status_code == 200
    assert response.json()["items"][0]["contextKey"] == "u1"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"instructions": []}, id="no instructions"),
        pytest.param({"instructions": [{"kind": "explode", "targetType": "included"}]}, id="kind"),
        pytest.param([], id="not an object"),
    ],
)
def test_expiring_targets__malformed__400_error_shape(
    http: httpx.Client, targeted: str, body: object
) -> None:
    path = f"/api/v2/segments/default/{targeted}/expiring-targets/production"
    response = http.patch(path, json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "id"}


def test_expiring_targets__official_client_malformed__bad_request(
    ld_client: launchdarkly_api.ApiClient, targeted: str
) -> None:
    bad = PatchSegmentExpiringTargetInputRep(
        instructions=[instruction("addExpiringTarget", "o1")]  # no value
    )
    with pytest.raises(BadRequestException):
        SegmentsApi(ld_client).patch_expiring_targets_for_segment(
            "default", "production", targeted, bad
        )


def test_expiring_targets__unknown_segment__404(ld_client: launchdarkly_api.ApiClient) -> None:
    with pytest.raises(NotFoundException):
        SegmentsApi(ld_client).get_expiring_targets_for_segment("default", "production", "nope")


def test_expiring_targets__path_also_fitting_import_template__routed_by_method(
    live: LiveServer, http: httpx.Client
) -> None:
    """``/segments/default/e/expiring-targets/imports``: GET = expiring targets of segment ``e`` in
    environment ``imports`` (docs/lifecycle.md §expiring-targets), never a big-segment import."""
    env = {"key": "imports", "name": "Imports", "color": "FF0000"}
    assert http.post("/api/v2/projects/default/environments", json=env).status_code == 201
    assert http.post("/api/v2/segments/default/imports", json={"key": "e", "name": "E"}).is_success
    response = http.get("/api/v2/segments/default/e/expiring-targets/imports")
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["_links"]["segment"]["href"] == "/api/v2/segments/default/imports/e"
