"""The segment list ``filter`` and ``sort`` parsers: a table of inputs and their trees/errors."""

from __future__ import annotations

import pytest

from segmentd.domain.segments.query import (
    DEFAULT_SORT,
    And,
    Condition,
    Filter,
    Or,
    SortKey,
    parse_filter,
    parse_sort,
)
from segmentd.errors import InvalidRequest

Q = Condition


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('query equals "toggle"', Q("query", "equals", ("toggle",)), id="query string"),
        pytest.param('query equals ["a", "b"]', Q("query", "equals", ("a", "b")), id="query list"),
        pytest.param(
            'tags anyOf ["enterprise", "beta"]',
            Q("tags", "anyOf", ("enterprise", "beta")),
            id="tags",
        ),
        pytest.param("tags anyOf []", Q("tags", "anyOf", ()), id="empty list"),
        pytest.param(
            'includedKeys anyOf ["s1"]', Q("includedKeys", "anyOf", ("s1",)), id="included keys"
        ),
        pytest.param(
            'excludedKeys anyOf ["segmentKey1", "segmentKey2"]',
            Q("excludedKeys", "anyOf", ("segmentKey1", "segmentKey2")),
            id="excluded keys (documented example)",
        ),
        pytest.param("unbounded equals true", Q("unbounded", "equals", True), id="unbounded"),
        pytest.param("unbounded equals false", Q("unbounded", "equals", False), id="bounded"),
        pytest.param("external exists false", Q("external", "exists", False), id="external"),
        pytest.param(
            'tags anyOf ["enterprise", "beta"],query equals "toggle"',
            And(
                (
                    Q("tags", "anyOf", ("enterprise", "beta")),
                    Q("query", "equals", ("toggle",)),
                )
            ),
            id="documented AND example",
        ),
        pytest.param(
            "unbounded equals true | unbounded equals false",
            Or((Q("unbounded", "equals", True), Q("unbounded", "equals", False))),
            id="OR",
        ),
        pytest.param(
            'query equals "a", tags anyOf ["t"] | unbounded equals true',
            Or(
                (
                    And((Q("query", "equals", ("a",)), Q("tags", "anyOf", ("t",)))),
                    Q("unbounded", "equals", True),
                )
            ),
            id="AND binds tighter than OR",
        ),
        pytest.param(
            'query equals "a", (tags anyOf ["t"] | unbounded equals true)',
            And(
                (
                    Q("query", "equals", ("a",)),
                    Or((Q("tags", "anyOf", ("t",)), Q("unbounded", "equals", True))),
                )
            ),
            id="parentheses group",
        ),
        pytest.param('((query equals "a"))', Q("query", "equals", ("a",)), id="nested parentheses"),
        pytest.param(
            r'query equals "say \"hi\", ok | (x)"',
            Q("query", "equals", ('say "hi", ok | (x)',)),
            id="escapes and operators inside a string",
        ),
        pytest.param(
            '  query   equals\t"x"  ', Q("query", "equals", ("x",)), id="extra whitespace"
        ),
    ],
)
def test_parse_filter__valid__tree(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_filter__absent_or_blank__no_filter(text: str | None) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('name equals "x"', "position 1: unknown field 'name'", id="unknown field"),
        pytest.param('tags equals ["a"]', "supports the operator 'anyOf'", id="wrong operator"),
        pytest.param("tags", "expected an operator after 'tags'", id="no operator"),
        pytest.param("tags anyOf", "expected a value, found the end", id="no value"),
        pytest.param(
            'tags anyOf "a"', "position 12: tags anyOf expects a list of strings", id="not list"
        ),
        pytest.param('unbounded equals "true"', "expects a boolean", id="bool as string"),
        pytest.param("query equals true", "expects a string or list of strings", id="query bool"),
        pytest.param('tags anyOf ["a" "b"]', "expected ',' or ']'", id="list without comma"),
        pytest.param("tags anyOf [1]", "expected a double-quoted string", id="number in list"),
        pytest.param('tags anyOf ["a"', "found the end of the filter", id="unclosed list"),
        pytest.param('query equals "abc', "position 14: unterminated string", id="open string"),
        pytest.param('(query equals "a"', "expected ')'", id="unclosed parenthesis"),
        pytest.param('query equals "a")', "unexpected ')'", id="stray parenthesis"),
        pytest.param('query equals "a",', "expected a field name", id="trailing comma"),
        pytest.param('| query equals "a"', "expected a field name, found '|'", id="leading or"),
        pytest.param('query equals "a" $', "position 18: unexpected character '$'", id="junk"),
        pytest.param(r'query equals "\q"', "invalid escape", id="bad escape"),
        pytest.param('query equals "a" query', "unexpected 'query'", id="missing separator"),
    ],
)
def test_parse_filter__malformed__400_naming_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_filter(text)
    assert raised.value.message.startswith("filter: ")
    assert message in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, DEFAULT_SORT, id="absent"),
        pytest.param("name", (SortKey("name"),), id="one ascending"),
        pytest.param("-name", (SortKey("name", descending=True),), id="one descending"),
        pytest.param(
            "-name,creationDate",
            (SortKey("name", True), SortKey("creationDate")),
            id="documented example",
        ),
        pytest.param("lastModified", (SortKey("lastModified"),), id="last modified"),
    ],
)
def test_parse_sort__valid__keys(text: str | None, expected: tuple[SortKey, ...]) -> None:
    assert parse_sort(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("key", "unknown field 'key'", id="unknown field"),
        pytest.param("name,", "unknown field ''", id="trailing comma"),
        pytest.param("+name", "unknown field '+name'", id="plus prefix"),
        pytest.param("name,-name", "given twice", id="duplicate"),
    ],
)
def test_parse_sort__malformed__400(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_sort(text)
    assert raised.value.message.startswith("sort: ")
    assert message in raised.value.message
