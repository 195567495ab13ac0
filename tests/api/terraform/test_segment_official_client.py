"""The Terraform segment lifecycle again, through the official ``launchdarkly-api`` client.

Same order as the provider (create shell, targeting patch, update, remove tags, delete),
with the generated models the provider's Go client mirrors, so that both generated clients'
serialisation of empty and ``null`` optional fields is exercised.
"""

from __future__ import annotations

from typing import Any

import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import NotFoundException
from launchdarkly_api.models.patch_operation import PatchOperation
from launchdarkly_api.models.patch_with_comment import PatchWithComment
from launchdarkly_api.models.segment_body import SegmentBody

from tests.api.terraform.test_segment_resource import EXCLUDED_CONTEXTS, INCLUDED_CONTEXTS, RULES


def op(path: str, value: Any = None, *, kind: str = "replace") -> PatchOperation:
    return PatchOperation(op=kind, path=path, value=value)


def patch(api: SegmentsApi, key: str, ops: list[PatchOperation]) -> Any:
    body = PatchWithComment(comment="Terraform", patch=ops)
    return api.patch_segment("default", "production", key, body)


@pytest.mark.parametrize("unbounded", [False, True], ids=["standard", "big"])
def test_lifecycle__official_client(
    ld_client: launchdarkly_api.ApiClient, key: str, unbounded: bool
) -> None:
    api = SegmentsApi(ld_client)
    shell = SegmentBody(
        name="Client segment",
        key=key,
        description="",
        tags=[],
        unbounded=unbounded,
        unboundedContextKind="",
    )
    created = api.post_segment("default", "production", shell)
    assert created.unbounded is unbounded
    if not unbounded:
        targeted = patch(
            api,
            key,
            [
                op("/included", ["u-1"]),
                op("/rules", RULES),
                op("/includedContexts", INCLUDED_CONTEXTS),
                op("/excludedContexts", EXCLUDED_CONTEXTS),
            ],
        )
        assert targeted.included == ["u-1"]
        assert len(targeted.rules) == 2
    updated = patch(
        api,
        key,
        [
            op("/name", "Renamed"),
            op("/description", "described"),
            op("/included", []),
            op("/excluded", []),
            op("/rules", []),
            op("/includedContexts", []),
            op("/excludedContexts", []),
            op("/tags", ["tf", "eu"]),
        ],
    )
    assert (updated.name, updated.description, updated.tags) == (
        "Renamed",
        "described",
        ["tf", "eu"],
    )
    untagged = patch(api, key, [op("/description", ""), op("/tags", kind="remove")])
    assert untagged.tags == []
    read = api.get_segment("default", "production", key)
    assert (read.key, read.tags, read.rules) == (key, [], [])
    api.delete_segment("default", "production", key)
    with pytest.raises(NotFoundException):
        api.get_segment("default", "production", key)


def test_update__null_for_optional_fields__clears_them(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    """``null`` replaces an optional field as leaving it out would (a Go nil slice is null)."""
    api = SegmentsApi(ld_client)
    api.post_segment(
        "default",
        "production",
        SegmentBody(name="N", key=key, description="d", tags=["t"], unbounded=None),
    )
    cleared = patch(
        api,
        key,
        [op("/description", None), op("/tags", None), op("/included", None), op("/rules", None)],
    )
    assert cleared.description is None
    assert (cleared.tags, cleared.included, cleared.rules) == ([], [], [])
