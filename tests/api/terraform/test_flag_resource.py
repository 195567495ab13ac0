"""``launchdarkly_feature_flag`` as raw HTTP, in the provider's order, on both stores.

Built from the provider's ``resource_feature_flag_framework.go`` (3.x). Create: the project
exists (``GET /projects/{p}``), no flag of the key exists yet (a ``GET`` answering 404),
``POST /flags/{p}`` with a ``FeatureFlagBody`` that sets every field (``description: ""``
included), then a ``GET`` of the flag (to see its maintainers) and one ``PATCH``
``{"comment": "Terraform", "patch": [...]}`` replacing ``/name``, ``/description``,
``/tags``, ``/temporary``, ``/archived``, ``/deprecated``, ``/customProperties``,
``/defaults`` and ``/maintainerId``, then a read. An update sends the same replaces plus
``/clientSideAvailability`` when it changed, the variation diff (``replace
/variations/{i}/value``, ``…/name``, ``…/description``, ``add /variations/{i}``, ``remove
/variations/{i}``) and a switch of maintainer (``replace /maintainerTeamKey`` with ``remove
/maintainerId``). Destroy is ``DELETE`` or, with ``archive_flags_on_destroy``, a ``PATCH``
replacing ``/archived`` with ``true``. Import reads ``project/key``.
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

FLAGS = "/api/v2/flags/default"
CUSTOM = {"jira.issues": {"name": "Jira issues", "value": ["ABC-1", "ABC-2"]}}


@pytest.fixture
def flag_key() -> str:
    return f"tf-flag-{uuid.uuid4().hex[:10]}"


def replace(path: str, value: object) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def send(http: httpx.Client, key: str, ops: list[dict[str, Any]]) -> httpx.Response:
    return http.patch(f"{FLAGS}/{key}", json={"comment": "Terraform", "patch": ops})


def read(http: httpx.Client, key: str) -> dict[str, Any]:
    response = http.get(f"{FLAGS}/{key}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def every_field_ops(
    *, name: str, archived: bool = False, deprecated: bool = False, custom: object = CUSTOM
) -> list[dict[str, Any]]:
    """``applyFlagUpdate``'s fixed head: the replaces sent on every create and update."""
    return [
        replace("/name", name),
        replace("/description", ""),
        replace("/tags", ["terraform", "checkout"]),
        replace("/temporary", False),
        replace("/archived", archived),
        replace("/deprecated", deprecated),
        replace("/customProperties", custom),
    ]


def create(http: httpx.Client, key: str) -> dict[str, Any]:
    """The provider's Create: existence checks, the POST, then the every-field PATCH."""
    assert http.get("/api/v2/projects/default").status_code == 200
    assert http.get(f"{FLAGS}/{key}").status_code == 404
    body = {
        "name": "Checkout",
        "key": key,
        "description": "",
        "variations": [
            {"value": "blue", "name": "Blue"},
            {"value": "green"},
            {"value": "red", "description": "the old one"},
        ],
        "temporary": False,
        "tags": ["terraform"],
        "defaults": {"onVariation": 1, "offVariation": 2},
        "clientSideAvailability": {"usingEnvironmentId": True, "usingMobileKey": False},
    }
    created = http.post(FLAGS, json=body)
    assert created.status_code == 201, created.text
    read(http, key)  # maintainerChanged on create: the provider reads the flag first
    ops = [
        *every_field_ops(name="Checkout"),
        replace("/defaults", {"onVariation": 1, "offVariation": 2}),
        replace("/maintainerId", "569f183514f4432160000007"),
    ]
    patched = send(http, key, ops)
    assert patched.status_code == 200, patched.text
    return read(http, key)


def test_create__every_field__stored_and_read_back(http: httpx.Client, flag_key: str) -> None:
    flag = create(http, flag_key)
    assert (flag["name"], flag["description"], flag["tags"]) == (
        "Checkout",
        "",
        ["terraform", "checkout"],
    )
    assert (flag["archived"], flag["deprecated"], flag["temporary"]) == (False, False, False)
    assert flag["customProperties"] == CUSTOM
    assert flag["defaults"] == {"onVariation": 1, "offVariation": 2}
    assert flag["maintainerId"] == "569f183514f4432160000007"
    assert "maintainerTeamKey" not in flag
    assert flag["clientSideAvailability"] == {"usingEnvironmentId": True, "usingMobileKey": False}
    assert [(v["value"], v.get("name")) for v in flag["variations"]] == [
        ("blue", "Blue"),
        ("green", None),
        ("red", None),
    ]
    production = flag["environments"]["production"]
    assert (production["fallthrough"], production["offVariation"]) == ({"variation": 1}, 2)


def test_update__variations_csa_and_maintainer__applied_and_sdk_versions_raised(
    http: httpx.Client, flag_key: str
) -> None:
    before = create(http, flag_key)
    ops = [
        *every_field_ops(name="Checkout v2", deprecated=True, custom={}),
        replace("/clientSideAvailability", {"usingEnvironmentId": False, "usingMobileKey": True}),
        replace("/variations/0/value", "navy"),
        replace("/variations/0/name", "Navy"),
        replace("/variations/1/value", "green"),
        replace("/variations/2/value", "red"),
        replace("/variations/2/description", "still here"),
        {"op": "add", "path": "/variations/3", "value": {"value": "gold", "name": "Gold"}},
        replace("/defaults", {"onVariation": 3, "offVariation": 2}),
        replace("/maintainerTeamKey", "checkout-team"),
        {"op": "remove", "path": "/maintainerId"},
    ]
    response = send(http, flag_key, ops)
    assert response.status_code == 200, response.text
    after = read(http, flag_key)
    assert after["name"] == "Checkout v2"
    assert (after["deprecated"], after["customProperties"]) == (True, {})
    assert isinstance(after["deprecatedDate"], int)
    assert (after.get("maintainerId"), after["maintainerTeamKey"]) == (None, "checkout-team")
    assert after["defaults"] == {"onVariation": 3, "offVariation": 2}
    values = [(v["value"], v.get("name"), v.get("description")) for v in after["variations"]]
    assert values == [
        ("navy", "Navy", None),
        ("green", None, None),
        ("red", None, "still here"),
        ("gold", "Gold", None),
    ]
    assert after["variations"][0]["_id"] == before["variations"][0]["_id"]
    assert after["variations"][3]["_id"] not in {v["_id"] for v in before["variations"]}
    assert after["_version"] == before["_version"] + 1
    for env, config in after["environments"].items():  # SDKs see the new variations
        assert config["version"] == before["environments"][env]["version"] + 1


def test_update__same_plan_again__nothing_changes(http: httpx.Client, flag_key: str) -> None:
    before = create(http, flag_key)
    ops = [
        *every_field_ops(name="Checkout"),
        replace("/variations/0/value", "blue"),
        replace("/variations/0/name", "Blue"),
        replace("/defaults", {"onVariation": 1, "offVariation": 2}),
    ]
    assert send(http, flag_key, ops).status_code == 200
    after = read(http, flag_key)
    assert after["_version"] == before["_version"]
    assert after["environments"] == before["environments"]


def test_update__fewer_variations__trailing_one_removed(http: httpx.Client, flag_key: str) -> None:
    create(http, flag_key)
    ops = [
        *every_field_ops(name="Checkout"),
        replace("/defaults", {"onVariation": 0, "offVariation": 1}),
        {"op": "remove", "path": "/variations/2"},
        replace("/variations/0/value", "blue"),
        replace("/variations/1/value", "green"),
    ]
    # the environments still serve variation 2 when off: LaunchDarkly refuses this too
    refused = send(http, flag_key, ops)
    assert refused.status_code == 400, refused.text
    assert "offVariation" in refused.json()["message"]
    off_first = [
        {"op": "replace", "path": f"/environments/{env}/offVariation", "value": 1}
        for env in ("production", "test")
    ]
    response = send(http, flag_key, [*off_first, *ops])
    assert response.status_code == 200, response.text
    assert [v["value"] for v in read(http, flag_key)["variations"]] == ["blue", "green"]


def sdk_flags(http: httpx.Client) -> dict[str, Any]:
    """The production environment's flags as a server-side SDK polls them."""
    sdk_key = http.get("/api/v2/projects/default/environments/production").json()["apiKey"]
    response = http.get("/sdk/latest-all", headers={"Authorization": sdk_key})
    assert response.status_code == 200, response.text
    flags: dict[str, Any] = response.json()["flags"]
    return flags


def test_destroy__archive_on_destroy__archived_with_date_and_restorable(
    http: httpx.Client, flag_key: str
) -> None:
    create(http, flag_key)
    served = sdk_flags(http)[flag_key]["version"]
    response = send(http, flag_key, [replace("/archived", True)])
    assert response.status_code == 200, response.text
    archived = read(http, flag_key)
    assert archived["archived"] is True
    assert isinstance(archived["archivedDate"], int)
    assert all(c["archived"] for c in archived["environments"].values())
    assert flag_key not in sdk_flags(http)  # SDKs serve the fallback value, as at LaunchDarkly
    # a later apply with archived = false (the provider's advice after an import) restores it
    assert send(http, flag_key, every_field_ops(name="Checkout")).status_code == 200
    restored = read(http, flag_key)
    assert (restored["archived"], "archivedDate" in restored) == (False, False)
    assert sdk_flags(http)[flag_key]["version"] == served + 2


def test_destroy_and_import__delete_then_404__import_reads_project_slash_key(
    http: httpx.Client, flag_key: str
) -> None:
    create(http, flag_key)
    project, key = f"default/{flag_key}".split("/")  # the import id
    assert read(http, key)["key"] == flag_key
    assert http.delete(f"/api/v2/flags/{project}/{key}").status_code == 204
    assert http.get(f"{FLAGS}/{flag_key}").status_code == 404


@pytest.mark.parametrize(
    ("op", "message"),
    [
        pytest.param(replace("/archived", "yes"), "archived", id="archived not a boolean"),
        pytest.param(
            replace("/customProperties", {"k": {"value": ["x"]}}),
            "customProperties.k",
            id="custom property without name",
        ),
        pytest.param(
            replace("/defaults", {"onVariation": 7, "offVariation": 0}),
            "defaults.onVariation",
            id="default out of range",
        ),
        pytest.param(replace("/variations/1/value", "blue"), "duplicate", id="duplicate value"),
        pytest.param(replace("/maintainerId", 5), "maintainerId", id="maintainer not a string"),
    ],
)
def test_update__invalid_member__400_and_unchanged(
    http: httpx.Client, flag_key: str, op: dict[str, Any], message: str
) -> None:
    before = create(http, flag_key)
    response = send(http, flag_key, [op])
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert read(http, flag_key) == before


def test_official_client__the_same_patches__accepted(
    http: httpx.Client, ld_client: launchdarkly_api.ApiClient, flag_key: str
) -> None:
    create(http, flag_key)
    api = FeatureFlagsApi(ld_client)
    ops = [
        PatchOperation(op="replace", path="/archived", value=False),
        PatchOperation(op="replace", path="/deprecated", value=True),
        PatchOperation(op="replace", path="/customProperties", value=CUSTOM),
        PatchOperation(op="replace", path="/defaults", value={"onVariation": 0, "offVariation": 1}),
        PatchOperation(op="replace", path="/maintainerTeamKey", value="team"),
        PatchOperation(op="remove", path="/maintainerId"),
        PatchOperation(op="replace", path="/variations/1/name", value="Green"),
    ]
    flag = api.patch_feature_flag(
        "default", flag_key, PatchWithComment(comment="Terraform", patch=ops)
    )
    assert (flag.deprecated, flag.archived, flag.maintainer_team_key) == (True, False, "team")
    assert flag.custom_properties["jira.issues"].value == ["ABC-1", "ABC-2"]
    assert flag.defaults is not None
    assert (flag.defaults.on_variation, flag.defaults.off_variation) == (0, 1)
    assert flag.variations[1].name == "Green"
    assert api.get_feature_flag("default", flag_key).maintainer_id is None


def test_defaults__environment_created_later__seeded_from_them(
    http: httpx.Client, flag_key: str
) -> None:
    create(http, flag_key)
    defaults = {"onVariation": 2, "offVariation": 0}
    assert send(http, flag_key, [replace("/defaults", defaults)]).status_code == 200
    env = f"e{uuid.uuid4().hex[:8]}"
    body = {"key": env, "name": env, "color": "ffffff"}
    assert http.post("/api/v2/projects/default/environments", json=body).status_code == 201
    config = read(http, flag_key)["environments"][env]
    assert (config["fallthrough"], config["offVariation"]) == ({"variation": 2}, 0)
