"""Flag use cases: create, read, list, patch and delete, each in its own transaction.

Every change to an environment's configuration raises that configuration's version by one
and is announced (``ItemChange(environment_id, "flags", key, version)``) after commit, so
SDK feeds send it and SDKs apply it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeAlias

from segmentd.domain.flags.model import (
    BOOLEAN_VARIATIONS,
    DEFAULT_CLIENT_SIDE,
    ClientSideAvailability,
    Flag,
    FlagConfig,
    Variation,
    VariationOrRollout,
    validate_flag_fields,
)
from segmentd.domain.flags.patch import (
    FlagInstruction,
    FlagSemanticPatch,
    apply_flag_instructions,
    apply_flag_patch,
)
from segmentd.domain.flags.settings import FlagDefaults, FlagSettings
from segmentd.domain.patch.json_patch import PatchDocument
from segmentd.domain.projects.model import Project
from segmentd.domain.shared.ids import new_uuid
from segmentd.errors import InvalidRequest, NotFound
from segmentd.services.flags.ports import FlagListing
from segmentd.services.ports import ChangeNotifier, Clock, ItemChange, Page
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

#: What ``PATCH`` of a flag may carry: JSON Patch or merge patch, or a semantic patch.
FlagPatch: TypeAlias = PatchDocument | FlagSemanticPatch


@dataclass(frozen=True, slots=True)
class FlagDraft:
    """What a caller may say about a new flag (LaunchDarkly's ``FeatureFlagBody``)."""

    key: str
    name: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    temporary: bool = False
    variations: tuple[Variation, ...] | None = None
    on_variation: int | None = None
    off_variation: int | None = None
    on: bool = False
    client_side: ClientSideAvailability = DEFAULT_CLIENT_SIDE


def flags_referencing_segment(
    uow: UnitOfWork, environment_id: str, segment_key: str
) -> list[FlagListing]:
    """The live flags whose rules in this environment use the segment (``segmentMatch``).

    For a segment's ``_flags`` and for refusing, with 409, to delete a segment still in use;
    call it inside the unit of work that deletes, so that the answer holds at commit.
    """
    return list(
        uow.flags.referencing_segment(environment_id=environment_id, segment_key=segment_key)
    )


def _find_project(uow: UnitOfWork, project_key: str) -> Project:
    project = uow.projects.get(project_key)
    if project is None:
        raise NotFound(f"Unknown project {project_key!r}")
    return project


def _find_flag(uow: UnitOfWork, project: Project, key: str) -> Flag:
    flag = uow.flags.get(project=project, key=key)
    if flag is None:
        raise NotFound(f"Unknown flag {key!r}")
    return flag


def _dated(before: FlagSettings, after: FlagSettings, now: int) -> FlagSettings:
    """``archivedDate`` and ``deprecatedDate``: when the flag became so, gone when it is not."""
    archived_date = before.archived_date if before.archived else now
    deprecated_date = before.deprecated_date if before.deprecated else now
    return replace(
        after,
        archived_date=archived_date if after.archived else None,
        deprecated_date=deprecated_date if after.deprecated else None,
    )


class FlagService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, changes: ChangeNotifier) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes

    def _announce(self, project: Project, flag: Flag, before: Flag | None) -> None:
        for environment in project.environments:
            config = flag.environments.get(environment.key)
            if config is None:
                continue
            previous = before.environments.get(environment.key) if before else None
            if previous is None or previous.version != config.version:
                self._changes.publish(ItemChange(environment.id, "flags", flag.key, config.version))

    def create(self, project_key: str, draft: FlagDraft) -> Flag:
        """Create a flag with one configuration per environment of the project.

        Without variations the flag is boolean (``true``, ``false``). Each configuration
        starts off, serving ``on_variation`` (default 0) as fallthrough and
        ``off_variation`` (default: the last variation) when off, with a fresh salt.
        """
        raw = draft.variations or tuple(Variation(v) for v in BOOLEAN_VARIATIONS)
        variations = tuple(replace(v, id=v.id or new_uuid()) for v in raw)
        on_variation = 0 if draft.on_variation is None else draft.on_variation
        off_variation = len(variations) - 1 if draft.off_variation is None else draft.off_variation
        for name, index in (("onVariation", on_variation), ("offVariation", off_variation)):
            if not 0 <= index < len(variations):
                raise InvalidRequest(f"defaults.{name}: no variation {index}")
        now = self._clock.now_ms()
        flag = validate_flag_fields(
            Flag(
                key=draft.key,
                name=draft.name,
                description=draft.description,
                tags=draft.tags,
                temporary=draft.temporary,
                variations=variations,
                creation_date=now,
                client_side=draft.client_side,
                settings=FlagSettings(defaults=FlagDefaults(on_variation, off_variation)),
            )
        )
        with self._uow(write=True) as uow:
            project = _find_project(uow, project_key)
            configs = {
                e.key: FlagConfig(
                    on=draft.on,
                    salt=secrets.token_hex(16),
                    last_modified=now,
                    fallthrough=VariationOrRollout(variation=on_variation),
                    off_variation=off_variation,
                )
                for e in project.environments
            }
            stored = uow.flags.add(project=project, flag=replace(flag, environments=configs))
            uow.commit()
        self._announce(project, stored, None)
        return stored

    def get(self, project_key: str, key: str) -> Flag:
        with self._uow() as uow:
            return _find_flag(uow, _find_project(uow, project_key), key)

    def list(self, project_key: str, *, limit: int, offset: int) -> Page[Flag]:
        with self._uow() as uow:
            return uow.flags.list(
                project=_find_project(uow, project_key), limit=limit, offset=offset
            )

    def _bump(self, before: Flag, after: Flag) -> Flag:
        now = self._clock.now_ms()
        # Client-side availability is part of every environment's SDK data: a change to it
        # raises every configuration's version so that SDK feeds and client streams send it.
        # So are the variations, and whether the flag is archived (SDKs then lose it).
        everywhere = (after.client_side, after.variations, after.settings.archived) != (
            before.client_side,
            before.variations,
            before.settings.archived,
        )
        configs = {
            key: config
            if config is before.environments[key] and not everywhere
            else replace(config, version=before.environments[key].version + 1, last_modified=now)
            for key, config in after.environments.items()
        }
        settings = _dated(before.settings, after.settings, now)
        fields_changed = everywhere or (
            after.name,
            after.description,
            after.tags,
            after.temporary,
            settings,
        ) != (before.name, before.description, before.tags, before.temporary, before.settings)
        return replace(
            after,
            environments=configs,
            settings=settings,
            version=before.version + 1 if fields_changed else before.version,
        )

    def _patch(self, project_key: str, key: str, change: Callable[[Flag], Flag]) -> Flag:
        with self._uow(write=True) as uow:
            project = _find_project(uow, project_key)
            before = _find_flag(uow, project, key)
            after = self._bump(before, change(before))
            if after == before:
                return before
            uow.flags.update(project=project, flag=after, expected=before)
            uow.commit()
        self._announce(project, after, before)
        return after

    def patch(self, project_key: str, key: str, patch: FlagPatch) -> Flag:
        """Apply a JSON Patch, merge patch or semantic patch (see
        :mod:`segmentd.domain.flags.patch`)."""
        if isinstance(patch, FlagSemanticPatch):
            return self.patch_semantic(project_key, key, patch.environment_key, patch.instructions)
        return self._patch(project_key, key, lambda flag: apply_flag_patch(flag, patch))

    def patch_semantic(
        self,
        project_key: str,
        key: str,
        environment_key: str | None,
        instructions: tuple[FlagInstruction, ...],
    ) -> Flag:
        """Apply semantic-patch instructions to one environment's configuration."""
        if not environment_key:
            raise InvalidRequest("environmentKey: is required for flag targeting instructions")
        return self._patch(
            project_key,
            key,
            lambda flag: apply_flag_instructions(flag, environment_key, instructions),
        )

    def delete(self, project_key: str, key: str) -> None:
        """Delete the flag in every environment, leaving tombstones one version higher."""
        with self._uow(write=True) as uow:
            project = _find_project(uow, project_key)
            flag = _find_flag(uow, project, key)
            tombstones = uow.flags.delete(project=project, expected=flag)
            uow.commit()
        for environment_id, version in tombstones.items():
            self._changes.publish(ItemChange(environment_id, "flags", key, version))
