"""Expiring targets of a segment (docs/lifecycle.md §expiring-targets): parse the instructions,
apply them partially.

An expiring target says "remove this individually targeted context from the segment's
``included`` (or ``excluded``) list at this time". Unlike segment semantic patch, a request
here is **partial**: each instruction succeeds or fails on its own, and failures come back
as ``(instruction index, message)`` pairs next to the resulting list. A request that is not
well formed (not an object, no instructions, an unknown ``kind``, a missing or mistyped
parameter) is still a 400 as a whole, so a client bug never half-applies.

Two vocabularies exist: the context form (``addExpiringTarget``, ``updateExpiringTarget``,
``removeExpiringTarget`` with ``contextKind``/``contextKey``; ``version`` is the expiring
target's own version and optional) and the legacy user form (``addExpireUserTargetDate``,
``updateExpireUserTargetDate``, ``removeExpireUserTargetDate`` with ``userKey``; its
``version`` is the **segment's** version and is required for the update).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

from segmentd.domain.segments.codec import as_object, get_int, get_list, get_required_str, get_str
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.ids import NewId
from segmentd.domain.shared.validate import check_context_kind
from segmentd.errors import InvalidRequest

__all__ = [
    "ExpiringChange",
    "ExpiringPatch",
    "ExpiringResult",
    "ExpiringTarget",
    "apply_expiring",
    "is_targeted",
    "parse_expiring_patch",
    "without_dangling",
]

TargetType: TypeAlias = Literal["included", "excluded"]
Verb: TypeAlias = Literal["add", "update", "remove"]

CONTEXT_KINDS: dict[str, Verb] = {
    "addExpiringTarget": "add",
    "updateExpiringTarget": "update",
    "removeExpiringTarget": "remove",
}
USER_KINDS: dict[str, Verb] = {
    "addExpireUserTargetDate": "add",
    "updateExpireUserTargetDate": "update",
    "removeExpireUserTargetDate": "remove",
}


@dataclass(frozen=True, slots=True)
class ExpiringTarget:
    """When one individual target leaves one list of a segment. ``version`` starts at 1 and
    grows with each update of this expiring target."""

    id: str
    target_type: TargetType
    context_kind: str
    context_key: str
    expiration_date: int
    version: int = 1

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.target_type, self.context_kind, self.context_key)


@dataclass(frozen=True, slots=True)
class ExpiringChange:
    """One parsed instruction. ``version`` is the expiring target's version (context form)
    or the segment's version (user form, ``segment_version=True``)."""

    verb: Verb
    target_type: TargetType
    context_kind: str
    context_key: str
    value: int | None = None
    version: int | None = None
    segment_version: bool = False


@dataclass(frozen=True, slots=True)
class ExpiringPatch:
    changes: tuple[ExpiringChange, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ExpiringResult:
    """The expiring targets after the request, and which instructions failed and why."""

    targets: tuple[ExpiringTarget, ...]
    errors: tuple[tuple[int, str], ...]

    @property
    def failed(self) -> int:
        return len(self.errors)


# ---------------------------------------------------------------- parsing


def _parse_change(value: object, where: str, *, users: bool) -> ExpiringChange:
    obj: Mapping[str, object] = as_object(value, where)
    kinds = USER_KINDS if users else CONTEXT_KINDS
    kind = get_required_str(obj, "kind", where)
    if kind not in kinds:
        raise InvalidRequest(f"{where}.kind: {kind!r} is not one of {', '.join(kinds)}")
    verb = kinds[kind]
    target_type = get_required_str(obj, "targetType", where)
    if target_type not in ("included", "excluded"):
        raise InvalidRequest(f"{where}.targetType: must be 'included' or 'excluded'")
    if users:
        context_kind, key = DEFAULT_KIND, get_required_str(obj, "userKey", where)
    else:
        context_kind = check_context_kind(
            get_required_str(obj, "contextKind", where), field=f"{where}.contextKind"
        )
        key = get_required_str(obj, "contextKey", where)
    if not key:
        raise InvalidRequest(f"{where}.{'userKey' if users else 'contextKey'}: must not be empty")
    value = get_int(obj, "value", where)
    if verb != "remove" and value is None:
        raise InvalidRequest(f"{where}.value: is required for {kind!r} (Unix milliseconds)")
    version = get_int(obj, "version", where)
    if users and verb == "update" and version is None:
        raise InvalidRequest(f"{where}.version: is required for {kind!r} (the segment's version)")
    return ExpiringChange(
        verb=verb,
        target_type=target_type,  # type: ignore[arg-type]  # checked just above
        context_kind=context_kind,
        context_key=key,
        value=value,
        version=version,
        segment_version=users,
    )


def parse_expiring_patch(body: object, *, users: bool = False) -> ExpiringPatch:
    """Read ``{"comment"?, "instructions": [...]}`` of either vocabulary (``users`` picks).

    Raises :class:`InvalidRequest` for a request that is not well formed; see the module
    docstring for what is instead reported per instruction.
    """
    obj = as_object(body, "body")
    items = get_list(obj, "instructions", required=True)
    if not items:
        raise InvalidRequest("instructions: must not be empty")
    changes = tuple(
        _parse_change(item, f"instructions[{i}]", users=users) for i, item in enumerate(items)
    )
    return ExpiringPatch(changes, comment=get_str(obj, "comment"))


# ---------------------------------------------------------------- applying


def is_targeted(segment: Segment, target_type: TargetType, context_kind: str, key: str) -> bool:
    """Whether ``key`` of ``context_kind`` is in the segment's included/excluded targets."""
    legacy = segment.included if target_type == "included" else segment.excluded
    if context_kind == DEFAULT_KIND and key in legacy:
        return True
    targets = segment.included_contexts if target_type == "included" else segment.excluded_contexts
    return any(t.context_kind == context_kind and key in t.values for t in targets)


def without_dangling(
    segment: Segment, targets: tuple[ExpiringTarget, ...]
) -> tuple[ExpiringTarget, ...]:
    """Drop expiring targets whose context is no longer a target of the segment (after a
    patch removed it, the expiry has nothing left to do)."""
    return tuple(
        t for t in targets if is_targeted(segment, t.target_type, t.context_kind, t.context_key)
    )


def _apply_one(
    change: ExpiringChange,
    by_identity: dict[tuple[str, str, str], ExpiringTarget],
    segment: Segment,
    *,
    now_ms: int,
    new_id: NewId,
) -> None:
    identity = (change.target_type, change.context_kind, change.context_key)
    current = by_identity.get(identity)
    name = f"{change.context_kind} {change.context_key!r} in {change.target_type}"
    if change.verb == "remove":
        by_identity.pop(identity, None)  # removing an absent expiry is a no-op
        return
    assert change.value is not None  # required by the parser for add and update
    if change.value <= now_ms:
        raise InvalidRequest(f"value: {change.value} is not in the future")
    if change.verb == "add":
        if current is not None:
            raise InvalidRequest(f"{name} already expires; use the update instruction")
        if not is_targeted(segment, change.target_type, change.context_kind, change.context_key):
            raise InvalidRequest(f"{name}: the context is not an individual target of the segment")
        by_identity[identity] = ExpiringTarget(
            new_id(), change.target_type, change.context_kind, change.context_key, change.value
        )
        return
    if current is None:
        raise InvalidRequest(f"{name} has no expiration date to update; add one first")
    if change.version is not None:
        actual = segment.version if change.segment_version else current.version
        if change.version != actual:
            what = "segment" if change.segment_version else "expiring target"
            raise InvalidRequest(
                f"version: the {what} is at version {actual}, not {change.version}"
            )
    by_identity[identity] = replace(
        current, expiration_date=change.value, version=current.version + 1
    )


def apply_expiring(
    segment: Segment,
    targets: tuple[ExpiringTarget, ...],
    changes: tuple[ExpiringChange, ...],
    *,
    now_ms: int,
    new_id: NewId,
) -> ExpiringResult:
    """Apply each change in order on its own; a failing one is reported and skipped.

    Promises: an added expiry names a context that is currently an individual target of the
    segment in that list, and lies in the future; an update needs an existing expiry (and a
    matching ``version`` if one is given); removing an absent expiry changes nothing. The
    input tuple is never modified.
    """
    by_identity = {t.identity: t for t in targets}
    errors: list[tuple[int, str]] = []
    for i, change in enumerate(changes):
        try:
            _apply_one(change, by_identity, segment, now_ms=now_ms, new_id=new_id)
        except InvalidRequest as exc:
            errors.append((i, exc.message))
    ordered = tuple(sorted(by_identity.values(), key=lambda t: (t.expiration_date, t.identity)))
    return ExpiringResult(ordered, tuple(errors))
