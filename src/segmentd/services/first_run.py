"""What ``segmentd serve`` does on an empty database: a default project and an admin token."""

from __future__ import annotations

from segmentd.domain.projects.model import Role
from segmentd.services.projects.access import AccessService, NewToken
from segmentd.services.projects.service import ProjectDraft, ProjectService
from segmentd.services.unit_of_work import UnitOfWorkFactory

DEFAULT_PROJECT = "default"


def initialise_if_empty(
    uow: UnitOfWorkFactory, projects: ProjectService, access: AccessService
) -> NewToken | None:
    """On a database with no project yet, create project ``default`` (environments
    ``production`` and ``test``) and an admin token, and return the token; otherwise ``None``.

    A token made earlier with ``segmentd tokens create`` does not count: the first ``serve``
    still sets up the default project, so the quick start works in either order."""
    with uow() as work:
        empty = work.projects.list(limit=1, offset=0).total == 0
    if not empty:
        return None
    projects.create_project(ProjectDraft(key=DEFAULT_PROJECT, name="Default"))
    return access.create(name="initial admin", role=Role.ADMIN)
