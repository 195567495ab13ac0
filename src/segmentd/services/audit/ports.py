"""What the audit use cases need from a store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from segmentd.domain.audit.history import AuditEntry, AuditScope
from segmentd.services.ports import Page


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which audit entries to list, newest first: a scope, a time window and a page."""

    scope: AuditScope = field(default_factory=AuditScope)
    before: int | None = None
    after: int | None = None
    text: str | None = None
    limit: int = 10
    offset: int = 0


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> None:
        """Record one change, in the same transaction as the change itself."""
        ...

    def list(self, query: AuditQuery) -> Page[AuditEntry]:
        """Entries in scope, newest first, with their project and environment keys."""
        ...
