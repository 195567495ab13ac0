"""Golden bucket values: these must equal every LD SDK's output (docs/evaluation.md §bucketing)."""

from __future__ import annotations

import pytest

from segmentd.evaluation.bucketing import bucket, bucketable_value, in_rollout
from segmentd.evaluation.evaluator import hashed_context_key

P = pytest.param


@pytest.mark.parametrize(
    ("key", "salt", "value", "expected"),
    [
        P("hashKey", "saltyA", "userKeyA", 0.42157587433924940, id="LD vector A"),
        P("hashKey", "saltyA", "userKeyB", 0.67084849657034350, id="LD vector B"),
        P("hashKey", "saltyA", "userKeyC", 0.10343106172769690, id="LD vector C"),
        P("hashKey", "saltyA", "33333", 0.54771423458614670, id="integer attribute"),
        P("segment3", "salty", "user-key", 0.14950212263461493, id="harness member"),
        P("segment3", "salty", "unmatching-key", 0.36563563056429266, id="harness non-member"),
    ],
)
def test_bucket__golden_inputs__ld_values(key: str, salt: str, value: str, expected: float) -> None:
    assert bucket(key, salt, value) == pytest.approx(expected, abs=1e-15)


def test_bucket__ld_vector_a__hex_prefix_scaled_exactly():
    assert bucket("hashKey", "saltyA", "userKeyA") == 0x6BEC658111D6AD9 / 0xFFFFFFFFFFFFFFF


@pytest.mark.parametrize(
    ("weight", "expected"),
    [P(14955, True, id="harness weight"), P(14950, False, id="just below"), P(0, False, id="zero")],
)
def test_in_rollout__harness_bucket__weight_boundary(weight: int, expected: bool) -> None:
    assert in_rollout(bucket("segment3", "salty", "user-key"), weight) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        P("abc", "abc", id="string"),
        P(33333, "33333", id="int"),
        P(1000.0, "1000", id="integral float (Go)"),
        P(1.5, None, id="fractional float"),
        P(True, None, id="bool"),
        P(None, None, id="null"),
        P(["a"], None, id="array"),
        P({"a": 1}, None, id="object"),
    ],
)
def test_bucketable_value__json_types__strings_and_integers_only(value, expected):
    assert bucketable_value(value) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        P("user-key", "CEXjZY7cHJG/ydFy7q4+YEFwVrG3/pkJwA4FAjrbfx0=", id="user-key"),
        P("user1", "CgQblGLKpKMbrDVn4Lbm/ZEAeH2yq0M9lvbReMq/zpA=", id="user1"),
    ],
)
def test_hashed_context_key__golden__base64_sha256(key: str, expected: str) -> None:
    assert hashed_context_key(key) == expected
