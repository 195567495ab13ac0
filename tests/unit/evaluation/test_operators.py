"""Operator semantics, one table per family (docs/evaluation.md §operators).

Every row runs twice: through the reference predicate ``operator_matches`` and through the
per-clause test that ``preprocess.build_value_test`` builds, which must agree.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.semver import parse_semver
from segmentd.domain.shared.timestamps import parse_rfc3339
from segmentd.evaluation.operators import operator_matches
from segmentd.evaluation.preprocess import build_value_test
from tests.builders import check, clause, rule, segment, user

P = pytest.param
Impl = Callable[[str, JsonValue, JsonValue], bool]


def _prepared(op: str, ctx: JsonValue, cv: JsonValue) -> bool:
    return build_value_test(op, [cv])(ctx)


@pytest.fixture(params=[operator_matches, _prepared], ids=["reference", "prepared"])
def matches(request: pytest.FixtureRequest) -> Impl:
    impl: Impl = request.param
    return impl


EQUALITY = [
    P("in", "a", "a", True, id="same string"),
    P("in", "a", "A", False, id="case sensitive"),
    P("in", 99, 99, True, id="same int"),
    P("in", 99, 99.0, True, id="int equals integral float"),
    P("in", "99", 99, False, id="numeric string vs number"),
    P("in", 99, "99", False, id="number vs numeric string"),
    P("in", True, 1, False, id="true vs 1"),
    P("in", 1, True, False, id="1 vs true"),
    P("in", False, 0, False, id="false vs 0"),
    P("in", True, True, True, id="same bool"),
    P("in", False, True, False, id="different bool"),
    P("in", None, None, False, id="null never matches"),
    P("in", [1], [1], False, id="arrays never match (Go)"),
    P("in", {"a": 1}, {"a": 1}, False, id="objects never match (Go)"),
]

STRINGS = [
    P("startsWith", "prefix-x", "prefix", True, id="startsWith match"),
    P("startsWith", "x-prefix", "prefix", False, id="startsWith no match"),
    P("startsWith", "Prefix", "prefix", False, id="startsWith case sensitive"),
    P("startsWith", 123, "1", False, id="startsWith number context"),
    P("endsWith", "name@example.com", "@example.com", True, id="endsWith match"),
    P("endsWith", "example.com@x", "example.com", False, id="endsWith no match"),
    P("endsWith", "x", 1, False, id="endsWith number clause"),
    P("contains", "abcdef", "cde", True, id="contains match"),
    P("contains", "abcdef", "", True, id="contains empty string"),
    P("contains", "abc", "abcd", False, id="contains longer"),
    P("contains", True, "true", False, id="contains bool context"),
]

REGEX = [
    P("matches", "hello world", "world", True, id="unanchored search"),
    P("matches", "hello world", "^world", False, id="anchored start"),
    P("matches", "hello world", "wor.d$", True, id="anchored end"),
    P("matches", "abc", "(", False, id="invalid regex is a non-match"),
    P("matches", "abc", "[", False, id="unterminated class"),
    P("matches", 5, "5", False, id="number context"),
    P("matches", "5", 5, False, id="number pattern"),
    P("matches", "", "", True, id="empty pattern matches"),
]

NUMBERS = [
    P("lessThan", 1, 2, True, id="lessThan int"),
    P("lessThan", 2, 2, False, id="lessThan equal"),
    P("lessThan", 1.5, 2, True, id="lessThan float vs int"),
    P("lessThan", "1", 2, False, id="lessThan numeric string"),
    P("lessThan", 1, "2", False, id="lessThan numeric string clause"),
    P("lessThan", False, 1, False, id="lessThan bool is not 0"),
    P("lessThanOrEqual", 2, 2.0, True, id="lessThanOrEqual equal"),
    P("lessThanOrEqual", 3, 2, False, id="lessThanOrEqual greater"),
    P("greaterThan", 3, 2, True, id="greaterThan"),
    P("greaterThan", 2, 2, False, id="greaterThan equal"),
    P("greaterThan", True, 0, False, id="greaterThan bool"),
    P("greaterThanOrEqual", 2, 2, True, id="greaterThanOrEqual equal"),
    P("greaterThanOrEqual", -1, 0, False, id="greaterThanOrEqual less"),
    P("greaterThan", 10**400, 1, True, id="huge int saturates"),
]

DATES = [
    P(
        "before",
        "2017-12-06T00:00:00.000-07:00",
        "2017-12-06T07:00:00.001Z",
        True,
        id="offset vs Z",
    ),
    P("before", "2017-12-06T07:00:00Z", 1512543600000, False, id="equal instants not before"),
    P("after", "2017-12-06T07:00:00Z", 1512543600000, False, id="equal instants not after"),
    P("after", 1512543600001, "2017-12-06T07:00:00Z", True, id="ms after string"),
    P("before", 1512543599999.9, 1512543600000, True, id="float ms truncated"),
    P("after", 1512543600000.9, 1512543600000, False, id="float ms truncated to equal (Go)"),
    P("before", "2017-12-06", "2030-01-01T00:00:00Z", False, id="date alone invalid"),
    P("before", "00:00:00Z", "2030-01-01T00:00:00Z", False, id="time alone invalid"),
    P("before", "2017-12-06T00:00:00", "2030-01-01T00:00:00Z", False, id="missing zone invalid"),
    P("before", "1512543600000", "2030-01-01T00:00:00Z", False, id="numeric string invalid"),
    P("before", "", "2030-01-01T00:00:00Z", False, id="empty string invalid"),
    P("before", "2017-12-06 07:00:00Z", "2030-01-01T00:00:00Z", False, id="space separator"),
    P("before", "2017-12-06t07:00:00z", "2030-01-01T00:00:00Z", True, id="lowercase t and z"),
    P("before", "2017-02-30T00:00:00Z", "2030-01-01T00:00:00Z", False, id="no such day"),
    P("before", "2017-12-06T24:00:00Z", "2030-01-01T00:00:00Z", False, id="hour 24"),
    P("before", "2016-12-31T23:59:60Z", "2030-01-01T00:00:00Z", False, id="leap second"),
    P("before", True, 1512543600000, False, id="bool is not a time"),
    P("before", 0, "invalid", False, id="invalid clause date"),
    P(
        "before",
        "2017-12-06T07:00:00.000000001Z",
        "2017-12-06T07:00:00.000000002Z",
        True,
        id="nanosecond precision",
    ),
]

VERSIONS = [
    P("semVerEqual", "2.0.0", "2.0.0", True, id="equal"),
    P("semVerEqual", "2", "2.0.0", True, id="short form major"),
    P("semVerEqual", "2.1", "2.1.0", True, id="short form major minor"),
    P("semVerEqual", "2-rc", "2.0.0-rc", True, id="short form with prerelease"),
    P("semVerEqual", "2.0.0+build", "2.0.0", True, id="build ignored"),
    P("semVerEqual", "v2.0.0", "2.0.0", False, id="v prefix invalid"),
    P("semVerEqual", "02.0.0", "2.0.0", False, id="leading zero invalid"),
    P("semVerEqual", "2.0.0.0", "2.0.0", False, id="four parts invalid"),
    P("semVerEqual", "1.2.3-01", "1.2.3-01", False, id="numeric prerelease leading zero"),
    P("semVerEqual", 2, "2.0.0", False, id="number is not a version"),
    P("semVerLessThan", "2.0.0-rc", "2.0.0", True, id="prerelease below release"),
    P("semVerLessThan", "2.0.0-rc", "2.0.0-rc.1", True, id="longer prerelease greater"),
    P("semVerLessThan", "2.0.0-rc.2.green", "2.0.0-rc.10.green", True, id="numeric ids"),
    P("semVerLessThan", "2.0.0-rc.2.green", "2.0.0-rc.2.red", True, id="alpha ids"),
    P("semVerLessThan", "2.0.0-1", "2.0.0-a", True, id="numeric below alpha"),
    P("semVerLessThan", "2.0.0-rc.2.green", "2.0.1-rc.2.green", True, id="patch"),
    P("semVerLessThan", "2.0.0", "2.0.0", False, id="equal not less"),
    P("semVerGreaterThan", "2.0.1", "2.0.0", True, id="greater"),
    P("semVerGreaterThan", "2.0.0", "2.0.0-rc", True, id="release above prerelease"),
    P("semVerGreaterThan", "10.0.0", "9.0.0", True, id="numeric not lexical"),
    P("semVerGreaterThan", "2.0.0", "x", False, id="invalid clause version"),
]

UNKNOWN = [
    P("notAnOperator", "a", "a", False, id="unknown op"),
    P("segmentMatch", "a", "a", False, id="segmentMatch is not a value test"),
]


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), EQUALITY)
def test_in__pair__matches_only_same_json_type(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), STRINGS)
def test_string_ops__pair__case_sensitive_strings_only(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), REGEX)
def test_matches__pattern__unanchored_search_invalid_never(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), NUMBERS)
def test_numeric_ops__pair__numbers_only_no_bool(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), DATES)
def test_date_ops__pair__strict_rfc3339_or_ms(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), VERSIONS)
def test_semver_ops__pair__precedence_with_short_forms(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(("op", "ctx", "cv", "expected"), UNKNOWN)
def test_unknown_op__any_pair__never_matches(
    matches: Impl, op: str, ctx: JsonValue, cv: JsonValue, expected: bool
) -> None:
    assert matches(op, ctx, cv) is expected


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        P("2017-12-06T07:00:00Z", True, id="Z"),
        P("2017-12-06T07:00:00+23:59", True, id="max offset"),
        P("2017-12-06T07:00:00+24:00", False, id="offset hour 24"),
        P("2017-12-06T07:00:00.1234567891Z", False, id="ten fraction digits"),
        P("2017-12-06T7:00:00Z", False, id="one digit hour"),
    ],
)
def test_parse_rfc3339__edge_forms__strict_subset(text: str, valid: bool) -> None:
    assert (parse_rfc3339(text) is not None) is valid


@pytest.mark.parametrize(
    "text", ["", "2.", ".1", "1..2", "1.2.3-", "1.2.3+", "1.2.3-a..b", " 1.2.3", "1.2.3 "]
)
def test_parse_semver__malformed__none(text: str) -> None:
    assert parse_semver(text) is None


# ---- clause-level behaviour: null attributes, negate, arrays ------------------------------

CLAUSES = [
    P(clause("name", "in", "", negate=True), user("k"), False, id="null attribute under negate"),
    P(clause("missing", "in", "x", negate=True), user("k"), False, id="absent attribute negated"),
    P(clause("name", "in", "x", negate=True), user("k", "y"), True, id="present value negated"),
    P(clause("tags", "in", "b"), user("k", tags=["a", "b"]), True, id="array any element"),
    P(clause("tags", "in", "c"), user("k", tags=["a", "b"]), False, id="array no element"),
    P(clause("tags", "in", "c", negate=True), user("k", tags=[]), True, id="empty array negated"),
    P(clause("tags", "in", "c"), user("k", tags=[]), False, id="empty array"),
    P(clause("tags", "in", "a"), user("k", tags=[["a"]]), False, id="nested arrays not flattened"),
    P(clause("n", "greaterThan", 1), user("k", n=[0, 5]), True, id="array of numbers"),
    P(clause("x", "in", "a", context_kind="org"), user("k", x="a"), False, id="missing kind"),
    P(
        clause("x", "in", "a", context_kind="org", negate=True),
        user("k", x="a"),
        False,
        id="missing kind negated",
    ),
    P(clause("kind", "in", "user"), user("k"), True, id="kind attribute"),
    P(clause("kind", "in", "org", negate=True), user("k"), True, id="kind attribute negated"),
    P(
        clause("bogus", "nope", "x", negate=True),
        user("k", bogus="x"),
        True,
        id="unknown op negated matches",
    ),
]


@pytest.mark.parametrize(("the_clause", "ctx", "expected"), CLAUSES)
def test_clause__context__negate_only_for_present_values(the_clause, ctx, expected):
    result = check(segment(rules=[rule(the_clause)]), ctx)
    assert result.is_member is expected
