"""The ``filter`` and ``sort`` query parameters of ``GET /api/v2/segments/{p}/{e}``, parsed.

LaunchDarkly's filter language (docs/lifecycle.md §filter-syntax) is small: conditions
``<field> <op> <value>`` joined by ``,`` (AND) and ``|`` (OR), grouped with parentheses;
values are JSON-like (double-quoted strings, bracketed lists, bare booleans). AND binds
tighter than OR, as in most query languages: ``a, b | c`` means ``(a AND b) OR c``. The
parser is a tokenizer plus recursive descent producing an immutable AST, which the store
translates to SQL. Every error is an :class:`InvalidRequest` starting with ``filter:`` or
``sort:`` and naming the character position it is about (1-based), so a caller can find the
problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from segmentd.errors import InvalidRequest

__all__ = [
    "DEFAULT_SORT",
    "FIELDS",
    "And",
    "Condition",
    "Filter",
    "Or",
    "SegmentQuery",
    "SortKey",
    "parse_filter",
    "parse_sort",
]

FilterValue: TypeAlias = str | bool | tuple[str, ...]

#: Supported fields, the one operator each takes, and the value type each wants.
FIELDS: dict[str, tuple[str, str]] = {
    "query": ("equals", "string or list of strings"),
    "tags": ("anyOf", "list of strings"),
    "includedKeys": ("anyOf", "list of strings"),
    "excludedKeys": ("anyOf", "list of strings"),
    "unbounded": ("equals", "boolean"),
    "external": ("exists", "boolean"),
}
SORT_FIELDS = ("creationDate", "name", "lastModified")


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``; ``value`` is a string, a boolean or a tuple of strings."""

    field: str
    op: str
    value: FilterValue


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Filter, ...]


Filter: TypeAlias = Condition | And | Or


@dataclass(frozen=True, slots=True)
class SortKey:
    field: Literal["creationDate", "name", "lastModified"]
    descending: bool = False


DEFAULT_SORT = (SortKey("creationDate"),)


@dataclass(frozen=True, slots=True)
class SegmentQuery:
    """One page of an environment's segments: which, in what order, and where to start."""

    filter: Filter | None = None
    sort: tuple[SortKey, ...] = DEFAULT_SORT
    limit: int = 20
    offset: int = 0


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<punct>[(),|\[\]])
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>-?\d+(?:\.\d+)?)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["punct", "string", "word", "number", "end"]
    text: str
    position: int  # 1-based character position in the filter

    def describe(self) -> str:
        return "the end of the filter" if self.kind == "end" else repr(self.text)


def _fail(message: str, position: int) -> InvalidRequest:
    return InvalidRequest(f"filter: position {position}: {message}")


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            if text[at] == '"':
                raise _fail("unterminated string", at + 1)
            raise _fail(f"unexpected character {text[at]!r}", at + 1)
        kind = match.lastgroup
        if kind != "space":
            out.append(_Token(kind, match.group(), at + 1))  # type: ignore[arg-type]
        at = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


# ---------------------------------------------------------------- grammar


class _Parser:
    """``or := and ('|' and)*``; ``and := atom (',' atom)*``; ``atom := '(' or ')' | cond``."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text or token.kind not in ("punct",):
            raise _fail(f"expected {text!r}, found {token.describe()}", token.position)
        return token

    def parse(self) -> Filter:
        if self.peek().kind == "end":
            raise _fail("empty filter", 1)
        result = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise _fail(f"unexpected {token.describe()}", token.position)
        return result

    def or_expr(self) -> Filter:
        items = [self.and_expr()]
        while self.peek().text == "|" and self.peek().kind == "punct":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Filter:
        items = [self.atom()]
        while self.peek().text == "," and self.peek().kind == "punct":
            self.take()
            items.append(self.atom())
        return items[0] if len(items) == 1 else And(tuple(items))

    def atom(self) -> Filter:
        token = self.peek()
        if token.kind == "punct" and token.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.condition()

    def condition(self) -> Condition:
        name = self.take()
        if name.kind != "word":
            raise _fail(f"expected a field name, found {name.describe()}", name.position)
        if name.text not in FIELDS:
            raise _fail(
                f"unknown field {name.text!r} (supported: {', '.join(FIELDS)})", name.position
            )
        op_token = self.take()
        op, expected = FIELDS[name.text]
        if op_token.kind != "word":
            raise _fail(
                f"expected an operator after {name.text!r}, found {op_token.describe()}",
                op_token.position,
            )
        if op_token.text != op:
            raise _fail(
                f"field {name.text!r} supports the operator {op!r}, not {op_token.text!r}",
                op_token.position,
            )
        value_at = self.peek().position
        value = self.value()
        if not _fits(value, expected):
            raise _fail(f"{name.text} {op} expects a {expected}", value_at)
        if name.text == "query" and isinstance(value, str):
            value = (value,)
        return Condition(name.text, op, value)

    def value(self) -> FilterValue:
        token = self.take()
        if token.kind == "string":
            return _string(token)
        if token.kind == "word" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "punct" and token.text == "[":
            return self.list_value()
        raise _fail(f"expected a value, found {token.describe()}", token.position)

    def list_value(self) -> tuple[str, ...]:
        items: list[str] = []
        if self.peek().text == "]" and self.peek().kind == "punct":
            self.take()
            return ()
        while True:
            token = self.take()
            if token.kind != "string":
                raise _fail(
                    f"expected a double-quoted string in the list, found {token.describe()}",
                    token.position,
                )
            items.append(_string(token))
            separator = self.take()
            if separator.kind == "punct" and separator.text == "]":
                return tuple(items)
            if not (separator.kind == "punct" and separator.text == ","):
                raise _fail(
                    f"expected ',' or ']' in the list, found {separator.describe()}",
                    separator.position,
                )


def _string(token: _Token) -> str:
    try:
        value = json.loads(token.text)
    except ValueError:
        raise _fail("invalid escape in string", token.position) from None
    assert isinstance(value, str)
    return value


def _fits(value: FilterValue, expected: str) -> bool:
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "list of strings":
        return isinstance(value, tuple)
    return isinstance(value, str | tuple)  # string or list of strings


def parse_filter(text: str | None) -> Filter | None:
    """Parse a ``filter`` parameter into an AST; ``None`` or blank text means no filter.

    Promises a tree whose conditions name only :data:`FIELDS` with their operator and a value
    of the right type (``query`` values always become a tuple of strings).
    """
    if text is None or not text.strip():
        return None
    return _Parser(text).parse()


def parse_sort(text: str | None) -> tuple[SortKey, ...]:
    """Parse ``sort`` (``name``, ``-creationDate,name``…); empty means :data:`DEFAULT_SORT`."""
    if text is None or not text.strip():
        return DEFAULT_SORT
    keys: list[SortKey] = []
    seen: set[str] = set()
    for part in text.split(","):
        item = part.strip()
        descending = item.startswith("-")
        name = item[1:] if descending else item
        if name not in SORT_FIELDS:
            raise InvalidRequest(
                f"sort: unknown field {name!r} (use {', '.join(SORT_FIELDS)}, "
                "optionally prefixed with '-' for descending)"
            )
        if name in seen:
            raise InvalidRequest(f"sort: field {name!r} given twice")
        seen.add(name)
        keys.append(SortKey(name, descending))  # type: ignore[arg-type]
    return tuple(keys)
