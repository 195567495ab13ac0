"""Write-time checks of a whole segment: its rules, its targets and the limits of standard
and big segments, on top of the checks every feature shares
(:mod:`segmentd.domain.shared.validate`).
"""

from __future__ import annotations

from dataclasses import replace

from segmentd.domain.segments.model import MAX_STANDARD_TARGETS, Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.validate import (
    MAX_WEIGHT,
    check_bucketing,
    check_context_kind,
    check_description,
    check_key,
    check_name,
    check_tags,
    check_unique_ids,
    validate_clauses,
)
from segmentd.errors import InvalidRequest


def validate_rule(rule: SegmentRule, *, new_id: NewId, field: str) -> SegmentRule:
    """Check one segment rule and its clauses, giving each an ``_id`` if it has none."""
    clauses = validate_clauses(rule.clauses, new_id=new_id, field=f"{field}.clauses")
    if rule.weight is not None and not 0 <= rule.weight <= MAX_WEIGHT:
        raise InvalidRequest(f"{field}.weight: must be an integer from 0 to {MAX_WEIGHT}")
    check_bucketing(
        rule.rollout_context_kind,
        rule.bucket_by,
        kind_field=f"{field}.rolloutContextKind",
        bucket_field=f"{field}.bucketBy",
    )
    check_description(rule.description, field=f"{field}.description")
    return replace(rule, clauses=clauses, id=rule.id or new_id())


def validate_rules(rules: tuple[SegmentRule, ...], *, new_id: NewId) -> tuple[SegmentRule, ...]:
    check_unique_ids([r.id for r in rules], field="rules", what="rule")
    return tuple(validate_rule(r, new_id=new_id, field=f"rules[{i}]") for i, r in enumerate(rules))


def _check_target_keys(keys: tuple[str, ...], *, field: str) -> tuple[str, ...]:
    if "" in keys:  # one C-level pass; the loop only finds where
        for i, target_key in enumerate(keys):
            if not target_key:
                raise InvalidRequest(f"{field}[{i}]: a context key must not be empty")
    return tuple(dict.fromkeys(keys))


def _fold_targets(
    legacy: tuple[str, ...], targets: tuple[SegmentTarget, ...], *, field: str
) -> tuple[tuple[str, ...], tuple[SegmentTarget, ...]]:
    """Move ``user`` keys into the legacy list, merge same-kind entries, drop duplicates.

    Go SDKs skip ``includedContexts`` of kind ``user`` for plain user contexts while Python SDKs
    honour them (docs/evaluation.md §divergences-between-sdks-and-our-choices, row 2), so such keys
    are stored in ``included`` instead.
    """
    by_kind: dict[str, list[str]] = {}
    for i, target in enumerate(targets):
        check_context_kind(target.context_kind, field=f"{field}[{i}].contextKind")
        keys = _check_target_keys(target.values, field=f"{field}[{i}].values")
        by_kind.setdefault(target.context_kind, []).extend(keys)
    users = legacy + tuple(by_kind.pop(DEFAULT_KIND, ()))
    folded = tuple(
        SegmentTarget(context_kind=kind, values=tuple(dict.fromkeys(keys)))
        for kind, keys in by_kind.items()
        if keys
    )
    return tuple(dict.fromkeys(users)), folded


def _check_big_segment(segment: Segment) -> None:
    if segment.rules:
        raise InvalidRequest("rules: a big segment (unbounded) cannot have targeting rules")
    if segment.target_count:
        raise InvalidRequest(
            "included: a big segment (unbounded) keeps its targets outside the segment; "
            "use the big-segment instructions or endpoints"
        )
    if segment.unbounded_context_kind is not None:
        check_context_kind(segment.unbounded_context_kind, field="unboundedContextKind")


def validate_segment(segment: Segment, *, new_id: NewId = new_uuid) -> Segment:
    """Check a whole segment before it is stored and return its normalised form.

    Promises that the result is data every SDK accepts and reads alike: keys, names, tags,
    context kinds, operators, attribute references and typed clause values are valid
    (:mod:`segmentd.domain.shared.validate`); every rule and clause has a unique ``_id``
    (new ones come from ``new_id``); ``user`` entries of ``includedContexts`` and
    ``excludedContexts`` are folded into ``included``/``excluded``; duplicates are dropped,
    order kept; a standard segment holds at most :data:`MAX_STANDARD_TARGETS` targets and a
    big segment holds no rules or targets. Validating a normalised segment returns it
    unchanged. Raises :class:`InvalidRequest` naming the first bad field.
    """
    check_key(segment.key)
    check_name(segment.name)
    check_description(segment.description)
    if segment.unbounded:
        _check_big_segment(segment)
    included, included_contexts = _fold_targets(
        _check_target_keys(segment.included, field="included"),
        segment.included_contexts,
        field="includedContexts",
    )
    excluded, excluded_contexts = _fold_targets(
        _check_target_keys(segment.excluded, field="excluded"),
        segment.excluded_contexts,
        field="excludedContexts",
    )
    normalised = replace(
        segment,
        tags=check_tags(segment.tags),
        included=included,
        excluded=excluded,
        included_contexts=included_contexts,
        excluded_contexts=excluded_contexts,
        rules=validate_rules(segment.rules, new_id=new_id),
    )
    if normalised.target_count > MAX_STANDARD_TARGETS:
        raise InvalidRequest(
            f"included: a standard segment holds at most {MAX_STANDARD_TARGETS} individual "
            f"targets (included and excluded, all kinds); this one would hold "
            f"{normalised.target_count}"
        )
    return normalised
