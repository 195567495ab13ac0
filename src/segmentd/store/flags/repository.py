"""Flag repository over SQLAlchemy Core (SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.domain.flags.codec import (
    config_from_json,
    config_to_json,
    variation_to_json,
    variations_from_json,
)
from segmentd.domain.flags.model import (
    ClientSideAvailability,
    Flag,
    FlagConfig,
    VariationOrRollout,
)
from segmentd.domain.flags.settings import (
    FlagDefaults,
    settings_to_json,
    stored_settings_from_json,
)
from segmentd.domain.projects.model import Project
from segmentd.errors import KeyExists, OptimisticLockError
from segmentd.services.flags.ports import FlagListing
from segmentd.services.ports import Page
from segmentd.store import schema
from segmentd.store.driver import Prepared

flags = schema.flags
flag_configs = schema.flag_configs
flag_segment_refs = schema.flag_segment_refs
environments = schema.environments

#: Built once (building and caching a statement costs more than running it): the flags
#: whose rules in an environment reference a segment (``_flags`` of a segment GET).
FLAGS_REFERENCING_SEGMENT = Prepared(
    sa.select(flags.c.key, flags.c.name)
    .join(flag_configs, flag_configs.c.flag_id == flags.c.id)
    .join(flag_segment_refs, flag_segment_refs.c.config_id == flag_configs.c.id)
    .where(
        flag_configs.c.environment_id == sa.bindparam("b_environment_id"),
        flag_segment_refs.c.segment_key == sa.bindparam("b_segment_key"),
        flag_configs.c.deleted.is_(False),
        flags.c.deleted.is_(False),
    )
    .order_by(flags.c.key)
)


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def _flag(m: Any, configs: dict[str, FlagConfig]) -> Flag:
    variations = variations_from_json(orjson.loads(m["variations"]))
    return Flag(
        key=m["key"],
        name=m["name"],
        description=m["description"],
        tags=tuple(orjson.loads(m["tags"])),
        variations=variations,
        temporary=m["temporary"],
        creation_date=m["creation_date"],
        version=m["version"],
        environments=configs,
        client_side=client_side_from_row(m),
        settings=stored_settings_from_json(
            orjson.loads(m["settings"]), variation_count=len(variations)
        ),
    )


def client_side_from_row(m: Any) -> ClientSideAvailability:
    return ClientSideAvailability(
        using_environment_id=bool(m["using_environment_id"]),
        using_mobile_key=bool(m["using_mobile_key"]),
    )


def archived_from_row(m: Any) -> bool:
    """Whether a flag row is archived: SDK feeds leave such flags out."""
    return orjson.loads(m["settings"]).get("archived") is True


def config_from_row(m: Any) -> FlagConfig:
    stored = FlagConfig(version=m["version"], deleted=m["deleted"])
    raw = orjson.loads(m["config"])
    decoded = config_from_json(raw, defaults=stored)
    return replace(decoded, salt=raw["salt"], last_modified=raw["lastModified"])


def _flag_values(flag: Flag) -> dict[str, object]:
    return {
        "key": flag.key,
        "name": flag.name,
        "description": flag.description,
        "tags": _dumps(flag.tags),
        "variations": _dumps([variation_to_json(v) for v in flag.variations]),
        "temporary": flag.temporary,
        "creation_date": flag.creation_date,
        "version": flag.version,
        "deleted": False,
        "using_environment_id": flag.client_side.using_environment_id,
        "using_mobile_key": flag.client_side.using_mobile_key,
        "settings": _dumps(settings_to_json(flag.settings)),
    }


class SqlFlagRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------ writes

    def add(self, *, project: Project, flag: Flag) -> Flag:
        existing = self.connection.execute(
            sa.select(flags.c.id, flags.c.version, flags.c.deleted).where(
                flags.c.project_id == project.id, flags.c.key == flag.key
            )
        ).first()
        if existing is not None and not existing.deleted:
            raise KeyExists(f"Duplicate flag key {flag.key!r}")
        if existing is None:
            try:
                with self.connection.begin_nested():
                    flag_id = self.connection.execute(
                        flags.insert().values(project_id=project.id, **_flag_values(flag))
                    ).inserted_primary_key[0]  # type: ignore[index]
            except sa.exc.IntegrityError:
                raise KeyExists(f"Duplicate flag key {flag.key!r}") from None
            old: dict[str, tuple[int, int]] = {}
        else:
            flag_id = existing.id
            flag = replace(flag, version=existing.version + 1)
            updated = self.connection.execute(
                flags.update()
                .where(
                    flags.c.id == flag_id,
                    flags.c.deleted.is_(True),
                    flags.c.version == existing.version,
                )
                .values(**_flag_values(flag))
            )
            if updated.rowcount != 1:
                raise KeyExists(f"Duplicate flag key {flag.key!r}")
            rows = self.connection.execute(
                sa.select(
                    flag_configs.c.id, flag_configs.c.environment_id, flag_configs.c.version
                ).where(flag_configs.c.flag_id == flag_id)
            ).all()
            old = {r.environment_id: (r.id, r.version) for r in rows}
        configs = {}
        for environment in project.environments:
            config = flag.environments[environment.key]
            if environment.id in old:
                config_id, version = old[environment.id]
                config = replace(config, version=version + 1)
                self.connection.execute(
                    flag_configs.update()
                    .where(flag_configs.c.id == config_id)
                    .values(
                        version=config.version, deleted=False, config=_dumps(config_to_json(config))
                    )
                )
            else:
                config_id = self.connection.execute(
                    flag_configs.insert().values(
                        flag_id=flag_id,
                        environment_id=environment.id,
                        version=config.version,
                        deleted=False,
                        config=_dumps(config_to_json(config)),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            self._write_refs(config_id, config)
            configs[environment.key] = config
        return replace(flag, environments=configs)

    def _write_refs(self, config_id: int, config: FlagConfig | None) -> None:
        self.connection.execute(
            flag_segment_refs.delete().where(flag_segment_refs.c.config_id == config_id)
        )
        keys = sorted(config.segment_keys()) if config is not None else []
        if keys:
            self.connection.execute(
                flag_segment_refs.insert(),
                [{"config_id": config_id, "segment_key": k} for k in keys],
            )

    def _flag_id(self, project: Project, key: str) -> int | None:
        flag_id: int | None = self.connection.execute(
            sa.select(flags.c.id).where(
                flags.c.project_id == project.id, flags.c.key == key, flags.c.deleted.is_(False)
            )
        ).scalar()
        return flag_id

    def update(self, *, project: Project, flag: Flag, expected: Flag) -> None:
        flag_id = self._flag_id(project, expected.key)
        if flag_id is None:
            raise OptimisticLockError()
        if flag.version != expected.version:
            result = self.connection.execute(
                flags.update()
                .where(flags.c.id == flag_id, flags.c.version == expected.version)
                .values(**_flag_values(flag))
            )
            if result.rowcount != 1:
                raise OptimisticLockError()
        env_ids = {e.key: e.id for e in project.environments}
        for env_key, config in flag.environments.items():
            before = expected.environments[env_key]
            if config.version == before.version:
                continue
            row = self.connection.execute(
                flag_configs.update()
                .where(
                    flag_configs.c.flag_id == flag_id,
                    flag_configs.c.environment_id == env_ids[env_key],
                    flag_configs.c.version == before.version,
                )
                .values(version=config.version, config=_dumps(config_to_json(config)))
                .returning(flag_configs.c.id)
            ).first()
            if row is None:
                raise OptimisticLockError()
            self._write_refs(row.id, config)

    def delete(self, *, project: Project, expected: Flag) -> dict[str, int]:
        flag_id = self._flag_id(project, expected.key)
        result = self.connection.execute(
            flags.update()
            .where(flags.c.id == flag_id, flags.c.version == expected.version)
            .values(deleted=True, version=expected.version + 1)
        )
        if flag_id is None or result.rowcount != 1:
            raise OptimisticLockError()
        tombstones = {}
        for environment in project.environments:
            before = expected.environments[environment.key]
            row = self.connection.execute(
                flag_configs.update()
                .where(
                    flag_configs.c.flag_id == flag_id,
                    flag_configs.c.environment_id == environment.id,
                    flag_configs.c.version == before.version,
                )
                .values(deleted=True, version=before.version + 1)
                .returning(flag_configs.c.id)
            ).first()
            if row is None:
                raise OptimisticLockError()
            self._write_refs(row.id, None)
            tombstones[environment.id] = before.version + 1
        return tombstones

    def add_environment(self, *, project_id: str, environment_id: str, now: int) -> None:
        rows = self.connection.execute(
            sa.select(flags.c.id, flags.c.variations, flags.c.settings).where(
                flags.c.project_id == project_id, flags.c.deleted.is_(False)
            )
        ).all()
        for row in rows:
            count = len(orjson.loads(row.variations))
            # the flag's defaults, as LaunchDarkly seeds a new environment; older flags have none
            defaults = stored_settings_from_json(
                orjson.loads(row.settings), variation_count=count
            ).defaults or FlagDefaults(on_variation=0, off_variation=count - 1)
            config = FlagConfig(
                salt=secrets.token_hex(16),
                last_modified=now,
                fallthrough=VariationOrRollout(variation=defaults.on_variation),
                off_variation=defaults.off_variation,
            )
            self.connection.execute(
                flag_configs.insert().values(
                    flag_id=row.id,
                    environment_id=environment_id,
                    version=1,
                    deleted=False,
                    config=_dumps(config_to_json(config)),
                )
            )

    # ------------------------------------------------------------ reads

    def _configs(self, flag_ids: Sequence[int]) -> dict[int, dict[str, FlagConfig]]:
        out: dict[int, dict[str, FlagConfig]] = {i: {} for i in flag_ids}
        if not flag_ids:
            return out
        rows = self.connection.execute(
            sa.select(flag_configs, environments.c.key.label("environment_key"))
            .join(environments, environments.c.id == flag_configs.c.environment_id)
            .where(flag_configs.c.flag_id.in_(flag_ids))
            .order_by(environments.c.creation_date, environments.c.key)
        ).all()
        for row in rows:
            out[row.flag_id][row.environment_key] = config_from_row(row._mapping)
        return out

    def get(self, *, project: Project, key: str) -> Flag | None:
        row = self.connection.execute(
            sa.select(flags).where(
                flags.c.project_id == project.id, flags.c.key == key, flags.c.deleted.is_(False)
            )
        ).first()
        if row is None:
            return None
        return _flag(row._mapping, self._configs([row.id])[row.id])

    def list(self, *, project: Project, limit: int, offset: int) -> Page[Flag]:
        where = sa.and_(flags.c.project_id == project.id, flags.c.deleted.is_(False))
        rows = self.connection.execute(
            sa.select(flags)
            .where(where)
            .order_by(flags.c.creation_date, flags.c.key)
            .limit(limit)
            .offset(offset)
        ).all()
        configs = self._configs([r.id for r in rows])
        total: int = self.connection.execute(
            sa.select(sa.func.count()).select_from(flags).where(where)
        ).scalar_one()
        return Page(tuple(_flag(r._mapping, configs[r.id]) for r in rows), total)

    def referencing_segment(
        self, *, environment_id: str, segment_key: str
    ) -> tuple[FlagListing, ...]:
        rows = FLAGS_REFERENCING_SEGMENT.rows(
            self.connection, {"b_environment_id": environment_id, "b_segment_key": segment_key}
        )
        return tuple(FlagListing(key=key, name=name) for key, name in rows)

    def for_environment(self, *, environment_id: str, key: str) -> tuple[Flag, FlagConfig] | None:
        project_id = (
            sa.select(environments.c.project_id)
            .where(environments.c.id == environment_id)
            .scalar_subquery()
        )
        row = self.connection.execute(
            sa.select(
                flags,
                flag_configs.c.version.label("config_version"),
                flag_configs.c.deleted.label("config_deleted"),
                flag_configs.c.config,
            )
            .join(flag_configs, flag_configs.c.flag_id == flags.c.id)
            .where(
                flags.c.project_id == project_id,
                flags.c.key == key,
                flag_configs.c.environment_id == environment_id,
            )
        ).first()
        if row is None:
            return None
        m = row._mapping
        config = config_from_row(
            {**m, "version": m["config_version"], "deleted": m["config_deleted"]}
        )
        return _flag(m, {}), config

    def live_in_environment(self, *, environment_id: str) -> tuple[tuple[Flag, FlagConfig], ...]:
        rows = self.connection.execute(
            sa.select(
                flags,
                flag_configs.c.version.label("config_version"),
                flag_configs.c.deleted.label("config_deleted"),
                flag_configs.c.config,
            )
            .join(flag_configs, flag_configs.c.flag_id == flags.c.id)
            .where(
                flag_configs.c.environment_id == environment_id,
                flag_configs.c.deleted.is_(False),
                flags.c.deleted.is_(False),
            )
            .order_by(flags.c.key)
        ).all()
        out = []
        for row in rows:
            m = row._mapping
            if archived_from_row(m):
                continue  # client-side SDKs get an archived flag's fallback value
            config = config_from_row({**m, "version": m["config_version"], "deleted": False})
            out.append((_flag(m, {}), config))
        return tuple(out)
