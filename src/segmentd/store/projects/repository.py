"""Projects, environments and access tokens over SQLAlchemy Core (both dialects)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from segmentd.domain.projects.codec import approval_settings_from_json, approval_settings_to_json
from segmentd.domain.projects.model import (
    DEFAULT_APPROVAL_SETTINGS,
    AccessToken,
    ApprovalSettings,
    Environment,
    Project,
    Role,
)
from segmentd.errors import KeyExists
from segmentd.services.ports import Page
from segmentd.store import schema
from segmentd.store.driver import Prepared


def dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def tags_from_json(raw: str) -> tuple[str, ...]:
    return tuple(orjson.loads(raw))


class Repository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _count(self, query: sa.Select[int]) -> int:
        count: int = self.connection.execute(query).scalar_one()
        return count


class SqlProjectRepository(Repository):
    def add(self, project: Project) -> None:
        taken = self.connection.execute(
            sa.select(schema.projects.c.id).where(schema.projects.c.key == project.key)
        ).first()
        if taken is not None:
            raise KeyExists(f"Duplicate project key {project.key!r}")
        try:
            with self.connection.begin_nested():
                self.connection.execute(
                    schema.projects.insert().values(
                        id=project.id,
                        key=project.key,
                        name=project.name,
                        tags=dumps(project.tags),
                        include_in_snippet=project.include_in_snippet_by_default,
                        default_using_mobile_key=project.default_using_mobile_key,
                        creation_date=project.creation_date,
                    )
                )
        except sa.exc.IntegrityError:
            raise KeyExists(f"Duplicate project key {project.key!r}") from None

    def update(self, project: Project) -> None:
        self.connection.execute(
            schema.projects.update()
            .where(schema.projects.c.key == project.key)
            .values(
                name=project.name,
                tags=dumps(project.tags),
                include_in_snippet=project.include_in_snippet_by_default,
                default_using_mobile_key=project.default_using_mobile_key,
            )
        )

    def delete(self, project: Project) -> None:
        # Foreign keys cascade to flags and their configurations (environments are deleted
        # one by one before, for what has no foreign key).
        self.connection.execute(schema.projects.delete().where(schema.projects.c.id == project.id))

    def get(self, key: str) -> Project | None:
        row = self.connection.execute(
            sa.select(schema.projects).where(schema.projects.c.key == key)
        ).first()
        return None if row is None else self._project(row)

    def list(self, *, limit: int, offset: int) -> Page[Project]:
        rows = self.connection.execute(
            sa.select(schema.projects)
            .order_by(schema.projects.c.creation_date, schema.projects.c.key)
            .limit(limit)
            .offset(offset)
        ).all()
        total = self._count(sa.select(sa.func.count()).select_from(schema.projects))
        return Page(tuple(self._project(r) for r in rows), total)

    def _project(self, row: Row[tuple[object, ...]]) -> Project:
        m = row._mapping
        envs = self.connection.execute(
            sa.select(schema.environments)
            .where(schema.environments.c.project_id == m["id"])
            .order_by(schema.environments.c.creation_date, schema.environments.c.key)
        ).all()
        return Project(
            id=m["id"],
            key=m["key"],
            name=m["name"],
            tags=tags_from_json(m["tags"]),
            include_in_snippet_by_default=m["include_in_snippet"],
            default_using_mobile_key=m["default_using_mobile_key"],
            creation_date=m["creation_date"],
            environments=tuple(environment_from_row(e, m["key"]) for e in envs),
        )


def environment_from_row(row: Row[tuple[object, ...]], project_key: str) -> Environment:
    return environment_from_mapping(row._mapping, project_key)


def environment_from_mapping(m: Mapping[Any, Any], project_key: str) -> Environment:
    """:func:`environment_from_row` for a row as a mapping of column keys."""
    return Environment(
        id=m["id"],
        project_key=project_key,
        key=m["key"],
        name=m["name"],
        color=m["color"],
        sdk_key=m["sdk_key"],
        mobile_key=m["mobile_key"],
        default_ttl=m["default_ttl"],
        secure_mode=m["secure_mode"],
        default_track_events=m["default_track_events"],
        require_comments=m["require_comments"],
        confirm_changes=m["confirm_changes"],
        critical=m["critical"],
        tags=tags_from_json(m["tags"]),
        creation_date=m["creation_date"],
        approval_settings=_approval_settings(m["approval_settings"]),
    )


def _approval_settings(raw: str | None) -> ApprovalSettings:
    if raw is None:
        return DEFAULT_APPROVAL_SETTINGS
    return approval_settings_from_json(orjson.loads(raw))


def _approval_settings_json(settings: ApprovalSettings) -> str | None:
    if settings == DEFAULT_APPROVAL_SETTINGS:
        return None
    return dumps(approval_settings_to_json(settings))


def _settings_columns(environment: Environment) -> dict[str, object]:
    """The columns an environment's PATCH may change."""
    return {
        "name": environment.name,
        "color": environment.color,
        "default_ttl": environment.default_ttl,
        "secure_mode": environment.secure_mode,
        "default_track_events": environment.default_track_events,
        "require_comments": environment.require_comments,
        "confirm_changes": environment.confirm_changes,
        "critical": environment.critical,
        "tags": dumps(environment.tags),
        "approval_settings": _approval_settings_json(environment.approval_settings),
    }


_SELECT_ENVIRONMENT = (  # built once: every segment request looks its environment up
    sa.select(schema.environments, schema.projects.c.key.label("project_key"))
    .join(schema.projects, schema.projects.c.id == schema.environments.c.project_id)
    .where(
        schema.projects.c.key == sa.bindparam("b_project_key"),
        schema.environments.c.key == sa.bindparam("b_key"),
    )
)


# The same, for writers: the row is held (FOR KEY SHARE on PostgreSQL; SQLite writers hold
# the whole database) until the commit, so a concurrent delete of the environment waits for
# the write, or the write sees the environment gone, never a half-deleted one.
_SELECT_ENVIRONMENT_HELD = _SELECT_ENVIRONMENT.with_for_update(read=True, key_share=True)
# Both at the driver level (store/driver.py): a writer reads its environment on every write.
_SELECT_ONE = Prepared(_SELECT_ENVIRONMENT)
_SELECT_ONE_HELD = Prepared(_SELECT_ENVIRONMENT_HELD)


class EnvironmentCache:
    """(project key, environment key) -> Environment, for one process and one database.

    Every segment request looks its environment up, and a hit saves a query. Environments
    change (PATCH) and disappear (DELETE) rarely: the process that commits such a change
    and every process that hears of it (the change relays) call :meth:`forget`, so reads
    see the change at once in the writing process and within the relay's delay elsewhere.
    Writers never use the cache (they read and hold the row). Misses are not remembered
    (the environment may be created later, by any process). Bounded: cleared when it grows
    past ``limit`` entries. Thread-safe: single dict operations only.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._entries: dict[tuple[str, str], Environment] = {}
        #: Grows with every ``forget``: a row read before a forget is not cached after it.
        self.generation = 0

    def get(self, project_key: str, key: str) -> Environment | None:
        return self._entries.get((project_key, key))

    def put(self, environment: Environment, generation: int) -> None:
        """Cache a row read when :attr:`generation` was ``generation``; a row read before
        the latest ``forget`` may be the old one, and is not kept."""
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[(environment.project_key, environment.key)] = environment
        if generation != self.generation:
            self._entries.pop((environment.project_key, environment.key), None)

    def forget(self, environment_id: str) -> None:
        """Drop the entry of this environment (it changed or is gone)."""
        self.generation += 1
        for name, environment in list(self._entries.items()):
            if environment.id == environment_id:
                self._entries.pop(name, None)


class SqlEnvironmentRepository(Repository):
    _columns = (schema.environments, schema.projects.c.key.label("project_key"))

    def __init__(
        self,
        connection: Connection,
        cache: EnvironmentCache | None = None,
        *,
        hold: bool = False,
    ) -> None:
        super().__init__(connection)
        # Rows read in a transaction that adds environments may yet be rolled back: not cached.
        self._cache = None if hold else cache
        self._select_one = _SELECT_ONE_HELD if hold else _SELECT_ONE

    def _select(self) -> sa.Select[tuple[object, ...]]:
        return sa.select(*self._columns).join(
            schema.projects, schema.projects.c.id == schema.environments.c.project_id
        )

    def add(self, environment: Environment) -> None:
        self._cache = None
        project_id = self.connection.execute(
            sa.select(schema.projects.c.id).where(schema.projects.c.key == environment.project_key)
        ).scalar_one()
        if self.get(project_key=environment.project_key, key=environment.key) is not None:
            raise KeyExists(f"Duplicate environment key {environment.key!r}")
        try:
            with self.connection.begin_nested():
                self.connection.execute(
                    schema.environments.insert().values(
                        id=environment.id,
                        project_id=project_id,
                        key=environment.key,
                        name=environment.name,
                        color=environment.color,
                        sdk_key=environment.sdk_key,
                        mobile_key=environment.mobile_key,
                        default_ttl=environment.default_ttl,
                        secure_mode=environment.secure_mode,
                        default_track_events=environment.default_track_events,
                        require_comments=environment.require_comments,
                        confirm_changes=environment.confirm_changes,
                        critical=environment.critical,
                        tags=dumps(environment.tags),
                        creation_date=environment.creation_date,
                        approval_settings=_approval_settings_json(environment.approval_settings),
                    )
                )
        except sa.exc.IntegrityError:
            raise KeyExists(f"Duplicate environment key {environment.key!r}") from None

    def update(self, environment: Environment) -> None:
        self.connection.execute(
            schema.environments.update()
            .where(schema.environments.c.id == environment.id)
            .values(**_settings_columns(environment))
        )

    def delete(self, environment: Environment) -> None:
        # Big segment members have no foreign key (store/schema.py): deleted here.
        # Everything else under the environment goes with it by ON DELETE CASCADE.
        segment_ids = sa.select(schema.segments.c.id).where(
            schema.segments.c.environment_id == environment.id
        )
        self.connection.execute(
            schema.big_segment_targets.delete().where(
                schema.big_segment_targets.c.segment_id.in_(segment_ids)
            )
        )
        self.connection.execute(
            schema.environments.delete().where(schema.environments.c.id == environment.id)
        )

    def get(self, *, project_key: str, key: str) -> Environment | None:
        generation = 0
        if self._cache is not None:
            if (hit := self._cache.get(project_key, key)) is not None:
                return hit
            generation = self._cache.generation
        rows = self._select_one.mappings(
            self.connection, {"b_project_key": project_key, "b_key": key}
        )
        if not rows:
            return None
        environment = environment_from_mapping(rows[0], project_key)
        if self._cache is not None:
            self._cache.put(environment, generation)
        return environment

    def list(self, *, project_key: str, limit: int, offset: int) -> Page[Environment]:
        where = schema.projects.c.key == project_key
        rows = self.connection.execute(
            self._select()
            .where(where)
            .order_by(schema.environments.c.creation_date, schema.environments.c.key)
            .limit(limit)
            .offset(offset)
        ).all()
        total = self._count(
            sa.select(sa.func.count())
            .select_from(schema.environments)
            .join(schema.projects, schema.projects.c.id == schema.environments.c.project_id)
            .where(where)
        )
        return Page(tuple(environment_from_row(r, project_key) for r in rows), total)

    def find_by_sdk_key(self, sdk_key: str) -> Environment | None:
        return self._find(schema.environments.c.sdk_key == sdk_key)

    def find_by_credential(
        self, *, client_side_id: str | None = None, mobile_key: str | None = None
    ) -> Environment | None:
        if client_side_id is not None:
            return self._find(schema.environments.c.id == client_side_id)
        return self._find(schema.environments.c.mobile_key == mobile_key)

    def _find(self, where: sa.ColumnElement[bool]) -> Environment | None:
        row = self.connection.execute(self._select().where(where)).first()
        return None if row is None else environment_from_row(row, row._mapping["project_key"])


# Built once: every API request authenticates with it.
_SELECT_TOKEN_BY_HASH = sa.select(schema.access_tokens).where(
    schema.access_tokens.c.token_hash == sa.bindparam("b_hash")
)


class SqlTokenRepository(Repository):
    def add(self, token: AccessToken) -> None:
        self.connection.execute(
            schema.access_tokens.insert().values(
                id=token.id,
                name=token.name,
                description=token.description,
                role=token.role.value,
                token_hash=token.token_hash,
                last_four=token.last_four,
                creation_date=token.creation_date,
            )
        )

    def get(self, token_id: str) -> AccessToken | None:
        row = self.connection.execute(
            sa.select(schema.access_tokens).where(schema.access_tokens.c.id == token_id)
        ).first()
        return None if row is None else _token(row)

    def find_by_hash(self, token_hash: str) -> AccessToken | None:
        row = self.connection.execute(_SELECT_TOKEN_BY_HASH, {"b_hash": token_hash}).first()
        return None if row is None else _token(row)

    def update(self, token: AccessToken) -> None:
        self.connection.execute(
            schema.access_tokens.update()
            .where(schema.access_tokens.c.id == token.id)
            .values(name=token.name, description=token.description, role=token.role.value)
        )

    def list(self, *, limit: int, offset: int) -> Page[AccessToken]:
        rows = self.connection.execute(
            sa.select(schema.access_tokens)
            .order_by(schema.access_tokens.c.creation_date, schema.access_tokens.c.id)
            .limit(limit)
            .offset(offset)
        ).all()
        total = self._count(sa.select(sa.func.count()).select_from(schema.access_tokens))
        return Page(tuple(_token(r) for r in rows), total)

    def delete(self, token_id: str) -> bool:
        result = self.connection.execute(
            schema.access_tokens.delete().where(schema.access_tokens.c.id == token_id)
        )
        return result.rowcount > 0


def _token(row: Row[tuple[object, ...]]) -> AccessToken:
    m = row._mapping
    return AccessToken(
        id=m["id"],
        name=m["name"],
        description=m["description"],
        role=Role(m["role"]),
        token_hash=m["token_hash"],
        last_four=m["last_four"],
        creation_date=m["creation_date"],
    )
