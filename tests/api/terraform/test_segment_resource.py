"""``launchdarkly_segment`` as LaunchDarkly's Terraform provider drives it, as raw HTTP.

Each test sends the requests one provider operation sends, in the provider's order: the
existence checks and the create shell (``POST`` with every optional field, empty), the
targeting ``PATCH`` that follows a create, the update that replaces every field whether it
is set or not, the update that removes ``/tags``, the read, the import by
``project/env/key`` and the delete. Bodies are built from what the provider's source puts in
``api-client-go``'s ``SegmentBody``/``PatchWithComment`` models and how those serialise:
optional pointers set to empty values are sent, empty Go slices are sent as ``[]``, the
comment is always ``"Terraform"``. Both provider generations are covered: 2.x sent
``description`` in the shell and a ``/temporary`` replace; 3.x does neither.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

ENV = "/api/v2/segments/default/production"

#: Fields ``api-client-go`` refuses to decode a ``UserSegment`` without.
GO_REQUIRED = {
    "name", "tags", "creationDate", "lastModifiedDate", "key", "_links", "rules", "version",
    "deleted", "generation",
}  # fmt: skip

RULES: list[Any] = [
    {
        "clauses": [
            {"attribute": "country", "op": "in", "values": ["de", "fr"], "negate": False},
            {
                "attribute": "plan",
                "op": "in",
                "values": ["pro"],
                "negate": True,
                "contextKind": "org",
            },
        ]
    },
    {
        "clauses": [{"attribute": "age", "op": "greaterThan", "values": [30.0], "negate": False}],
        "weight": 50000,
        "bucketBy": "key",
        "rolloutContextKind": "user",
    },
]
INCLUDED_CONTEXTS = [{"values": ["o-1", "o-2"], "contextKind": "org"}]
EXCLUDED_CONTEXTS = [{"values": ["d-9"], "contextKind": "device"}]


def replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def patch(http: httpx.Client, key: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
    response = http.patch(f"{ENV}/{key}", json={"comment": "Terraform", "patch": ops})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def read(http: httpx.Client, key: str) -> dict[str, Any]:
    response = http.get(f"{ENV}/{key}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body.keys() >= GO_REQUIRED, GO_REQUIRED - body.keys()
    return body


def existence_checks(http: httpx.Client) -> None:
    """What every create does first: ``GetProject`` and ``GetEnvironment``."""
    assert http.get("/api/v2/projects/default").status_code == 200
    assert http.get("/api/v2/projects/default/environments/production").status_code == 200


def create_shell(http: httpx.Client, key: str, *, v2: bool, unbounded: bool = False) -> None:
    body: dict[str, Any] = {
        "name": "Terraform segment",
        "key": key,
        "tags": [],
        "unbounded": unbounded,
        "unboundedContextKind": "",
    }
    if v2:
        body["description"] = ""
    existence_checks(http)
    response = http.post(ENV, json=body)
    assert response.status_code == 201, response.text


def full_update(
    http: httpx.Client,
    key: str,
    *,
    name: str = "Terraform segment",
    description: str = "",
    tags: list[str] | None = None,
    remove_tags: bool = False,
    v2: bool = False,
    targeting: bool = True,
) -> dict[str, Any]:
    """The provider's update: every field replaced, tags replaced or removed, last."""
    ops = [replace("/name", name), replace("/description", description)]
    if v2:
        ops.append(replace("/temporary", "temporary"))
    ops += [
        replace("/included", ["u-1", "u-2"] if targeting else []),
        replace("/excluded", ["u-3"] if targeting else []),
        replace("/rules", RULES if targeting else []),
        replace("/includedContexts", INCLUDED_CONTEXTS if targeting else []),
        replace("/excludedContexts", EXCLUDED_CONTEXTS if targeting else []),
    ]
    ops.append({"op": "remove", "path": "/tags"} if remove_tags else replace("/tags", tags or []))
    return patch(http, key, ops)


@pytest.mark.parametrize("v2", [False, True], ids=["provider-3.x", "provider-2.x"])
def test_create__shell_with_empty_optional_fields__then_targeting_patch(
    http: httpx.Client, key: str, v2: bool
) -> None:
    create_shell(http, key, v2=v2)
    if v2:  # 2.x ran its whole update right after the shell
        full_update(http, key, v2=True)
    else:  # 3.x replaces only the targeting collections that are not empty
        patch(
            http,
            key,
            [
                replace("/included", ["u-1", "u-2"]),
                replace("/excluded", ["u-3"]),
                replace("/rules", RULES),
                replace("/includedContexts", INCLUDED_CONTEXTS),
                replace("/excludedContexts", EXCLUDED_CONTEXTS),
            ],
        )
    segment = read(http, key)
    assert segment["name"] == "Terraform segment"
    assert segment["tags"] == []
    assert segment["unbounded"] is False
    assert segment.get("unboundedContextKind", "") == ""
    assert segment.get("description", "") == ""
    assert (segment["included"], segment["excluded"]) == (["u-1", "u-2"], ["u-3"])
    assert segment["includedContexts"] == INCLUDED_CONTEXTS
    assert segment["excludedContexts"] == EXCLUDED_CONTEXTS
    clauses = [[{k: c[k] for k in c if k != "_id"} for c in r["clauses"]] for r in segment["rules"]]
    assert clauses == [r["clauses"] for r in RULES]
    assert segment["rules"][1]["weight"] == 50000
    assert segment["rules"][1]["rolloutContextKind"] == "user"
    assert all(r["_id"] for r in segment["rules"])


def test_create__shell_without_targeting__needs_no_patch(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=False)
    segment = read(http, key)
    assert (segment["included"], segment["rules"], segment["version"]) == ([], [], 1)


def test_update__description_replaced_on_segment_created_without_one(
    http: httpx.Client, key: str
) -> None:
    create_shell(http, key, v2=False)
    updated = full_update(http, key, name="Renamed", description="Now described", tags=["tf"])
    assert (updated["name"], updated["description"], updated["tags"]) == (
        "Renamed",
        "Now described",
        ["tf"],
    )
    assert read(http, key)["description"] == "Now described"


def test_update__repeated_with_the_same_plan__keeps_the_version(
    http: httpx.Client, key: str
) -> None:
    """Rules sent without ``_id`` get new ids, so only an update without rules is a no-op."""
    create_shell(http, key, v2=True)
    first = full_update(http, key, tags=["a", "b"], targeting=False)
    again = full_update(http, key, tags=["a", "b"], targeting=False)
    assert again["version"] == first["version"]


def test_update__remove_tags__leaves_no_tags(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=False)
    assert full_update(http, key, tags=["beta", "eu"])["tags"] == ["beta", "eu"]
    assert full_update(http, key, remove_tags=True)["tags"] == []
    assert read(http, key)["tags"] == []


def test_update__clearing_targeting__replaces_with_empty_lists(
    http: httpx.Client, key: str
) -> None:
    create_shell(http, key, v2=False)
    full_update(http, key)
    cleared = full_update(http, key, targeting=False)
    assert cleared["included"] == cleared["excluded"] == cleared["rules"] == []
    assert cleared["includedContexts"] == cleared["excludedContexts"] == []


def test_big_segment__shell_and_every_field_update(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=True, unbounded=True)
    assert read(http, key)["unboundedContextKind"] == "user"
    updated = full_update(http, key, description="big", tags=["tf"], targeting=False)
    assert (updated["unbounded"], updated["description"], updated["tags"]) == (True, "big", ["tf"])


def test_import__by_project_env_key(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=False)
    project, env, segment_key = f"default/production/{key}".split("/")
    response = http.get(f"/api/v2/segments/{project}/{env}/{segment_key}")
    assert response.status_code == 200
    assert response.json()["key"] == key


def test_delete__then_read_is_404_and_state_drops_it(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=False)
    full_update(http, key, tags=["x"])
    assert http.delete(f"{ENV}/{key}").status_code == 204
    gone = http.get(f"{ENV}/{key}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"


def test_create__after_delete__same_key_is_free(http: httpx.Client, key: str) -> None:
    create_shell(http, key, v2=False)
    assert http.delete(f"{ENV}/{key}").status_code == 204
    create_shell(http, key, v2=False)
    assert read(http, key)["key"] == key


def test_rule__clause_values_as_strings__accepted_and_never_match(
    http: httpx.Client, key: str
) -> None:
    """The provider sends clause values as strings unless ``value_type`` says otherwise."""
    create_shell(http, key, v2=False)
    rules = [
        {"clauses": [{"attribute": "age", "op": "greaterThan", "values": ["30"], "negate": False}]}
    ]
    segment = patch(http, key, [replace("/rules", rules)])
    assert segment["rules"][0]["clauses"][0]["values"] == ["30"]
    response = http.post(
        "/api/v2/projects/default/environments/production/segments/evaluate",
        json={"key": "u", "kind": "user", "age": 40},
    )
    assert response.status_code == 200, response.text
    member = {item["key"]: item["isMember"] for item in response.json()["items"]}
    assert member[key] is False
