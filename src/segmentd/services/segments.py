"""Segment use cases. Each owns its transaction and its version check."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from segmentd.domain.model import DEFAULT_KIND, Segment
from segmentd.domain.validate import (
    check_context_kind,
    check_description,
    check_key,
    check_name,
    check_tags,
)
from segmentd.errors import InvalidRequest, NotFound
from segmentd.services.ports import (
    ChangeNotifier,
    Clock,
    FlagListing,
    ItemChange,
    UnitOfWorkFactory,
)
from segmentd.services.projects import find_environment


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
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, changes: ChangeNotifier) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes

    def create(self, project_key: str, environment_key: str, draft: SegmentDraft) -> Segment:
        """Create a segment with no targets and no rules (targeting is added by patching).

        A big segment (``unbounded``) targets one context kind, ``user`` unless named, and
        starts at generation 1; a standard segment has no generation.
        """
        check_key(draft.key)
        check_name(draft.name)
        check_description(draft.description)
        tags = check_tags(draft.tags)
        if draft.unbounded_context_kind is not None:
            if not draft.unbounded:
                raise InvalidRequest("unboundedContextKind: only allowed with unbounded: true")
            check_context_kind(draft.unbounded_context_kind, field="unboundedContextKind")
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
            unbounded_context_kind=(draft.unbounded_context_kind or DEFAULT_KIND)
            if draft.unbounded
            else None,
            generation=1 if draft.unbounded else None,
        )
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            stored = uow.segments.add(environment_id=environment.id, segment=segment)
            uow.commit()
        self._changes.publish(ItemChange(environment.id, "segments", stored.key, stored.version))
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
