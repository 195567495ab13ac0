"""Tables for the clause value parsers shared by write-time validation and the evaluator."""

from __future__ import annotations

import pytest

from segmentd.domain.shared.regexes import check_regex
from segmentd.domain.shared.semver import parse_semver
from segmentd.domain.shared.timestamps import to_instant

HARNESS_INSTANT = 1_512_543_600_000
NS = 1_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2017-12-06T00:00:00.000-07:00", HARNESS_INSTANT, id="negative offset"),
        pytest.param("2017-12-06T07:00:00.000Z", HARNESS_INSTANT, id="Z with fraction"),
        pytest.param("2017-12-06T07:00:00Z", HARNESS_INSTANT, id="Z"),
        pytest.param("2017-12-06t07:00:00z", HARNESS_INSTANT, id="lower-case t and z"),
        pytest.param("2017-12-06T09:30:00+02:30", HARNESS_INSTANT, id="positive offset"),
        pytest.param("2017-12-06T07:00:00.5Z", HARNESS_INSTANT + 500, id="half second"),
        pytest.param(1_512_543_600_000, HARNESS_INSTANT, id="integer milliseconds"),
        pytest.param(1.9, 1, id="float milliseconds truncated (Go reference)"),
        pytest.param("2017-12-06", None, id="date alone"),
        pytest.param("07:00:00Z", None, id="time alone"),
        pytest.param("2017-12-06T07:00:00", None, id="no zone"),
        pytest.param("2017-12-06 07:00:00Z", None, id="space instead of T"),
        pytest.param("1512543600000", None, id="numeric string"),
        pytest.param("", None, id="empty string"),
        pytest.param("2017-13-06T07:00:00Z", None, id="month 13"),
        pytest.param("2017-12-06T07:00:60Z", None, id="leap second"),
        pytest.param("2017-12-06T07:00:00+24:00", None, id="zone hour 24"),
        pytest.param("2017-12-06T07:00:00.1234567890Z", None, id="ten fraction digits"),
        pytest.param(True, None, id="boolean"),
        pytest.param(None, None, id="null"),
        pytest.param([1], None, id="array"),
        pytest.param(float("nan"), None, id="nan"),
    ],
)
def test_to_instant__value__milliseconds_or_none(value: object, expected: int | None) -> None:
    instant = to_instant(value)  # type: ignore[arg-type]
    assert instant == (None if expected is None else expected * NS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2", (2, 0, 0), id="major only"),
        pytest.param("2.1", (2, 1, 0), id="major and minor"),
        pytest.param("2.1.3", (2, 1, 3), id="full"),
        pytest.param("2-rc.1", (2, 0, 0), id="short with prerelease"),
        pytest.param("2.0+build.01", (2, 0, 0), id="build with zeros"),
        pytest.param("1.2.3-0a", (1, 2, 3), id="alphanumeric starting 0"),
        pytest.param("02.0.0", None, id="leading zero"),
        pytest.param("v2.0.0", None, id="v prefix"),
        pytest.param("2.0.0.0", None, id="four parts"),
        pytest.param("1.2.3-01", None, id="numeric prerelease with leading zero"),
        pytest.param("1.2.3-", None, id="empty prerelease"),
        pytest.param("1.2.3-a..b", None, id="empty prerelease identifier"),
        pytest.param(" 1.2.3", None, id="whitespace"),
        pytest.param("\u0661.\u0662.\u0663", None, id="non-ascii digits"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_semver__text__version_or_none(
    text: str, expected: tuple[int, int, int] | None
) -> None:
    version = parse_semver(text)
    if expected is None:
        assert version is None
    else:
        assert version is not None
        assert (version.major, version.minor, version.patch) == expected


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        pytest.param("2.0.0-rc", "2.0.0", id="prerelease below release"),
        pytest.param("2.0.0-rc", "2.0.0-rc.1", id="longer prerelease above"),
        pytest.param("2.0.0-rc.2.green", "2.0.0-rc.10.green", id="numeric identifiers"),
        pytest.param("2.0.0-rc.2.green", "2.0.0-rc.2.red", id="alphanumeric identifiers"),
        pytest.param("2.0.0-1", "2.0.0-a", id="numeric below alphanumeric"),
        pytest.param("2.0.0-rc.2.green", "2.0.1-rc.2.green", id="patch wins"),
        pytest.param("1.9", "1.10", id="minor numerically"),
    ],
)
def test_semver_order__ordered_pair__orders_both_ways(lower: str, higher: str) -> None:
    low, high = parse_semver(lower), parse_semver(higher)
    assert low is not None
    assert high is not None
    assert low < high
    assert not high < low


def test_semver_order__build_metadata__ignored() -> None:
    assert parse_semver("2.0.0+build") == parse_semver("2")


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"^[a-z]+@example\.com$", id="anchored"),
        pytest.param(r"(?i)abc", id="portable flag"),
        pytest.param(r"(?P<name>a)|b", id="named group"),
        pytest.param(r"a{2,5}?", id="lazy bounded repeat"),
        pytest.param(r"[(?=]", id="lookahead text inside a class"),
        pytest.param(r"[^]a]+", id="leading bracket in negated class"),
        pytest.param(r"\0", id="octal zero"),
        pytest.param(r"a{1000}", id="repeat at limit"),
    ],
)
def test_check_regex__portable_pattern__compiles(pattern: str) -> None:
    assert check_regex(pattern).pattern == pattern


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        pytest.param("(", "invalid regular expression", id="does not compile"),
        pytest.param("a(?=b)", "lookaround", id="lookahead"),
        pytest.param("a(?!b)", "lookaround", id="negative lookahead"),
        pytest.param("(?<=a)b", "lookaround", id="lookbehind"),
        pytest.param("(?<!a)b", "lookaround", id="negative lookbehind"),
        pytest.param(r"(a)\1", "backreference", id="numbered backreference"),
        pytest.param(r"(?P<n>a)(?P=n)", "backreference", id="named backreference"),
        pytest.param("(?>a)", "atomic group", id="atomic group"),
        pytest.param("a*+", "possessive", id="possessive star"),
        pytest.param("a{2}+", "possessive", id="possessive repeat"),
        pytest.param("(?x)a b", "inline flags", id="verbose flag"),
        pytest.param("(?a)a", "inline flags", id="ascii flag"),
        pytest.param("(a)?(?(1)b|c)", "conditional", id="conditional"),
        pytest.param(r"a\Z", "differs", id="Python end anchor"),
        pytest.param("a{,3}", "differs", id="open lower bound"),
        pytest.param("a{1001}", "exceeds", id="repeat past RE2 limit"),
        pytest.param("[[:alpha:]]", "invalid regular expression", id="POSIX class"),
        pytest.param(r"[\1]", "backreference", id="digit escape in class"),
    ],
)
def test_check_regex__non_portable_pattern__raises(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_regex(pattern)
