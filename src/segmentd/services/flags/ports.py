"""What the flag use cases need from a store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from segmentd.domain.flags.model import Flag, FlagConfig
from segmentd.domain.projects.model import Project
from segmentd.services.ports import Page


@dataclass(frozen=True, slots=True)
class FlagListing:
    """A flag named in a segment's ``_flags``: key and name."""

    key: str
    name: str


class FlagRepository(Protocol):
    def add(self, *, project: Project, flag: Flag) -> Flag:
        """Store a new flag with one configuration per environment of ``project`` and return
        it as stored. Raises ``KeyExists`` if a live flag has the key; a key deleted before
        continues above its tombstones' versions, per environment."""
        ...

    def get(self, *, project: Project, key: str) -> Flag | None:
        """The live flag with its configurations keyed by environment key, or ``None``."""
        ...

    def list(self, *, project: Project, limit: int, offset: int) -> Page[Flag]: ...

    def update(self, *, project: Project, flag: Flag, expected: Flag) -> None:
        """Store ``flag`` where it differs from ``expected`` (the flag as read): project-wide
        fields and each changed configuration, each only if its stored version is still the
        one in ``expected``; raises ``OptimisticLockError`` otherwise."""
        ...

    def delete(self, *, project: Project, expected: Flag) -> dict[str, int]:
        """Turn the flag and each configuration into a tombstone one version higher; returns
        environment id → tombstone version. ``OptimisticLockError`` if anything changed."""
        ...

    def add_environment(self, *, project_id: str, environment_id: str, now: int) -> None:
        """Give every live flag of the project an off configuration in a new environment
        (fallthrough variation 0, off variation the last one, a fresh salt)."""
        ...

    def referencing_segment(
        self, *, environment_id: str, segment_key: str
    ) -> tuple[FlagListing, ...]:
        """Live flags whose rules in this environment test the segment (``segmentMatch``)."""
        ...

    def for_environment(self, *, environment_id: str, key: str) -> tuple[Flag, FlagConfig] | None:
        """One flag's row and its configuration in an environment, tombstones included."""
        ...

    def live_in_environment(self, *, environment_id: str) -> tuple[tuple[Flag, FlagConfig], ...]:
        """Every live flag with its live configuration in the environment (by flag key)."""
        ...
