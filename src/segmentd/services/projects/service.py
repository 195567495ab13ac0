"""Projects and environments: just enough of LaunchDarkly's model to hold segments."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from segmentd.domain.audit.history import SYSTEM, Action, Actor, AuditEntry, AuditKind, diff_json
from segmentd.domain.patch.json_patch import PatchDocument
from segmentd.domain.projects.codec import (
    check_color,
    check_default_ttl,
    environment_document,
    project_document,
)
from segmentd.domain.projects.model import Environment, Project
from segmentd.domain.projects.patch import apply_environment_patch, apply_project_patch
from segmentd.domain.shared.json_types import JsonObject
from segmentd.domain.shared.validate import check_key, check_name, check_tags
from segmentd.errors import InvalidRequest, NotFound
from segmentd.services.ports import ChangeNotifier, Clock, IdFactory, ItemChange, Page
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("segmentd.projects")

#: Called after the commit that deleted an environment (bootstrap: clear its Redis data).
EnvironmentRemoved = Callable[[Environment], None]

#: What a project gets when it is created without environments (as LaunchDarkly does).
DEFAULT_ENVIRONMENTS = (("production", "Production", "417505"), ("test", "Test", "F5A623"))


@dataclass(frozen=True, slots=True)
class EnvironmentDraft:
    key: str
    name: str
    color: str
    default_ttl: int = 0
    secure_mode: bool = False
    default_track_events: bool = False
    require_comments: bool = False
    confirm_changes: bool = False
    critical: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectDraft:
    key: str
    name: str
    tags: tuple[str, ...] = ()
    include_in_snippet_by_default: bool = False
    default_using_mobile_key: bool = True
    environments: tuple[EnvironmentDraft, ...] | None = None


def _check_environment(draft: EnvironmentDraft, prefix: str = "") -> EnvironmentDraft:
    check_key(draft.key, field=f"{prefix}key")
    check_name(draft.name, field=f"{prefix}name")
    check_color(draft.color, field=f"{prefix}color")
    check_default_ttl(draft.default_ttl, field=f"{prefix}defaultTtl")
    return replace(draft, tags=check_tags(draft.tags, field=f"{prefix}tags"))


def _environment_json(environment: Environment | None) -> JsonObject:
    if environment is None:
        return {}
    return {"key": environment.key, **environment_document(environment)}


def _project_json(project: Project | None) -> JsonObject:
    return {} if project is None else {"key": project.key, **project_document(project)}


@dataclass(frozen=True, slots=True)
class _History:
    """Writes the audit entries of project and environment changes into one unit of work."""

    uow: UnitOfWork
    actor: Actor
    date: int

    def project(
        self,
        action: Action,
        before: Project | None,
        after: Project | None,
        comment: str | None = None,
    ) -> None:
        project = after or before
        assert project is not None  # a change has a project on at least one side
        changes = diff_json(_project_json(before), _project_json(after))
        self._add("project", action, project, None, changes, comment)

    def environment(
        self,
        action: Action,
        project: Project,
        before: Environment | None,
        after: Environment | None,
        comment: str | None = None,
    ) -> None:
        environment = after or before
        assert environment is not None  # a change has an environment on at least one side
        changes = diff_json(_environment_json(before), _environment_json(after))
        self._add("environment", action, project, environment, changes, comment)

    def _add(
        self,
        kind: AuditKind,
        action: Action,
        project: Project,
        environment: Environment | None,
        changes: tuple[JsonObject, ...],
        comment: str | None,
    ) -> None:
        self.uow.audit.add(
            AuditEntry(
                environment_id=None if environment is None else environment.id,
                segment_key="",
                segment_name=project.name if environment is None else environment.name,
                action=action,
                actor=self.actor,
                date=self.date,
                version_before=None,
                version_after=None,
                changes=changes,
                comment=comment,
                project_key=project.key,
                environment_key="" if environment is None else environment.key,
                kind=kind,
            )
        )


def _changed(environment: Environment) -> ItemChange:
    """The notice that an environment changed or is gone: every process drops what it
    cached of it and ends its SDK streams (the SDKs reconnect and authenticate again)."""
    return ItemChange(environment.id, "environments", environment.key, 0)


class ProjectService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        notifier: ChangeNotifier | None = None,
        on_environment_removed: EnvironmentRemoved | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._notifier = notifier
        self._on_removed = on_environment_removed

    def _announce(self, environment: Environment, *, removed: bool) -> None:
        if self._notifier is not None:
            self._notifier.publish(_changed(environment))
        if removed and self._on_removed is not None:
            try:
                self._on_removed(environment)
            except Exception:  # the delete has committed; a cleanup failure is only logged
                log.exception("cleanup after deleting environment %s failed", environment.id)

    def _environment(self, project_key: str, draft: EnvironmentDraft) -> Environment:
        return Environment(
            id=self._ids.new_id(),
            project_key=project_key,
            key=draft.key,
            name=draft.name,
            color=draft.color,
            sdk_key=self._ids.new_secret("sdk"),
            mobile_key=self._ids.new_secret("mob"),
            default_ttl=draft.default_ttl,
            secure_mode=draft.secure_mode,
            default_track_events=draft.default_track_events,
            require_comments=draft.require_comments,
            confirm_changes=draft.confirm_changes,
            critical=draft.critical,
            tags=draft.tags,
            creation_date=self._clock.now_ms(),
        )

    def create_project(self, draft: ProjectDraft, *, actor: Actor = SYSTEM) -> Project:
        """Create a project and its environments (``production`` and ``test`` by default)."""
        check_key(draft.key)
        check_name(draft.name)
        tags = check_tags(draft.tags)
        env_drafts = draft.environments
        if env_drafts is None:
            env_drafts = tuple(EnvironmentDraft(k, n, c) for k, n, c in DEFAULT_ENVIRONMENTS)
        env_drafts = tuple(
            _check_environment(e, f"environments[{i}].") for i, e in enumerate(env_drafts)
        )
        keys = [e.key for e in env_drafts]
        if len(set(keys)) != len(keys):
            raise InvalidRequest("environments: environment keys must be unique")
        project = Project(
            id=self._ids.new_id(),
            key=draft.key,
            name=draft.name,
            tags=tags,
            include_in_snippet_by_default=draft.include_in_snippet_by_default,
            default_using_mobile_key=draft.default_using_mobile_key,
            creation_date=self._clock.now_ms(),
        )
        environments = tuple(self._environment(draft.key, e) for e in env_drafts)
        with self._uow(write=True) as uow:
            uow.projects.add(project)
            history = _History(uow, actor, self._clock.now_ms())
            history.project(Action.CREATE_PROJECT, None, project)
            for environment in environments:
                uow.environments.add(environment)
                history.environment(Action.CREATE_ENVIRONMENT, project, None, environment)
            uow.commit()
        return replace(project, environments=environments)

    def get_project(self, key: str) -> Project:
        with self._uow() as uow:
            project = uow.projects.get(key)
        if project is None:
            raise NotFound(f"Unknown project {key!r}")
        return project

    def patch_project(self, key: str, document: PatchDocument, *, actor: Actor = SYSTEM) -> Project:
        """Apply a JSON Patch or merge patch to a project's ``name``, ``tags``,
        ``includeInSnippetByDefault`` and ``defaultClientSideAvailability``; any other path is
        a 400 (docs/compatibility.md)."""
        with self._uow(write=True) as uow:
            project = uow.projects.get(key)
            if project is None:
                raise NotFound(f"Unknown project {key!r}")
            patched = apply_project_patch(project, document)
            if patched != project:
                uow.projects.update(patched)
                _History(uow, actor, self._clock.now_ms()).project(
                    Action.UPDATE_PROJECT, project, patched, document.comment
                )
                uow.commit()
        return patched

    def delete_project(self, key: str, *, actor: Actor = SYSTEM) -> None:
        """Delete a project with everything in it (environments, their segments, flags, big
        segment members, expiring targets, audit entries and SDK credentials) in one
        transaction. LaunchDarkly refuses to delete an account's last project: so does this."""
        with self._uow(write=True) as uow:
            project = uow.projects.get(key)
            if project is None:
                raise NotFound(f"Unknown project {key!r}")
            if uow.projects.list(limit=1, offset=0).total <= 1:
                raise InvalidRequest(f"Project {key!r} is the last project and cannot be deleted")
            history = _History(uow, actor, self._clock.now_ms())
            for environment in project.environments:
                uow.environments.delete(environment)
                history.environment(Action.DELETE_ENVIRONMENT, project, environment, None)
            uow.projects.delete(project)
            history.project(Action.DELETE_PROJECT, project, None)
            uow.commit()
        for environment in project.environments:
            self._announce(environment, removed=True)

    def list_projects(self, *, limit: int, offset: int) -> Page[Project]:
        with self._uow() as uow:
            return uow.projects.list(limit=limit, offset=offset)

    def create_environment(
        self, project_key: str, draft: EnvironmentDraft, *, actor: Actor = SYSTEM
    ) -> Environment:
        draft = _check_environment(draft)
        environment = self._environment(project_key, draft)
        with self._uow(write=True) as uow:
            project = uow.projects.get(project_key)
            if project is None:
                raise NotFound(f"Unknown project {project_key!r}")
            uow.environments.add(environment)
            # Existing flags get an "off" configuration in the new environment (as in LD).
            uow.flags.add_environment(
                project_id=project.id, environment_id=environment.id, now=self._clock.now_ms()
            )
            _History(uow, actor, self._clock.now_ms()).environment(
                Action.CREATE_ENVIRONMENT, project, None, environment
            )
            uow.commit()
        return environment

    def patch_environment(
        self, project_key: str, key: str, document: PatchDocument, *, actor: Actor = SYSTEM
    ) -> Environment:
        """Apply a JSON Patch or merge patch to an environment's settings (name, color,
        defaultTtl, secureMode, defaultTrackEvents, requireComments, confirmChanges, tags,
        critical, approvalSettings); its key and credentials never change."""
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, key)
            patched = apply_environment_patch(environment, document)
            if patched == environment:
                return environment
            uow.environments.update(patched)
            _History(uow, actor, self._clock.now_ms()).environment(
                Action.UPDATE_ENVIRONMENT,
                _project_of(uow, project_key),
                environment,
                patched,
                document.comment,
            )
            uow.commit()
        self._announce(patched, removed=False)
        return patched

    def delete_environment(self, project_key: str, key: str, *, actor: Actor = SYSTEM) -> None:
        """Delete an environment with its segments, flag configurations, big segment
        members, expiring targets and audit entries, in one transaction; its SDK key, mobile
        key and client-side id stop working at once. A project's last environment cannot be
        deleted (LaunchDarkly refuses it too)."""
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, key)
            if uow.environments.list(project_key=project_key, limit=1, offset=0).total <= 1:
                raise InvalidRequest(
                    f"Environment {key!r} is the last environment of project {project_key!r} "
                    "and cannot be deleted"
                )
            uow.environments.delete(environment)
            _History(uow, actor, self._clock.now_ms()).environment(
                Action.DELETE_ENVIRONMENT, _project_of(uow, project_key), environment, None
            )
            uow.commit()
        self._announce(environment, removed=True)

    def get_environment(self, project_key: str, key: str) -> Environment:
        with self._uow() as uow:
            return find_environment(uow, project_key, key)

    def list_environments(self, project_key: str, *, limit: int, offset: int) -> Page[Environment]:
        with self._uow() as uow:
            if uow.projects.get(project_key) is None:
                raise NotFound(f"Unknown project {project_key!r}")
            return uow.environments.list(project_key=project_key, limit=limit, offset=offset)


def _project_of(uow: UnitOfWork, key: str) -> Project:
    project = uow.projects.get(key)
    if project is None:
        raise NotFound(f"Unknown project {key!r}")
    return project


def find_environment(uow: UnitOfWork, project_key: str, key: str) -> Environment:
    """The environment, or ``NotFound`` naming whichever of project and environment is missing."""
    environment = uow.environments.get(project_key=project_key, key=key)
    if environment is None:
        if uow.projects.get(project_key) is None:
            raise NotFound(f"Unknown project {project_key!r}")
        raise NotFound(f"Unknown environment {key!r} in project {project_key!r}")
    return environment
