"""Projects, environments and access tokens over SQLAlchemy Core (both dialects)."""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from segmentd.domain.projects.model import AccessToken, Environment, Project, Role
from segmentd.errors import KeyExists
from segmentd.services.ports import Page
from segmentd.store import schema


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
            )
        )

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
            creation_date=m["creation_date"],
            environments=tuple(environment_from_row(e, m["key"]) for e in envs),
        )


def environment_from_row(row: Row[tuple[object, ...]], project_key: str) -> Environment:
    m = row._mapping
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
    )


_SELECT_ENVIRONMENT = (  # built once: every segment request looks its environment up
    sa.select(schema.environments, schema.projects.c.key.label("project_key"))
    .join(schema.projects, schema.projects.c.id == schema.environments.c.project_id)
    .where(
        schema.projects.c.key == sa.bindparam("b_project_key"),
        schema.environments.c.key == sa.bindparam("b_key"),
    )
)


class EnvironmentCache:
    """(project key, environment key) -> Environment, for one process and one database.

    Environments are never renamed, changed or deleted, so an environment once read stays
    true; every segment request looks one up, and a hit saves a query. Misses are not
    remembered (the environment may be created later, by any process). Bounded: cleared
    when it grows past ``limit`` entries.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._entries: dict[tuple[str, str], Environment] = {}

    def get(self, project_key: str, key: str) -> Environment | None:
        return self._entries.get((project_key, key))

    def put(self, environment: Environment) -> None:
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[(environment.project_key, environment.key)] = environment


class SqlEnvironmentRepository(Repository):
    _columns = (schema.environments, schema.projects.c.key.label("project_key"))

    def __init__(self, connection: Connection, cache: EnvironmentCache | None = None) -> None:
        super().__init__(connection)
        # Rows read in a transaction that adds environments may yet be rolled back: not cached.
        self._cache = cache

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
                    )
                )
        except sa.exc.IntegrityError:
            raise KeyExists(f"Duplicate environment key {environment.key!r}") from None

    def get(self, *, project_key: str, key: str) -> Environment | None:
        if self._cache is not None and (hit := self._cache.get(project_key, key)) is not None:
            return hit
        row = self.connection.execute(
            _SELECT_ENVIRONMENT, {"b_project_key": project_key, "b_key": key}
        ).first()
        if row is None:
            return None
        environment = environment_from_row(row, project_key)
        if self._cache is not None:
            self._cache.put(environment)
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
