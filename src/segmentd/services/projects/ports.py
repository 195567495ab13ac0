"""What the project, environment and token use cases need from a store."""

from __future__ import annotations

from typing import Protocol

from segmentd.domain.projects.model import AccessToken, Environment, Project
from segmentd.services.ports import Page


class ProjectRepository(Protocol):
    def add(self, project: Project) -> None:
        """Store a new project; raises ``KeyExists`` if the key is taken."""
        ...

    def get(self, key: str) -> Project | None: ...

    def list(self, *, limit: int, offset: int) -> Page[Project]: ...

    def update(self, project: Project) -> None:
        """Store a project's name, tags and client-side defaults (key unchanged)."""
        ...

    def delete(self, project: Project) -> None:
        """Remove the project and everything in it (its environments first go through
        ``EnvironmentRepository.delete``)."""
        ...


class EnvironmentRepository(Protocol):
    def add(self, environment: Environment) -> None:
        """Store a new environment; raises ``KeyExists`` if the key is taken in its project."""
        ...

    def get(self, *, project_key: str, key: str) -> Environment | None:
        """The environment; in a writing unit of work read from the database (never a
        cache) and held until the commit, so it cannot be deleted meanwhile."""
        ...

    def update(self, environment: Environment) -> None:
        """Store an environment's settings (key and credentials unchanged)."""
        ...

    def delete(self, environment: Environment) -> None:
        """Remove the environment and everything in it: segments, big segment members,
        flag configurations, expiring targets, imports, exports, audit entries."""
        ...

    def list(self, *, project_key: str, limit: int, offset: int) -> Page[Environment]: ...

    def find_by_sdk_key(self, sdk_key: str) -> Environment | None: ...

    def find_by_credential(
        self, *, client_side_id: str | None = None, mobile_key: str | None = None
    ) -> Environment | None:
        """The environment whose client-side id (its ``_id``) or mobile key this is."""
        ...


class TokenRepository(Protocol):
    def add(self, token: AccessToken) -> None: ...

    def get(self, token_id: str) -> AccessToken | None: ...

    def find_by_hash(self, token_hash: str) -> AccessToken | None: ...

    def update(self, token: AccessToken) -> None:
        """Store a token's new name, description and role (its id and hash never change)."""
        ...

    def list(self, *, limit: int, offset: int) -> Page[AccessToken]: ...

    def delete(self, token_id: str) -> bool:
        """Remove a token; ``False`` if there was none."""
        ...


class TokenFinder(Protocol):
    """The look-up that authenticates every request: the token with this SHA-256, as the
    database holds it now (never cached, so revocation applies at once)."""

    def find_by_hash(self, token_hash: str) -> AccessToken | None: ...
