"""Every JSON body the LaunchDarkly-resource routes answer, read by the official client's own
wire models (``launchdarkly_api.models``) strictly: a field of the wrong type or a required
field left out fails here, before a user's generated client fails on it.

The models are pydantic classes with ``StrictStr``/``StrictInt``/``StrictBool`` fields;
``model_validate_json(…, strict=True)`` reads the raw bytes (not the client's converted objects), so
``"1"`` for an integer or ``null`` for a required list is an error. The inputs are generated
(segments from :mod:`tests.strategies`, with rules, targets of several kinds and big
segments; flags with rules that match them and percentage rollouts), so the shapes tested
are the rich ones, not only empty shells.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from launchdarkly_api.models.audit_log_entry_listing_rep_collection import (
    AuditLogEntryListingRepCollection,
)
from launchdarkly_api.models.big_segment_target import BigSegmentTarget
from launchdarkly_api.models.context_instance_segment_memberships import (
    ContextInstanceSegmentMemberships,
)
from launchdarkly_api.models.environment import Environment
from launchdarkly_api.models.environments import Environments
from launchdarkly_api.models.expiring_target_get_response import ExpiringTargetGetResponse
from launchdarkly_api.models.expiring_target_patch_response import ExpiringTargetPatchResponse
from launchdarkly_api.models.expiring_user_target_get_response import (
    ExpiringUserTargetGetResponse,
)
from launchdarkly_api.models.export import Export
from launchdarkly_api.models.feature_flag import FeatureFlag
from launchdarkly_api.models.feature_flags import FeatureFlags
from launchdarkly_api.models.model_import import ModelImport
from launchdarkly_api.models.project import Project
from launchdarkly_api.models.project_rep import ProjectRep
from launchdarkly_api.models.projects import Projects
from launchdarkly_api.models.token import Token
from launchdarkly_api.models.tokens import Tokens
from launchdarkly_api.models.user_segment import UserSegment
from launchdarkly_api.models.user_segments import UserSegments
from pydantic import BaseModel, ValidationError

from segmentd.config import Settings
from segmentd.domain.segments.codec import segment_to_json
from segmentd.domain.segments.validation import validate_segment
from segmentd.errors import ServiceError
from tests.live import LiveServer, serve_with_workers
from tests.strategies import segments

SEMANTIC = {"Content-Type": "application/json; domain-model=launchdarkly.semanticpatch"}
SEGMENTS = "/api/v2/segments/default/production"
#: Members of a segment's REST JSON that a patch may set (the rest are read-only).
TARGETING = ("included", "excluded", "includedContexts", "excludedContexts", "rules")


def strictly(model: type[BaseModel], response: httpx.Response) -> Any:
    """The body of a successful ``response`` read by the client's ``model``; raises
    pydantic's ValidationError naming every field of the wrong type or missing."""
    assert response.is_success, response.text
    return model.model_validate_json(response.content, strict=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with its background workers running, so imports and exports finish."""
    with serve_with_workers(Settings(data_dir=tmp_path_factory.mktemp("wire"))) as server:
        yield server


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token}) as c:
        yield c


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _create_segment(client: httpx.Client, doc: dict[str, Any], *, unbounded: bool) -> str:
    key = _unique("wire")
    body: dict[str, Any] = {"key": key, "name": key, "description": "generated", "tags": ["w"]}
    if unbounded:
        body |= {"unbounded": True, "unboundedContextKind": doc.get("unboundedContextKind")}
    strictly(UserSegment, client.post(SEGMENTS, json=body))
    if not unbounded:
        merge = {name: doc[name] for name in TARGETING if name in doc}
        strictly(UserSegment, client.patch(f"{SEGMENTS}/{key}", json={"merge": merge}))
    return key


def _flag_targeting(client: httpx.Client, segment_key: str) -> str:
    key = _unique("flag")
    body = {
        "key": key,
        "name": key,
        "description": "matches a generated segment",
        "tags": ["wire"],
        "variations": [{"value": "a", "name": "A"}, {"value": "b"}, {"value": "c"}],
        "defaults": {"onVariation": 1, "offVariation": 2},
        "clientSideAvailability": {"usingEnvironmentId": True, "usingMobileKey": False},
    }
    flag = strictly(FeatureFlag, client.post("/api/v2/flags/default", json=body))
    ids = [v.id for v in flag.variations]
    instructions = [
        {"kind": "turnFlagOn"},
        {
            "kind": "addRule",
            "clauses": [{"attribute": "", "op": "segmentMatch", "values": [segment_key]}],
            "variationId": ids[0],
            "description": "members",
        },
        {
            "kind": "addRule",
            "clauses": [
                {"contextKind": "org", "attribute": "plan", "op": "in", "values": ["gold", 3]}
            ],
            "rolloutWeights": {ids[0]: 40_000, ids[1]: 60_000},
            "rolloutBucketBy": "key",
            "rolloutContextKind": "org",
        },
    ]
    patched = client.patch(
        f"/api/v2/flags/default/{key}",
        json={"environmentKey": "production", "instructions": instructions},
        headers=SEMANTIC,
    )
    strictly(FeatureFlag, patched)
    return key


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
def test_segment_and_flag_routes__generated__match_launchdarkly_models(
    client: httpx.Client, data: st.DataObject
) -> None:
    segment = data.draw(segments("generated", rollout_kinds=("user", "org")))
    try:  # the pool also holds segments that only the evaluator may meet
        validate_segment(segment)
    except ServiceError:
        reject()
    doc = segment_to_json(segment)
    key = _create_segment(client, doc, unbounded=segment.unbounded)
    if segment.unbounded:
        changes = {"included": {"add": list(segment.included) or ["u1"]}, "excluded": {}}
        assert client.post(f"{SEGMENTS}/{key}/contexts", json=changes).status_code == 204
    strictly(UserSegment, client.get(f"{SEGMENTS}/{key}"))
    flag_key = _flag_targeting(client, key)
    one = strictly(UserSegment, client.get(f"{SEGMENTS}/{key}"))
    assert [f.key for f in one.flags or []] == [flag_key]
    strictly(FeatureFlag, client.get(f"/api/v2/flags/default/{flag_key}"))
    strictly(FeatureFlag, client.get(f"/api/v2/flags/default/{flag_key}?env=production"))


@pytest.mark.parametrize(
    ("path", "model"),
    [
        pytest.param(SEGMENTS + "?limit=50", UserSegments, id="segment list"),
        pytest.param(SEGMENTS + '?limit=5&filter=tags anyOf ["w"]', UserSegments, id="filtered"),
        pytest.param("/api/v2/flags/default?limit=50", FeatureFlags, id="flag list"),
        pytest.param("/api/v2/flags/default?env=test", FeatureFlags, id="flag list one env"),
        pytest.param("/api/v2/projects", Projects, id="project list"),
        pytest.param("/api/v2/projects?expand=environments", Projects, id="projects expanded"),
        pytest.param("/api/v2/projects/default", Project, id="project"),
        pytest.param(
            "/api/v2/projects/default?expand=environments", Project, id="project expanded"
        ),
        pytest.param("/api/v2/projects/default/environments", Environments, id="environments"),
        pytest.param("/api/v2/projects/default/environments/test", Environment, id="environment"),
        pytest.param("/api/v2/auditlog?limit=20", AuditLogEntryListingRepCollection, id="audit"),
        pytest.param("/api/v2/tokens", Tokens, id="tokens"),
    ],
)
def test_collection_routes__after_rich_writes__match_launchdarkly_models(
    client: httpx.Client, path: str, model: type[BaseModel]
) -> None:
    segment = _create_segment(
        client,
        {
            "included": ["u1"],
            "includedContexts": [{"contextKind": "org", "values": ["o1"]}],
            "rules": [
                {
                    "clauses": [{"attribute": "email", "op": "endsWith", "values": ["@x.io"]}],
                    "weight": 50_000,
                    "bucketBy": "email",
                    "rolloutContextKind": "user",
                }
            ],
        },
        unbounded=False,
    )
    _flag_targeting(client, segment)
    strictly(model, client.get(path))


def test_big_segment_and_expiring_routes__match_launchdarkly_models(
    client: httpx.Client,
) -> None:
    big = _create_segment(client, {"unboundedContextKind": "user"}, unbounded=True)
    changes = {"included": {"add": ["u1"]}, "excluded": {"add": ["u2"]}}
    assert client.post(f"{SEGMENTS}/{big}/contexts", json=changes).status_code == 204
    for member in ("u1", "u2", "nobody"):
        strictly(BigSegmentTarget, client.get(f"{SEGMENTS}/{big}/contexts/{member}"))
        strictly(BigSegmentTarget, client.get(f"{SEGMENTS}/{big}/users/{member}"))
    strictly(UserSegment, client.get(f"{SEGMENTS}/{big}"))
    strictly(UserSegments, client.get(f"{SEGMENTS}?filter=unbounded equals true"))

    small = _create_segment(client, {"included": ["u1"], "excluded": ["u2"]}, unbounded=False)
    path = f"/api/v2/segments/default/{small}/expiring-targets/production"
    instructions = [
        {
            "kind": "addExpiringTarget",
            "targetType": "included",
            "contextKind": "user",
            "contextKey": "u1",
            "value": 4_102_444_800_000,
        }
    ]
    strictly(
        ExpiringTargetPatchResponse,
        client.patch(path, json={"instructions": instructions}, headers=SEMANTIC),
    )
    strictly(ExpiringTargetGetResponse, client.get(path))
    legacy = f"/api/v2/segments/default/{small}/expiring-user-targets/production"
    strictly(ExpiringUserTargetGetResponse, client.get(legacy))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"version": "1"}, "version", id="string for an integer"),
        pytest.param({"tags": None}, "tags", id="null for a required list"),
        pytest.param({"deleted": 0}, "deleted", id="number for a boolean"),
        pytest.param({"rules": [{"clauses": [{"op": "in"}]}]}, "rules", id="clause incomplete"),
    ],
)
def test_strictly__wrong_type_or_missing_field__fails(
    client: httpx.Client, change: dict[str, Any], field: str
) -> None:
    key = _create_segment(client, {}, unbounded=False)
    body = client.get(f"{SEGMENTS}/{key}").json() | change
    forged = httpx.Response(200, content=orjson.dumps(body))
    with pytest.raises(ValidationError, match=field):
        strictly(UserSegment, forged)


def test_project_and_environment_writes__match_launchdarkly_models(client: httpx.Client) -> None:
    key = _unique("p")
    environment = {"key": "e1", "name": "E1", "color": "00ff00", "tags": ["x"], "critical": True}
    body = {"key": key, "name": "P", "tags": ["t"], "environments": [environment]}
    strictly(ProjectRep, client.post("/api/v2/projects", json=body))
    patch = [{"op": "replace", "path": "/name", "value": "Q"}]
    strictly(ProjectRep, client.patch(f"/api/v2/projects/{key}", json=patch))
    second = {"key": "e2", "name": "E2", "color": "0000ff", "defaultTtl": 5}
    strictly(Environment, client.post(f"/api/v2/projects/{key}/environments", json=second))
    strictly(Environments, client.get(f"/api/v2/projects/{key}/environments"))


def test_history_and_token_writes__match_launchdarkly_models(client: httpx.Client) -> None:
    key = _create_segment(client, {"included": ["u1"]}, unbounded=False)
    history = client.get(f"/api/v2/auditlog/segments/default/production/{key}")
    assert len(strictly(AuditLogEntryListingRepCollection, history).items) == 2
    created = strictly(Token, client.post("/api/v2/tokens", json={"name": "w", "role": "reader"}))
    renamed = [{"op": "replace", "path": "/name", "value": "renamed"}]
    strictly(Token, client.patch(f"/api/v2/tokens/{created.id}", json=renamed))
    strictly(Token, client.get(f"/api/v2/tokens/{created.id}"))


def _until_done(client: httpx.Client, path: str) -> httpx.Response:
    deadline = time.monotonic() + 10
    while True:
        response = client.get(path)
        if response.json().get("status") in ("complete", "stopped", "failed"):
            return response
        assert time.monotonic() < deadline, response.text
        time.sleep(0.02)


def test_import_export_and_evaluate__match_launchdarkly_models(client: httpx.Client) -> None:
    big = _create_segment(client, {"unboundedContextKind": "user"}, unbounded=True)
    started = client.post(
        f"{SEGMENTS}/{big}/imports",
        files={"file": ("members.csv", b"a\nb\n")},
        data={"mode": "replace"},
    )
    assert started.status_code == 204, started.text
    strictly(ModelImport, _until_done(client, started.headers["Location"]))
    exported = client.post(f"{SEGMENTS}/{big}/exports")
    assert exported.is_success, exported.text
    strictly(Export, _until_done(client, exported.headers["Location"]))
    small = _create_segment(client, {"included": ["a"]}, unbounded=False)
    evaluated = client.post(
        "/api/v2/projects/default/environments/production/segments/evaluate",
        json={"kind": "user", "key": "a"},
    )
    memberships = strictly(ContextInstanceSegmentMemberships, evaluated)
    assert {small, big} <= {m.key for m in memberships.items if m.is_member}
