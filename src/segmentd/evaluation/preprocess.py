"""Turn a stored segment into a :class:`PreparedSegment`, once per segment version.

Everything an evaluation would otherwise recompute is done here: target lists become
frozensets, ``in`` values a hashed set, regexes are compiled, dates and versions parsed,
attribute references parsed, and reasons built. A prepared segment is immutable and shared by
every evaluation (and thread) until the segment's version changes; :class:`PreparedCache` keys
them by ``(key, version)``. Preprocessing is an optimisation only: each per-clause test agrees
with :func:`segmentd.evaluation.operators.operator_matches` (pinned by a property test).
"""

from __future__ import annotations

import operator
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import TypeVar

from segmentd.domain.segments.model import Segment, SegmentRule
from segmentd.domain.shared.attribute_ref import AttributeRef, parse_attribute_ref
from segmentd.domain.shared.clauses import DEFAULT_KIND, Clause
from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.semver import SemVer
from segmentd.domain.shared.timestamps import to_instant
from segmentd.evaluation import operators
from segmentd.evaluation.reasons import Reason

T = TypeVar("T")

#: Does one context value match any of a clause's values?
ValueTest = Callable[[JsonValue], bool]


@dataclass(frozen=True, slots=True)
class PreparedClause:
    """A clause with its attribute reference parsed and its value test built."""

    source: Clause
    op: str
    negate: bool
    context_kind: str
    attribute: AttributeRef
    is_kind: bool
    is_segment_match: bool
    #: The attribute name when the reference is a valid single top-level name, else None.
    top_level_name: str | None
    segment_keys: tuple[str, ...]
    test: ValueTest
    #: Equal for clauses that test the same thing (kind, attribute, op, typed values,
    #: negate): one context gets the same answer from all of them, so an evaluation over
    #: many segments computes it once. ``None`` for ``segmentMatch`` (depends on segments).
    identity: int | None = None
    #: How a :class:`~segmentd.evaluation.batch.SegmentBatch` finds this clause by value:
    #: ``(operator, values)`` with operator ``in``, ``startsWith`` or ``endsWith`` (a
    #: ``matches`` of ``^`` and plain characters is a ``startsWith``), or ``None`` when the
    #: clause must be tested (other operators, ``kind``, ``segmentMatch``, bad references).
    lookup: tuple[str, tuple[JsonValue, ...]] | None = None


@dataclass(frozen=True, slots=True)
class PreparedRule:
    """A segment rule: clauses ANDed, then an optional rollout ``weight``."""

    index: int
    clauses: tuple[PreparedClause, ...]
    weight: int | None
    bucket_by: AttributeRef | None
    rollout_context_kind: str
    reason: Reason
    #: Identities of the clauses a :class:`~segmentd.evaluation.batch.SegmentBatch` finds by
    #: value (:data:`INDEXED_OPERATORS`): all must be among the context's matched clauses.
    indexed: frozenset[int] = frozenset()
    #: The other clauses, which a batch tests one by one (in order).
    tested: tuple[PreparedClause, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedTarget:
    """An ``includedContexts``/``excludedContexts`` entry with its keys hashed."""

    context_kind: str
    keys: frozenset[str]
    reason: Reason


@dataclass(frozen=True, slots=True)
class PreparedSegment:
    """Everything the evaluator needs from one segment version, precomputed."""

    source: Segment
    key: str
    version: int
    salt: str
    deleted: bool
    included: frozenset[str]
    excluded: frozenset[str]
    included_contexts: tuple[PreparedTarget, ...]
    excluded_contexts: tuple[PreparedTarget, ...]
    rules: tuple[PreparedRule, ...]
    unbounded: bool
    unbounded_context_kind: str
    generation: int | None
    #: Whether any per-kind target list is non-empty (lets the hot path skip them).
    has_kind_targets: bool
    #: Whether a batch may evaluate the rules through its index: no ``segmentMatch`` clause,
    #: no malformed attribute reference, no Big Segment procedure (see
    #: :mod:`segmentd.evaluation.batch`).
    batchable: bool = False
    #: The rules' indexed clauses (one per identity), which a batch adds to its index.
    indexed_clauses: tuple[PreparedClause, ...] = ()

    @property
    def big_segment_ref(self) -> str:
        """LD's Big Segment membership reference, ``<key>.g<generation>``."""
        return f"{self.key}.g{self.generation or 0}"


def prepare_segment(segment: Segment) -> PreparedSegment:
    """Precompute a segment for evaluation.

    Why: evaluations run far more often than segments change, so parsing belongs at load
    time. Promise: never raises for a decoded segment; malformed parts (bad attribute
    references, invalid regexes) are kept and reported by the evaluator when reached.
    """
    rules = tuple(prepare_rule(rule, i) for i, rule in enumerate(segment.rules))
    indexed = {
        clause.identity: clause
        for rule in rules
        for clause in rule.clauses
        if clause.lookup is not None
    }
    return PreparedSegment(
        source=segment,
        key=segment.key,
        version=segment.version,
        salt=segment.salt,
        deleted=segment.deleted,
        included=frozenset(segment.included),
        excluded=frozenset(segment.excluded),
        included_contexts=tuple(
            PreparedTarget(t.context_kind or DEFAULT_KIND, frozenset(t.values), reason)
            for t in segment.included_contexts
            for reason in [Reason("includedContexts", context_kind=t.context_kind or "user")]
        ),
        excluded_contexts=tuple(
            PreparedTarget(t.context_kind or DEFAULT_KIND, frozenset(t.values), reason)
            for t in segment.excluded_contexts
            for reason in [Reason("excludedContexts", context_kind=t.context_kind or "user")]
        ),
        rules=rules,
        unbounded=segment.unbounded,
        unbounded_context_kind=segment.unbounded_context_kind or DEFAULT_KIND,
        generation=segment.generation,
        has_kind_targets=bool(segment.included_contexts or segment.excluded_contexts),
        batchable=not segment.unbounded
        and all(
            not clause.is_segment_match and clause.attribute.error is None
            for rule in rules
            for clause in rule.clauses
        ),
        indexed_clauses=tuple(indexed.values()),
    )


def prepare_rule(rule: SegmentRule, index: int) -> PreparedRule:
    """Prepare one rule; ``bucketBy`` follows the same literal/reference rules as clauses."""
    bucket_by = None
    if rule.bucket_by:  # "" means "by key", as in both SDKs
        bucket_by = parse_attribute_ref(rule.bucket_by, context_kind=rule.rollout_context_kind)
    clauses = tuple(prepare_clause(c) for c in rule.clauses)
    return PreparedRule(
        index=index,
        clauses=clauses,
        weight=rule.weight,
        bucket_by=bucket_by,
        rollout_context_kind=rule.rollout_context_kind or DEFAULT_KIND,
        reason=Reason("rule", rule_index=index, rule_id=rule.id),
        indexed=frozenset(
            c.identity for c in clauses if c.lookup is not None and c.identity is not None
        ),
        tested=tuple(c for c in clauses if c.lookup is None),
    )


def prepare_clause(clause: Clause) -> PreparedClause:
    """Parse the clause's attribute and build its value test."""
    ref = parse_attribute_ref(clause.attribute, context_kind=clause.context_kind)
    is_segment_match = clause.op == "segmentMatch"
    identity = None if is_segment_match else _identity(clause, ref)
    return PreparedClause(
        source=clause,
        op=clause.op,
        negate=clause.negate,
        context_kind=clause.context_kind or DEFAULT_KIND,
        attribute=ref,
        is_kind=ref.is_kind and not is_segment_match,
        is_segment_match=is_segment_match,
        top_level_name=ref.components[0]
        if ref.error is None and len(ref.components) == 1
        else None,
        # Go ignores non-string segment keys; an unknown key is simply not matched.
        segment_keys=tuple(v for v in clause.values if isinstance(v, str)),
        test=build_value_test(clause.op, clause.values),
        identity=identity,
        lookup=None
        if identity is None or ref.is_kind or ref.error is not None
        else _lookup(clause),
    )


#: Operators whose clause is a set of values that a context value is looked up in.
INDEXED_OPERATORS = frozenset({"in", "startsWith", "endsWith"})

#: ``^`` then only characters that stand for themselves (or ``\`` and ASCII punctuation).
_ANCHORED_LITERAL = re.compile(r"\^((?:[^\\.^$*+?{}\[\]|()]|\\[!-/:-@\[-`{-~])*)")
_ESCAPE = re.compile(r"\\(.)")


def literal_prefix(pattern: str) -> str | None:
    """The string a regex is a prefix test for, if it is ``^`` and literal characters.

    ``re.search("^user-1\\.", s)`` is ``s.startswith("user-1.")``; anything with another
    metacharacter (or an escaped letter, which is a class) is not a plain prefix: ``None``.
    """
    found = _ANCHORED_LITERAL.fullmatch(pattern)
    return None if found is None else _ESCAPE.sub(r"\1", found.group(1))


def _lookup(clause: Clause) -> tuple[str, tuple[JsonValue, ...]] | None:
    if clause.op in INDEXED_OPERATORS:
        return clause.op, clause.values
    if clause.op != "matches":
        return None
    # Values that are not strings, or not valid patterns, never match (see _regex_test).
    patterns = [v for v in clause.values if operators.compile_regex(v) is not None]
    prefixes = [literal_prefix(v) for v in patterns if isinstance(v, str)]
    if not prefixes or None in prefixes:
        return None
    return "startsWith", tuple(prefixes)


#: Clause identities are small integers, so that looking one up per evaluation is a cheap
#: int hash rather than the hash of a tuple of values. Process-wide, bounded.
_IDENTITIES: dict[tuple[object, ...], int] = {}
_IDENTITIES_LOCK = Lock()
_MAX_IDENTITIES = 1_000_000


def _identity(clause: Clause, ref: AttributeRef) -> int | None:
    # Values carry their type, so that True and 1 (equal in Python) stay apart.
    values = tuple((type(v).__name__, v) for v in clause.values)
    # The attribute as read (``ref``), not as written: with no context kind, "/a" is the
    # literal name "/a"; with one, the path to "a". Equal strings can name different values.
    reads = (ref.components, ref.is_kind, ref.error)
    key = (clause.context_kind or DEFAULT_KIND, reads, clause.op, clause.negate, values)
    try:
        found = _IDENTITIES.get(key)
    except TypeError:  # list or object values (only in hand-made data): no sharing
        return None
    if found is not None:
        return found
    with _IDENTITIES_LOCK:
        if len(_IDENTITIES) >= _MAX_IDENTITIES:
            return None
        return _IDENTITIES.setdefault(key, len(_IDENTITIES))


def _never(_value: JsonValue) -> bool:
    return False


def _in_test(values: Sequence[JsonValue]) -> ValueTest:
    strings = frozenset(v for v in values if isinstance(v, str))
    others = frozenset(
        k for v in values if not isinstance(v, str) and (k := operators.scalar_key(v)) is not None
    )

    def test(value: JsonValue) -> bool:
        if isinstance(value, str):
            return value in strings
        key = operators.scalar_key(value)
        return key is not None and key in others

    return test


def _string_test(op: str, values: Sequence[JsonValue]) -> ValueTest:
    strings = tuple(v for v in values if isinstance(v, str))
    if not strings:
        return _never
    if op == "startsWith":
        return lambda v: isinstance(v, str) and v.startswith(strings)
    if op == "endsWith":
        return lambda v: isinstance(v, str) and v.endswith(strings)
    return lambda v: isinstance(v, str) and any(s in v for s in strings)


def _regex_test(values: Sequence[JsonValue]) -> ValueTest:
    patterns = tuple(p for v in values if (p := operators.compile_regex(v)) is not None)
    if not patterns:
        return _never
    if len(patterns) == 1:  # the usual case, without a generator per test
        search = patterns[0].search
        return lambda v: isinstance(v, str) and search(v) is not None
    return lambda v: isinstance(v, str) and any(p.search(v) is not None for p in patterns)


def _parsed_test(
    parse: Callable[[JsonValue], T | None],
    compare: Callable[[T, T], bool],
    values: Sequence[JsonValue],
) -> ValueTest:
    parsed = tuple(p for v in values if (p := parse(v)) is not None)
    if not parsed:
        return _never

    if len(parsed) == 1:  # the usual case, without a generator per test
        only = parsed[0]

        def test_one(value: JsonValue) -> bool:
            mine = parse(value)
            return mine is not None and compare(mine, only)

        return test_one

    def test(value: JsonValue) -> bool:
        mine = parse(value)
        return mine is not None and any(compare(mine, c) for c in parsed)

    return test


def _as_number(value: JsonValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return operators.as_double(value)


_NUMBER_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "lessThan": operator.lt,
    "lessThanOrEqual": operator.le,
    "greaterThan": operator.gt,
    "greaterThanOrEqual": operator.ge,
}
_INSTANT_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "before": operator.lt,
    "after": operator.gt,
}
_VERSION_COMPARISONS: dict[str, Callable[[SemVer, SemVer], bool]] = {
    "semVerEqual": operator.eq,
    "semVerLessThan": operator.lt,
    "semVerGreaterThan": operator.gt,
}


def _comparison_test(op: str, values: Sequence[JsonValue]) -> ValueTest:
    if op in _NUMBER_COMPARISONS:
        return _parsed_test(_as_number, _NUMBER_COMPARISONS[op], values)
    if op in _INSTANT_COMPARISONS:
        return _parsed_test(to_instant, _INSTANT_COMPARISONS[op], values)
    if op in _VERSION_COMPARISONS:
        return _parsed_test(operators.as_semver, _VERSION_COMPARISONS[op], values)
    return _never


def build_value_test(op: str, values: Sequence[JsonValue]) -> ValueTest:
    """A fast test equivalent to ``any(operator_matches(op, v, cv) for cv in values)``."""
    if op == "in":
        return _in_test(values)
    if op in ("startsWith", "endsWith", "contains"):
        return _string_test(op, values)
    if op == "matches":
        return _regex_test(values)
    return _comparison_test(op, values)


class PreparedCache:
    """Prepared segments keyed by ``(scope, key, version)``, bounded, safe to share across threads.

    A new version of a segment prepares anew; when full, the oldest-inserted entries go first
    (superseded versions are never used again, so insertion order is a good proxy for age).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str, int], PreparedSegment] = OrderedDict()
        self._lock = Lock()

    def get(self, segment: Segment, *, scope: str = "") -> PreparedSegment:
        """The prepared form of ``segment``, built on first use of its version.

        ``scope`` names where the segment lives (its environment): segments of different
        environments may share a key and a version, and must not share an entry.
        """
        cache_key = (scope, segment.key, segment.version)
        found = self._entries.get(cache_key)
        if found is not None:  # a stored version never changes, so the key is enough
            return found
        prepared = prepare_segment(segment)
        with self._lock:
            self._entries[cache_key] = prepared
            self._entries.move_to_end(cache_key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return prepared

    def __len__(self) -> int:
        return len(self._entries)
