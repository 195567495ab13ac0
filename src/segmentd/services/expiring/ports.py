"""What the expiring-target use cases need from a store."""

from __future__ import annotations

from typing import Protocol

from segmentd.domain.expiring.targets import ExpiringTarget


class ExpiringTargetRepository(Protocol):
    def list(self, *, environment_id: str, segment_key: str) -> tuple[ExpiringTarget, ...]:
        """The expiring targets of a live segment, soonest first."""
        ...

    def replace(
        self, *, environment_id: str, segment_key: str, targets: tuple[ExpiringTarget, ...]
    ) -> None:
        """Make ``targets`` the segment's whole set of expiring targets."""
        ...

    def due(self, *, now_ms: int, limit: int) -> tuple[tuple[str, str], ...]:
        """``(environment_id, segment_key)`` of live segments with a target due at ``now_ms``."""
        ...
