"""Write-time checks that every feature shares: keys, names, descriptions, tags, context
kinds, attribute references and clauses (segment rules and flag rules hold the same clauses).

Everything stored passes these checks first, so that neither the evaluator nor an SDK ever
meets data it would refuse. Each failure is an :class:`InvalidRequest` whose message starts
with the offending field. A resource's own checks live with it: a whole segment in
:mod:`segmentd.domain.segments.validation`, a flag in :mod:`segmentd.domain.flags.model`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from segmentd.domain.shared.clauses import OPERATORS, Clause
from segmentd.domain.shared.ids import NewId
from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.regexes import check_regex
from segmentd.domain.shared.semver import parse_semver
from segmentd.domain.shared.timestamps import to_instant
from segmentd.errors import InvalidRequest

#: LaunchDarkly's segment key rule (its Terraform provider's validator), with a length cap.
KEY_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
MAX_KEY_LENGTH = 256
TAG_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
#: Context kinds: ASCII letters, digits, ``.``, ``_`` and ``-`` (docs/evaluation.md §contexts).
KIND_PATTERN = re.compile(r"[a-zA-Z0-9._-]+")
MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 4096
#: The integer range segmentd stores and compares in SQL (64-bit signed on both databases).
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)


def check_key(key: str, *, field: str = "key") -> str:
    if not key:
        raise InvalidRequest(f"{field}: must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_KEY_LENGTH} characters")
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidRequest(
            f"{field}: must start with a letter or digit and contain only letters, digits, "
            "'.', '_' and '-'"
        )
    return key


def check_name(name: str, *, field: str = "name") -> str:
    if not name.strip():
        raise InvalidRequest(f"{field}: must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_NAME_LENGTH} characters")
    return name


def check_description(description: str | None, *, field: str = "description") -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_DESCRIPTION_LENGTH} characters")
    return description


def check_tags(tags: tuple[str, ...], *, field: str = "tags") -> tuple[str, ...]:
    """Tags are 1-64 characters of ``[a-zA-Z0-9_.-]``; duplicates are dropped, order kept."""
    for i, tag in enumerate(tags):
        if not TAG_PATTERN.fullmatch(tag):
            raise InvalidRequest(
                f"{field}[{i}]: a tag is 1 to 64 characters of letters, digits, '_', '.' or '-'"
            )
    return tuple(dict.fromkeys(tags))


def is_valid_kind(kind: str) -> bool:
    return bool(KIND_PATTERN.fullmatch(kind)) and kind not in ("kind", "multi")


def check_context_kind(kind: str, *, field: str = "contextKind") -> str:
    if not is_valid_kind(kind):
        raise InvalidRequest(
            f"{field}: {kind!r} is not a valid context kind (letters, digits, '.', '_', '-'; "
            "not 'kind' or 'multi')"
        )
    return kind


# ---------------------------------------------------------------- rules and clauses

MAX_WEIGHT = 100_000
_SEMVER_OPS = frozenset(("semVerEqual", "semVerLessThan", "semVerGreaterThan"))


def check_attribute_reference(attribute: str, *, reference_mode: bool, field: str) -> str:
    """Attribute references as in docs/evaluation.md §attribute-references: a path only when a
    context kind is given.

    In literal mode (no ``contextKind``) any non-empty name is one attribute, even ``/a/b``.
    In reference mode a leading ``/`` starts a path whose components are non-empty and use
    only the escapes ``~0`` and ``~1``; SDKs refuse anything else as MALFORMED_FLAG.
    """
    if not attribute:
        raise InvalidRequest(f"{field}: must not be empty")
    if not reference_mode or not attribute.startswith("/"):
        return attribute
    for component in attribute[1:].split("/"):
        if not component:
            raise InvalidRequest(f"{field}: {attribute!r} has an empty path component")
        if re.search(r"~(?![01])", component):
            raise InvalidRequest(f"{field}: {attribute!r} has a '~' not followed by 0 or 1")
    return attribute


def check_bucketing(
    context_kind: str | None, bucket_by: str | None, *, kind_field: str, bucket_field: str
) -> None:
    """Check what a percentage rollout buckets by: its context kind, and its attribute, which
    is a reference (a path) only when a kind is given."""
    if context_kind is not None:
        check_context_kind(context_kind, field=kind_field)
    if bucket_by is not None:
        check_attribute_reference(bucket_by, reference_mode=bool(context_kind), field=bucket_field)


def _value_problem(op: str, value: JsonValue) -> str | None:
    """Why ``value`` cannot be an operand of ``op``, or None when it can.

    A scalar of the wrong JSON type for the operator (a string for ``lessThan``, a number
    for ``startsWith``) is accepted, as LaunchDarkly accepts it (its Terraform provider
    sends clause values as strings unless told otherwise): every SDK reads it as a plain
    non-match. Refused are values no SDK compares (null, arrays, objects) and strings that
    SDKs would parse differently: dates, versions and regular expressions outside the
    dialect they share, and fractional milliseconds (docs/compatibility.md).
    """
    if value is None or isinstance(value, list | dict):
        return "must be a string, number or boolean"
    if op in ("before", "after"):
        if isinstance(value, float) or (isinstance(value, str) and to_instant(value) is None):
            return "must be an RFC 3339 date-time string or integer Unix milliseconds"
    elif op in _SEMVER_OPS:
        if isinstance(value, str) and parse_semver(value) is None:
            return "must be a semantic version string such as '1.2.3' or '2.0'"
    elif op == "matches" and isinstance(value, str):
        try:
            check_regex(value)
        except ValueError as exc:
            return str(exc)
    elif op == "segmentMatch" and not (
        isinstance(value, str) and KEY_PATTERN.fullmatch(value) and len(value) <= MAX_KEY_LENGTH
    ):
        return "must be a segment key"
    return None


def check_clause(clause: Clause, *, field: str) -> Clause:
    """Check one clause: a known operator, a valid kind and attribute, typed operands."""
    if clause.op not in OPERATORS:
        raise InvalidRequest(f"{field}.op: {clause.op!r} is not one of {sorted(OPERATORS)}")
    if clause.context_kind is not None:
        check_context_kind(clause.context_kind, field=f"{field}.contextKind")
    # segmentMatch ignores attribute and kind (docs/evaluation.md §clauses).
    if clause.op != "segmentMatch":
        check_attribute_reference(
            clause.attribute,
            reference_mode=bool(clause.context_kind),
            field=f"{field}.attribute",
        )
    for i, value in enumerate(clause.values):
        problem = _value_problem(clause.op, value)
        if problem is not None:
            raise InvalidRequest(f"{field}.values[{i}]: {problem} for operator {clause.op!r}")
    return clause


def validate_clause(clause: Clause, *, new_id: NewId, field: str) -> Clause:
    """Check one clause and give it an ``_id`` if it has none."""
    check_clause(clause, field=field)
    return clause if clause.id else replace(clause, id=new_id())


def validate_clauses(
    clauses: tuple[Clause, ...], *, new_id: NewId, field: str
) -> tuple[Clause, ...]:
    r"""Check the clauses of one segment or flag rule (``field`` names the list): their
    ``_id``\ s are unique, each clause is valid, and one without an ``_id`` gets a new one."""
    check_unique_ids([c.id for c in clauses], field=field, what="clause")
    return tuple(
        validate_clause(c, new_id=new_id, field=f"{field}[{i}]") for i, c in enumerate(clauses)
    )


def check_unique_ids(ids: list[str | None], *, field: str, what: str) -> None:
    """Refuse a list of rules or clauses in which two share an ``_id`` (missing ids aside).

    ``field`` names the list (``rules[0].clauses``) and ``what`` its items (``clause``).
    """
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            raise InvalidRequest(f"{field}[{i}]._id: duplicate {what} id {item_id!r}")
        if item_id:
            seen.add(item_id)
