"""The audit history: recording changes (inside their transaction) and reading them back."""

from __future__ import annotations

from segmentd.domain.audit.history import Action, Actor, AuditEntry, diff
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.json_types import JsonObject
from segmentd.errors import InvalidRequest, NotFound
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.ports import Page
from segmentd.services.projects.service import find_environment
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

#: Largest page of audit entries (LaunchDarkly allows 20 on its audit log).
MAX_AUDIT_PAGE = 20


def record(
    uow: UnitOfWork,
    *,
    environment_id: str,
    before: Segment | None,
    after: Segment | None,
    action: Action,
    actor: Actor,
    date: int,
    comment: str | None = None,
    changes: tuple[JsonObject, ...] | None = None,
) -> None:
    """Write the audit entry of one change in ``uow`` (so it commits with the change).

    ``changes`` defaults to the JSON Patch from ``before`` to ``after``; the versions and the
    segment's key and name come from whichever of the two exists.
    """
    segment = after or before
    assert segment is not None  # a change has a segment on at least one side
    uow.audit.add(
        AuditEntry(
            environment_id=environment_id,
            segment_key=segment.key,
            segment_name=segment.name,
            action=action,
            actor=actor,
            date=date,
            comment=comment,
            version_before=None if before is None else before.version,
            version_after=None if after is None else after.version,
            changes=diff(before, after) if changes is None else changes,
        )
    )


class AuditService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def list(self, query: AuditQuery) -> Page[AuditEntry]:
        """Entries in ``query.scope``, newest first. A scope naming a project or environment
        that does not exist is a 404 (rather than an empty page that hides a typo)."""
        if not 1 <= query.limit <= MAX_AUDIT_PAGE:
            raise InvalidRequest(f"limit: must be between 1 and {MAX_AUDIT_PAGE}")
        if query.offset < 0:
            raise InvalidRequest("offset: must not be negative")
        scope = query.scope
        with self._uow() as uow:
            if scope.project_key is not None:
                if scope.environment_key is not None:
                    find_environment(uow, scope.project_key, scope.environment_key)
                elif uow.projects.get(scope.project_key) is None:
                    raise NotFound(f"Unknown project {scope.project_key!r}")
            return uow.audit.list(query)
