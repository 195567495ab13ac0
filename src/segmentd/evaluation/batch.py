"""Many segments against one context: their value-set clauses indexed by value.

``segments/evaluate`` tests one context against every segment of an environment. Testing each
segment's clauses one by one made that a Python call per clause (1,000 segments with 3 rules:
about 10 ms). A :class:`SegmentBatch` is built once per set of prepared segments; it indexes
every clause whose operator is a set of values (``in``, ``startsWith``, ``endsWith``) by those
values (and a ``matches`` whose pattern is ``^`` and plain characters, which is a
``startsWith``: ``PreparedClause.lookup``), grouped by what the clause reads (context kind,
attribute path, operator). For one
context, each group's attribute is read once and its value finds, by a few hash lookups, every
clause of every segment that it satisfies (:meth:`SegmentBatch.matched_clauses`). A rule then
needs its indexed clauses to be a subset of that set (one C-level set operation); its other
clauses are tested as before (:func:`segmentd.evaluation.segments.clauses_match`, once per
distinct clause).

Only ``batchable`` segments, whose every clause is pure, are evaluated this way: a segment with a
``segmentMatch`` clause (cycles, nested lookups), an attribute reference that is malformed
(an error LD reports only when the clause is reached), or a Big Segment procedure
(``unbounded``) is evaluated by :func:`segmentd.evaluation.segments.segment_membership`
unchanged. For batchable segments the order in which clauses are tested cannot change an
answer, so the result equals :func:`segmentd.evaluation.evaluator.evaluate`'s (pinned by the
differential tests in ``tests/unit/evaluation/``).
"""

from __future__ import annotations

from collections.abc import Iterable

from segmentd.domain.shared.context import Context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation import operators
from segmentd.evaluation.preprocess import PreparedClause, PreparedSegment
from segmentd.evaluation.reasons import NO_MATCH, Reason
from segmentd.evaluation.segments import Scope, clauses_match, rollout_admits


class _Group:
    """The indexed clauses that read one attribute of one context kind with one operator."""

    __slots__ = ("context_kind", "index", "longest", "name", "negated", "op", "ref")

    def __init__(self, clause: PreparedClause, op: str) -> None:
        self.context_kind = clause.context_kind
        self.ref = clause.attribute
        self.name = clause.top_level_name
        self.op = op
        #: value key -> identities of the clauses having that value
        self.index: dict[object, set[int]] = {}
        #: identities of the group's negated clauses (matched when the value is NOT found)
        self.negated: set[int] = set()
        #: the longest string value (prefixes and suffixes longer than it cannot match)
        self.longest = 0

    def add(self, identity: int, values: tuple[JsonValue, ...], *, negate: bool) -> None:
        if negate:
            self.negated.add(identity)
        index = self.index
        if self.op == "in":
            for value in values:
                key = operators.scalar_key(value)
                if key is not None:
                    index.setdefault(key, set()).add(identity)
            return
        for value in values:
            if isinstance(value, str):
                index.setdefault(value, set()).add(identity)
                if len(value) > self.longest:
                    self.longest = len(value)

    def found(self, value: JsonValue, into: set[int]) -> None:
        """Add to ``into`` the group's clauses that one context value satisfies (before
        ``negate``)."""
        index = self.index
        if self.op == "in":
            found = index.get(operators.scalar_key(value))
            if found is not None:
                into.update(found)
            return
        if not isinstance(value, str):
            return
        size = len(value)
        reach = min(size, self.longest)
        if self.op == "startsWith":
            candidates = (value[:i] for i in range(reach + 1))
        else:
            candidates = (value[size - i :] for i in range(reach + 1))
        for candidate in candidates:
            found = index.get(candidate)
            if found is not None:
                into.update(found)


class SegmentBatch:
    """Prepared segments (in evaluation order) with their value-set clauses indexed.

    Immutable once built and safe to share between threads; build one per snapshot of an
    environment's segments (building 1,000 segments takes a few milliseconds).
    """

    __slots__ = ("_groups", "segments")

    def __init__(self, segments: Iterable[PreparedSegment]) -> None:
        self.segments = tuple(segments)
        groups: dict[tuple[object, ...], _Group] = {}
        added: set[int] = set()  # identities already in their group (shared clauses)
        for segment in self.segments:
            if not segment.batchable:
                continue
            for clause in segment.indexed_clauses:
                identity, lookup = clause.identity, clause.lookup
                if identity is None or lookup is None or identity in added:
                    continue
                added.add(identity)
                op, values = lookup
                group_key = (clause.context_kind, clause.attribute.components, op)
                group = groups.get(group_key)
                if group is None:
                    group = groups[group_key] = _Group(clause, op)
                group.add(identity, values, negate=clause.negate)
        self._groups = tuple(groups.values())

    def matched_clauses(self, context: Context) -> set[int]:
        """Identities of the indexed clauses that ``context`` satisfies (after ``negate``).

        A missing context kind or a missing/null attribute matches no clause of its group,
        negated or not (LD parity, as in ``clauses.clause_matches``); an array value matches a
        clause if any element does.
        """
        matched: set[int] = set()
        by_kind = context.by_kind
        for group in self._groups:
            member = by_kind.get(group.context_kind)
            if member is None:
                continue
            name = group.name
            value = member.lookup.get(name) if name is not None else member.resolve(group.ref)
            if value is None:
                continue
            found: set[int] = set()
            if type(value) is list:
                for element in value:
                    group.found(element, found)
            else:
                group.found(value, found)
            negated = group.negated
            matched.update(found ^ negated if negated else found)
        return matched


def batched_rules_membership(
    segment: PreparedSegment, matched: set[int], scope: Scope
) -> tuple[bool, Reason]:
    """The rules step of membership for a ``batchable`` segment (target lists come first).

    Equals :func:`segmentd.evaluation.segments.rule_matches` over ``segment.rules`` in order:
    the first rule whose clauses all match and whose rollout (if any) admits the context.
    ``matched`` is :meth:`SegmentBatch.matched_clauses` of the scope's context.
    """
    for rule in segment.rules:
        if (
            rule.indexed <= matched
            and clauses_match(rule.tested, scope)
            and rollout_admits(rule, segment, scope.context)
        ):
            return True, rule.reason
    return False, NO_MATCH
