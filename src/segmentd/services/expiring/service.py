"""Expiring targets: read and change them, and remove targets whose time has come.

Changing an expiring target does not change the segment itself (SDKs never see expiring
targets), so it keeps the segment's version; it is still audited. When an expiration date
passes, :meth:`ExpiringTargetService.expire_due` removes the target from the segment: that
is a segment change (version + 1, audited as the ``system`` actor, announced to feeds).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from segmentd.domain.audit.history import SYSTEM, Action, Actor, diff_json
from segmentd.domain.expiring.targets import (
    ExpiringPatch,
    ExpiringResult,
    ExpiringTarget,
    apply_expiring,
)
from segmentd.domain.segments.instructions import InstructionKind, TargetsChange
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.semantic_patch import apply_all
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.json_types import JsonObject
from segmentd.errors import NotFound
from segmentd.services.audit.service import record
from segmentd.services.ports import ChangeNotifier, Clock
from segmentd.services.projects.service import find_environment
from segmentd.services.segments.writes import SegmentWrites
from segmentd.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("segmentd.expiry")

#: Segments handled by one :meth:`ExpiringTargetService.expire_due` pass.
EXPIRY_BATCH = 500


@dataclass(frozen=True, slots=True)
class ExpiringView:
    """A segment and its expiring targets, as one read saw them."""

    segment: Segment
    targets: tuple[ExpiringTarget, ...]


def _as_json(targets: tuple[ExpiringTarget, ...]) -> JsonObject:
    return {
        "expiringTargets": [
            {
                "targetType": t.target_type,
                "contextKind": t.context_kind,
                "contextKey": t.context_key,
                "expirationDate": t.expiration_date,
            }
            for t in targets
        ]
    }


class ExpiringTargetService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        changes: ChangeNotifier,
        new_id: NewId = new_uuid,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes
        self._new_id = new_id

    def get(self, project_key: str, environment_key: str, segment_key: str) -> ExpiringView:
        """The segment's expiring targets, soonest first."""
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            segment = uow.segments.get(environment_id=environment.id, key=segment_key)
            if segment is None:
                raise NotFound(f"Unknown segment {segment_key!r}")
            targets = uow.expiring_targets.list(
                environment_id=environment.id, segment_key=segment_key
            )
        return ExpiringView(segment, targets)

    def patch(
        self,
        project_key: str,
        environment_key: str,
        segment_key: str,
        patch: ExpiringPatch,
        *,
        actor: Actor,
    ) -> tuple[ExpiringView, ExpiringResult]:
        """Apply each instruction on its own (partial success; see
        :func:`segmentd.domain.expiring.targets.apply_expiring`) and store the result."""
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            segment = uow.segments.get(environment_id=environment.id, key=segment_key, lock=True)
            if segment is None:
                raise NotFound(f"Unknown segment {segment_key!r}")
            current = uow.expiring_targets.list(
                environment_id=environment.id, segment_key=segment_key
            )
            result = apply_expiring(
                segment, current, patch.changes, now_ms=self._clock.now_ms(), new_id=self._new_id
            )
            if result.targets != current:
                uow.expiring_targets.replace(
                    environment_id=environment.id, segment_key=segment_key, targets=result.targets
                )
                record(
                    uow,
                    environment_id=environment.id,
                    before=segment,
                    after=segment,
                    action=Action.UPDATE_EXPIRING_TARGETS,
                    actor=actor,
                    date=self._clock.now_ms(),
                    comment=patch.comment,
                    changes=diff_json(_as_json(current), _as_json(result.targets)),
                )
                uow.commit()
        return ExpiringView(segment, result.targets), result

    def expire_due(self, now_ms: int | None = None) -> int:
        """Remove every individual target whose expiration date is at or before ``now_ms``
        (default: the clock's now) from its segment; return how many were removed.

        Each segment is one transaction: version + 1, audited as ``system``, announced after
        commit. A segment that fails is logged and skipped (the next pass retries it), so one
        bad row never stops expiry for the others. Safe to run on several instances at once:
        the segment row is locked and the due targets re-read under the lock.
        """
        now = self._clock.now_ms() if now_ms is None else now_ms
        with self._uow() as uow:
            due = uow.expiring_targets.due(now_ms=now, limit=EXPIRY_BATCH)
        removed = 0
        for environment_id, segment_key in due:
            try:
                removed += self._expire_segment(environment_id, segment_key, now)
            except Exception:
                log.exception("expiring targets of segment %r failed", segment_key)
        return removed

    def _expire_segment(self, environment_id: str, segment_key: str, now: int) -> int:
        with self._uow(write=True) as uow:
            segment = uow.segments.get(environment_id=environment_id, key=segment_key, lock=True)
            if segment is None:
                return 0
            targets = uow.expiring_targets.list(
                environment_id=environment_id, segment_key=segment_key
            )
            due = tuple(t for t in targets if t.expiration_date <= now)
            if not due:
                return 0
            kinds = {
                "included": InstructionKind.REMOVE_INCLUDED_TARGETS,
                "excluded": InstructionKind.REMOVE_EXCLUDED_TARGETS,
            }
            removals = tuple(
                TargetsChange(kinds[t.target_type], t.context_kind, (t.context_key,)) for t in due
            )
            patched = apply_all(segment, removals).segment
            uow.expiring_targets.replace(
                environment_id=environment_id,
                segment_key=segment_key,
                targets=tuple(t for t in targets if t.expiration_date > now),
            )
            writes = SegmentWrites(uow, self._clock, self._changes)
            if patched != segment:
                writes.update(
                    environment_id,
                    segment,
                    patched,
                    action=Action.EXPIRE_TARGETS,
                    actor=SYSTEM,
                    comment=f"{len(due)} expiring target(s) reached their expiration date",
                    now_ms=now,
                )
            writes.commit()
        return len(due)
