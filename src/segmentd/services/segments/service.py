"""Segment use cases. Each owns its transaction and its version check.

Every stored change bumps the version by exactly one, sets ``lastModifiedDate``, writes an
audit entry in the same transaction, and is announced on the change hub after it commits.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TypeAlias

from segmentd.domain.audit.history import SYSTEM, Action, Actor, diff
from segmentd.domain.expiring.targets import without_dangling
from segmentd.domain.patch.json_patch import PatchDocument
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.instructions import BigSegmentInstruction
from segmentd.domain.segments.json_patch import apply_patch_document
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.query import SegmentQuery
from segmentd.domain.segments.semantic_patch import SemanticPatch, apply_all
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.validate import (
    check_context_kind,
    check_description,
    check_key,
    check_name,
    check_tags,
)
from segmentd.errors import NotFound, OptimisticLockError, ResourceInUse
from segmentd.services.big_segments.service import BigSegmentPatch, BigSegmentService
from segmentd.services.flags.ports import FlagListing
from segmentd.services.ports import ChangeNotifier, Clock, Page
from segmentd.services.projects.service import find_environment
from segmentd.services.segments.writes import SegmentWrites, next_version
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("segmentd.segments")

#: A PATCH body in any of the three formats (JSON Patch, merge patch, semantic patch).
SegmentPatch: TypeAlias = PatchDocument | SemanticPatch

#: How often a patch is re-applied to the latest version after losing a race to another
#: writer before the caller gets a 409. Rows are locked while patching, so a retry is rare.
MAX_PATCH_ATTEMPTS = 8


class _LostRace(Exception):
    """The stored version moved between reading and writing; re-apply to the new one."""


@dataclass(frozen=True, slots=True)
class SegmentDraft:
    """What a caller may say about a new segment (LaunchDarkly's ``SegmentBody``)."""

    key: str
    name: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    unbounded: bool = False
    unbounded_context_kind: str | None = None


def new_salt() -> str:
    """A random salt, stored with the segment: rollouts hash ``key.salt.value``."""
    return secrets.token_hex(16)


class SegmentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        changes: ChangeNotifier,
        big_segments: BigSegmentService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes
        self._big_segments = big_segments

    def create(
        self,
        project_key: str,
        environment_key: str,
        draft: SegmentDraft,
        *,
        actor: Actor = SYSTEM,
        comment: str | None = None,
    ) -> Segment:
        """Create a segment with no targets and no rules (targeting is added by patching).

        A big segment (``unbounded``) targets one context kind, ``user`` unless named (an
        empty name counts as none), and starts at generation 1; a standard segment has no
        generation and no ``unboundedContextKind``.
        """
        check_key(draft.key)
        check_name(draft.name)
        check_description(draft.description)
        tags = check_tags(draft.tags)
        # "" means not set, as LaunchDarkly's clients send it; a standard segment has no
        # such field, so a kind sent with unbounded false is ignored (docs/compatibility.md).
        kind = draft.unbounded_context_kind or None
        if draft.unbounded and kind is not None:
            check_context_kind(kind, field="unboundedContextKind")
        now = self._clock.now_ms()
        segment = Segment(
            key=draft.key,
            name=draft.name,
            description=draft.description,
            tags=tags,
            creation_date=now,
            last_modified_date=now,
            version=1,
            salt=new_salt(),
            unbounded=draft.unbounded,
            unbounded_context_kind=(kind or DEFAULT_KIND) if draft.unbounded else None,
            generation=1 if draft.unbounded else None,
        )
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            writes = SegmentWrites(uow, self._clock, self._changes)
            stored = writes.create(environment.id, segment, actor=actor, comment=comment)
            writes.commit()
        return stored

    def get(self, project_key: str, environment_key: str, key: str) -> Segment:
        return self.get_with_flags(project_key, environment_key, key)[0]

    def get_with_flags(
        self, project_key: str, environment_key: str, key: str
    ) -> tuple[Segment, tuple[FlagListing, ...]]:
        """A segment and the flags whose rules in its environment reference it (``_flags``)."""
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            segment = uow.segments.get(environment_id=environment.id, key=key)
            if segment is None:
                raise NotFound(f"Unknown segment {key!r}")
            flags = uow.flags.referencing_segment(environment_id=environment.id, segment_key=key)
        return segment, flags

    def list(self, project_key: str, environment_key: str, query: SegmentQuery) -> Page[Segment]:
        """One page of an environment's live segments matching ``query`` (see
        :mod:`segmentd.domain.segments.query`), and how many match in all."""
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            return uow.segments.list(environment_id=environment.id, query=query)

    # ------------------------------------------------------------ patch

    def patch(
        self,
        project_key: str,
        environment_key: str,
        key: str,
        patch: SegmentPatch,
        *,
        actor: Actor,
        dry_run: bool = False,
    ) -> Segment:
        """Apply a PATCH body of any format and store the result; return the segment.

        All or nothing. A patch that changes nothing stores nothing and keeps the version; a
        ``dry_run`` returns what would be stored (version and date included) and stores
        nothing. A ``test`` of ``/version`` that fails is a 409. A patch that loses a race to
        a concurrent writer is re-applied to the newer version (up to
        :data:`MAX_PATCH_ATTEMPTS` times), unless it tests ``/version``, in which case the
        re-application fails that test: the caller asked not to overwrite other changes.
        """
        for _ in range(MAX_PATCH_ATTEMPTS):
            try:
                return self._patch_once(
                    project_key, environment_key, key, patch, actor=actor, dry_run=dry_run
                )
            except _LostRace:
                log.info("patch of segment %r lost a race; re-applying", key)
        raise OptimisticLockError(
            f"Segment {key!r} is being changed by many writers at once; try again"
        )

    def _patch_once(
        self,
        project_key: str,
        environment_key: str,
        key: str,
        patch: SegmentPatch,
        *,
        actor: Actor,
        dry_run: bool,
    ) -> Segment:
        with self._uow(write=not dry_run) as uow:
            environment = find_environment(uow, project_key, environment_key)
            current = uow.segments.get(environment_id=environment.id, key=key, lock=not dry_run)
            if current is None:
                raise NotFound(f"Unknown segment {key!r}")
            patched, big = _apply(current, patch)
            membership = self._run_big_segment_instructions(
                uow, environment, current, big, dry_run=dry_run
            )
            if patched == current and not (membership and membership.changed):
                if membership is not None:  # e.g. only processBigSegmentImport: commit it
                    uow.commit()
                    membership.after_commit()
                return current
            if dry_run:
                return next_version(current, patched, self._clock.now_ms())
            writes = SegmentWrites(uow, self._clock, self._changes)
            try:
                stored = writes.update(
                    environment.id,
                    current,
                    patched,
                    action=Action.UPDATE,
                    actor=actor,
                    comment=patch.comment,
                    changes=(*diff(current, patched), *membership.audit)
                    if membership and membership.audit
                    else None,
                )
            except OptimisticLockError:
                raise _LostRace() from None
            if _targets_removed(current, stored):
                self._drop_dangling_expiries(uow, environment.id, stored)
            writes.commit()
        if membership is not None:
            membership.after_commit()
        return stored

    def _run_big_segment_instructions(
        self,
        uow: UnitOfWork,
        environment: Environment,
        segment: Segment,
        instructions: tuple[BigSegmentInstruction, ...],
        *,
        dry_run: bool,
    ) -> BigSegmentPatch | None:
        """THE dispatch point for big-segment semantic-patch instructions.

        ``apply_all`` has already checked them (big segment only, batch limit, no key both
        included and excluded) and refused them on standard segments ("not a big segment").
        They run against big-segment membership storage in ``uow``, in the same transaction
        as the segment's version bump. A dry run only validates them (membership is not
        previewed).
        """
        if not instructions or dry_run:
            return None
        return self._big_segments.apply_instructions(uow, environment, segment, instructions)

    @staticmethod
    def _drop_dangling_expiries(uow: UnitOfWork, environment_id: str, segment: Segment) -> None:
        """A target removed by a patch takes its expiration date with it."""
        expiring = uow.expiring_targets.list(environment_id=environment_id, segment_key=segment.key)
        kept = without_dangling(segment, expiring)
        if kept != expiring:
            uow.expiring_targets.replace(
                environment_id=environment_id, segment_key=segment.key, targets=kept
            )

    # ------------------------------------------------------------ delete

    def delete(
        self,
        project_key: str,
        environment_key: str,
        key: str,
        *,
        actor: Actor,
        comment: str | None = None,
    ) -> int:
        """Delete a segment: it becomes a tombstone one version higher (returned), so SDK
        feeds see the delete and a segment later created with the key continues above it.

        A segment that flag rules in its environment still target is refused (409 naming the
        flags): deleting it would silently change what those flags serve.
        """
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            current = uow.segments.get(environment_id=environment.id, key=key, lock=True)
            if current is None:
                raise NotFound(f"Unknown segment {key!r}")
            users = uow.flags.referencing_segment(environment_id=environment.id, segment_key=key)
            if users:
                names = ", ".join(repr(flag.key) for flag in users)
                raise ResourceInUse(
                    f"Segment {key!r} is used by the rules of flags {names}; "
                    "remove it from those rules first"
                )
            writes = SegmentWrites(uow, self._clock, self._changes)
            tombstone = writes.delete(environment.id, current, actor=actor, comment=comment)
            writes.commit()
        return tombstone.version


def _targets_removed(before: Segment, after: Segment) -> bool:
    """Whether some individual target of ``before`` is gone from ``after``."""
    if (
        before.included_contexts == after.included_contexts
        and before.excluded_contexts == after.excluded_contexts
        and set(before.included).issubset(after.included)
        and set(before.excluded).issubset(after.excluded)
    ):
        return False  # the usual patch (targets added): no need to build every target

    def targets(segment: Segment) -> set[tuple[bool, str, str]]:
        out = {(True, DEFAULT_KIND, k) for k in segment.included}
        out |= {(False, DEFAULT_KIND, k) for k in segment.excluded}
        for included, lists in (
            (True, segment.included_contexts),
            (False, segment.excluded_contexts),
        ):
            out |= {(included, t.context_kind, k) for t in lists for k in t.values}
        return out

    return bool(targets(before) - targets(after))


def _apply(
    segment: Segment, patch: SegmentPatch
) -> tuple[Segment, tuple[BigSegmentInstruction, ...]]:
    if isinstance(patch, SemanticPatch):
        result = apply_all(segment, patch.instructions)
        return result.segment, result.big_segment_instructions
    return apply_patch_document(segment, patch), ()


__all__ = [
    "MAX_PATCH_ATTEMPTS",
    "SegmentDraft",
    "SegmentPatch",
    "SegmentService",
    "new_salt",
]
