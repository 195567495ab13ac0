"""THE write path of a segment: every change to a stored segment goes through here.

Create, patch, delete, expiry, big-segment target updates (``POST …/contexts`` and the
semantic-patch instructions), and the completion of a ``merge`` or ``replace`` import all
store the segment with :class:`SegmentWrites`, which in one place

1. gives the segment its next version and ``lastModifiedDate`` (a version check guards
   against a concurrent writer: ``OptimisticLockError``),
2. writes the audit entry, with the actor, in the same transaction,
3. queues the change announcement (:class:`ItemChange`), published by :meth:`commit` only
   once the transaction has committed.

So every version a segment reaches has exactly one audit entry and one announcement.
"""

from __future__ import annotations

from dataclasses import replace

from segmentd.domain.audit.history import Action, Actor
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.json_types import JsonObject
from segmentd.services.audit.service import record
from segmentd.services.ports import ChangeNotifier, Clock, ItemChange
from segmentd.services.unit_of_work import UnitOfWork


def next_version(current: Segment, updated: Segment, now_ms: int) -> Segment:
    """``updated`` as the version after ``current``, changed at ``now_ms``."""
    return replace(updated, version=current.version + 1, last_modified_date=now_ms)


class SegmentWrites:
    """The segment changes of one unit of work; call :meth:`commit` instead of
    ``uow.commit()`` so that they are announced after the commit."""

    def __init__(self, uow: UnitOfWork, clock: Clock, notifier: ChangeNotifier) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._queued: list[ItemChange] = []

    def create(
        self, environment_id: str, segment: Segment, *, actor: Actor, comment: str | None
    ) -> Segment:
        """Store a new segment (its first version is the one it carries)."""
        stored = self._uow.segments.add(environment_id=environment_id, segment=segment)
        self._audit(environment_id, None, stored, Action.CREATE, actor, comment, None)
        return stored

    def update(
        self,
        environment_id: str,
        current: Segment,
        updated: Segment,
        *,
        action: Action,
        actor: Actor,
        comment: str | None = None,
        changes: tuple[JsonObject, ...] | None = None,
        now_ms: int | None = None,
    ) -> Segment:
        """Store ``updated`` as the version after ``current``; ``changes`` (default: the
        JSON Patch between the two) is what the audit entry says changed."""
        now = self._clock.now_ms() if now_ms is None else now_ms
        stored = next_version(current, updated, now)
        self._uow.segments.update(
            environment_id=environment_id, segment=stored, expected_version=current.version
        )
        self._audit(environment_id, current, stored, action, actor, comment, changes)
        return stored

    def delete(
        self, environment_id: str, current: Segment, *, actor: Actor, comment: str | None
    ) -> Segment:
        """Turn ``current`` into a tombstone one version higher (returned)."""
        version = self._uow.segments.delete(
            environment_id=environment_id, key=current.key, expected_version=current.version
        )
        now = self._clock.now_ms()
        tombstone = replace(current, version=version, deleted=True, last_modified_date=now)
        self._audit(environment_id, current, tombstone, Action.DELETE, actor, comment, None)
        return tombstone

    def commit(self) -> None:
        """Commit the unit of work, then announce each change it stored."""
        self._uow.commit()
        queued, self._queued = self._queued, []
        for change in queued:
            self._notifier.publish(change)

    def _audit(
        self,
        environment_id: str,
        before: Segment | None,
        after: Segment,
        action: Action,
        actor: Actor,
        comment: str | None,
        changes: tuple[JsonObject, ...] | None,
    ) -> None:
        record(
            self._uow,
            environment_id=environment_id,
            before=before,
            after=after,
            action=action,
            actor=actor,
            date=after.last_modified_date,
            comment=comment,
            changes=changes,
        )
        self._queued.append(ItemChange(environment_id, "segments", after.key, after.version))


__all__ = ["SegmentWrites", "next_version"]
