"""Integers beyond 64 bits in any query parameter: a 400 naming the parameter, in
LaunchDarkly's error body, never a 500 from the database."""

from __future__ import annotations

import httpx
import pytest

HUGE = "245481419273228121014272"  # found by fuzzing: beyond 64 bits


@pytest.mark.parametrize(
    ("path", "param"),
    [
        pytest.param("/api/v2/auditlog", "offset", id="auditlog offset"),
        pytest.param("/api/v2/auditlog", "before", id="auditlog before"),
        pytest.param("/api/v2/auditlog", "after", id="auditlog after"),
        pytest.param("/api/v2/auditlog", "limit", id="auditlog limit"),
        pytest.param("/api/v2/tokens", "offset", id="tokens offset"),
        pytest.param("/api/v2/tokens", "limit", id="tokens limit"),
        pytest.param("/api/v2/projects", "offset", id="projects offset"),
        pytest.param("/api/v2/projects/default/environments", "offset", id="environments"),
        pytest.param("/api/v2/segments/default/production", "offset", id="segments offset"),
        pytest.param("/api/v2/flags/default", "offset", id="flags offset"),
        pytest.param(
            "/api/v2/auditlog/segments/default/production/s", "offset", id="segment auditlog"
        ),
    ],
)
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "9223372036854775808"])
def test_query_integer__beyond_64_bits__400_naming_it(
    http: httpx.Client, path: str, param: str, value: str
) -> None:
    response = http.get(path, params={param: value})
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "id"}
    assert body["code"] == "invalid_request"
    assert body["message"].startswith(f"{param}: ")


def test_query_offset__largest_64_bit_value__empty_page(http: httpx.Client) -> None:
    for path in ("/api/v2/auditlog", "/api/v2/tokens", "/api/v2/segments/default/production"):
        response = http.get(path, params={"offset": str(2**63 - 1)})
        assert response.status_code == 200, (path, response.text)
        assert response.json()["items"] == []


def test_method_not_allowed__allow_names_every_method_of_the_path(http: httpx.Client) -> None:
    response = http.request("PUT", "/api/v2/segments/default/production/s")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.json()["code"] == "method_not_allowed"
