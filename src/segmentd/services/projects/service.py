"""Projects and environments: just enough of LaunchDarkly's model to hold segments."""

from __future__ import annotations

from dataclasses import dataclass, replace

from segmentd.domain.patch.json_patch import PatchDocument
from segmentd.domain.projects.model import Environment, Project
from segmentd.domain.projects.patch import apply_project_patch
from segmentd.domain.shared.validate import check_key, check_name, check_tags
from segmentd.errors import InvalidRequest, NotFound
from segmentd.services.ports import Clock, IdFactory, Page
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

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
    environments: tuple[EnvironmentDraft, ...] | None = None


def _check_color(color: str, field: str) -> str:
    if not (len(color) == 6 and all(c in "0123456789abcdefABCDEF" for c in color)):
        raise InvalidRequest(f"{field}: must be six hexadecimal digits such as 'F5A623'")
    return color


def _check_environment(draft: EnvironmentDraft, prefix: str = "") -> EnvironmentDraft:
    check_key(draft.key, field=f"{prefix}key")
    check_name(draft.name, field=f"{prefix}name")
    _check_color(draft.color, f"{prefix}color")
    if draft.default_ttl < 0:
        raise InvalidRequest(f"{prefix}defaultTtl: must not be negative")
    return replace(draft, tags=check_tags(draft.tags, field=f"{prefix}tags"))


class ProjectService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    def _environment(self, project_key: str, draft: EnvironmentDraft) -> Environment:
        return Environment(
            id=self._ids.new_id(),
            project_key=project_key,
            key=draft.key,
            name=draft.name,
            color=draft.color.upper(),
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

    def create_project(self, draft: ProjectDraft) -> Project:
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
            creation_date=self._clock.now_ms(),
        )
        environments = tuple(self._environment(draft.key, e) for e in env_drafts)
        with self._uow(write=True) as uow:
            uow.projects.add(project)
            for environment in environments:
                uow.environments.add(environment)
            uow.commit()
        return replace(project, environments=environments)

    def get_project(self, key: str) -> Project:
        with self._uow() as uow:
            project = uow.projects.get(key)
        if project is None:
            raise NotFound(f"Unknown project {key!r}")
        return project

    def patch_project(self, key: str, document: PatchDocument) -> Project:
        """Apply a JSON Patch or merge patch to a project's ``name``, ``tags`` and
        ``includeInSnippetByDefault``; any other path is a 400 (docs/compatibility.md)."""
        with self._uow(write=True) as uow:
            project = uow.projects.get(key)
            if project is None:
                raise NotFound(f"Unknown project {key!r}")
            patched = apply_project_patch(project, document)
            if patched != project:
                uow.projects.update(patched)
                uow.commit()
        return patched

    def list_projects(self, *, limit: int, offset: int) -> Page[Project]:
        with self._uow() as uow:
            return uow.projects.list(limit=limit, offset=offset)

    def create_environment(self, project_key: str, draft: EnvironmentDraft) -> Environment:
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
            uow.commit()
        return environment

    def get_environment(self, project_key: str, key: str) -> Environment:
        with self._uow() as uow:
            return find_environment(uow, project_key, key)

    def list_environments(self, project_key: str, *, limit: int, offset: int) -> Page[Environment]:
        with self._uow() as uow:
            if uow.projects.get(project_key) is None:
                raise NotFound(f"Unknown project {project_key!r}")
            return uow.environments.list(project_key=project_key, limit=limit, offset=offset)


def find_environment(uow: UnitOfWork, project_key: str, key: str) -> Environment:
    """The environment, or ``NotFound`` naming whichever of project and environment is missing."""
    environment = uow.environments.get(project_key=project_key, key=key)
    if environment is None:
        if uow.projects.get(project_key) is None:
            raise NotFound(f"Unknown project {project_key!r}")
        raise NotFound(f"Unknown environment {key!r} in project {project_key!r}")
    return environment
