"""A flag's lifecycle settings: read from a patched document, stored and read back."""

from __future__ import annotations

import pytest

from segmentd.domain.flags.settings import (
    NO_SETTINGS,
    CustomProperty,
    FlagDefaults,
    FlagSettings,
    settings_from_json,
    settings_to_json,
    stored_settings_from_json,
)
from segmentd.errors import InvalidRequest

FULL = FlagSettings(
    archived=True,
    archived_date=5,
    deprecated=True,
    deprecated_date=6,
    custom_properties={"k": CustomProperty("K", ("a", "b")), "empty": CustomProperty("E")},
    maintainer_id="m",
    maintainer_team_key="t",
    defaults=FlagDefaults(on_variation=1, off_variation=0),
)


@pytest.mark.parametrize(
    "settings", [pytest.param(NO_SETTINGS, id="none"), pytest.param(FULL, id="every field")]
)
def test_stored_settings__round_trip__equal(settings: FlagSettings) -> None:
    assert stored_settings_from_json(settings_to_json(settings), variation_count=2) == settings


def test_settings_from_json__dates_in_document__server_dates_kept() -> None:
    doc = settings_to_json(FULL) | {"archivedDate": 99, "deprecatedDate": 99}
    assert settings_from_json(doc, variation_count=2, stored=FULL) == FULL


def test_settings_from_json__nulls__empty_values() -> None:
    doc = {"archived": None, "customProperties": {"k": {"name": "K", "value": None}}}
    settings = settings_from_json(doc, variation_count=2, stored=NO_SETTINGS)
    assert settings == FlagSettings(custom_properties={"k": CustomProperty("K")})


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        pytest.param({"deprecated": 1}, "deprecated: expected a boolean", id="number flag"),
        pytest.param({"customProperties": []}, "customProperties", id="not a map"),
        pytest.param(
            {"customProperties": {"k": {"name": "K", "value": [1]}}},
            r"customProperties\.k\.value",
            id="value not strings",
        ),
        pytest.param(
            {"customProperties": {"k": {"name": " ", "value": []}}},
            r"customProperties\.k\.name",
            id="blank name",
        ),
        pytest.param({"defaults": {"onVariation": 0}}, "offVariation: is required", id="half"),
        pytest.param(
            {"defaults": {"onVariation": True, "offVariation": 0}},
            "onVariation: expected an integer",
            id="boolean index",
        ),
        pytest.param(
            {"defaults": {"onVariation": 0, "offVariation": 2}},
            "no variation 2",
            id="out of range",
        ),
        pytest.param({"maintainerId": ["m"]}, "maintainerId", id="maintainer not a string"),
    ],
)
def test_settings_from_json__invalid__400_naming_the_field(
    doc: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        settings_from_json(doc, variation_count=2, stored=NO_SETTINGS)
