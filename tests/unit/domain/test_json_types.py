"""The one spelling of JSON type names in error messages (``json_type_name``)."""

from __future__ import annotations

import pytest

from segmentd.domain.shared.json_types import json_type_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "null", id="None is null"),
        pytest.param(True, "boolean", id="a bool is a boolean, not a number"),
        pytest.param(0, "number", id="an int is a number"),
        pytest.param(1.5, "number", id="a float is a number"),
        pytest.param("", "string", id="a str is a string"),
        pytest.param([1], "array", id="a list is an array"),
        pytest.param({"a": 1}, "object", id="a dict is an object"),
    ],
)
def test_json_type_name__decoded_json__names_its_json_type(value: object, expected: str) -> None:
    assert json_type_name(value) == expected
