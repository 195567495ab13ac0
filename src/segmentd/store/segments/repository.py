"""Segments and the unit of work over SQLAlchemy Core, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from segmentd.domain.segments import codec
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.query import SegmentQuery
from segmentd.errors import KeyExists, OptimisticLockError
from segmentd.services.ports import Page
from segmentd.store import schema
from segmentd.store.driver import Prepared
from segmentd.store.projects.repository import (
    Repository,
    dumps,
    tags_from_json,
)
from segmentd.store.segments.listing import list_statements


def segment_from_row(row: Row[tuple[object, ...]]) -> Segment:
    """Rebuild a domain segment from its row (the targeting column holds codec JSON)."""
    return segment_from_mapping(row._mapping)


def segment_from_mapping(m: Mapping[Any, Any]) -> Segment:
    """:func:`segment_from_row` for a row as a mapping of column keys."""
    targeting = orjson.loads(m["targeting"])
    targeting["key"] = m["key"]
    base = codec.segment_from_json(targeting)
    return Segment(
        key=m["key"],
        name=m["name"],
        description=m["description"],
        tags=tags_from_json(m["tags"]),
        creation_date=m["creation_date"],
        last_modified_date=m["last_modified_date"],
        version=m["version"],
        salt=m["salt"],
        included=base.included,
        excluded=base.excluded,
        included_contexts=base.included_contexts,
        excluded_contexts=base.excluded_contexts,
        rules=base.rules,
        unbounded=m["unbounded"],
        unbounded_context_kind=m["unbounded_context_kind"],
        generation=m["generation"],
        deleted=m["deleted"],
    )


def segment_values(segment: Segment) -> dict[str, object]:
    """The column values of a segment row (all but the ids)."""
    return {
        "key": segment.key,
        "name": segment.name,
        "description": segment.description,
        "tags": dumps(segment.tags),
        "creation_date": segment.creation_date,
        "last_modified_date": segment.last_modified_date,
        "version": segment.version,
        "salt": segment.salt,
        "unbounded": segment.unbounded,
        "unbounded_context_kind": segment.unbounded_context_kind,
        "generation": segment.generation,
        "deleted": segment.deleted,
        "targeting": dumps(codec.targeting_to_json(segment)),
    }


# Statements of the hot paths, built once: constructing and cache-keying a statement per
# call costs more than executing it. Values travel as parameter dicts.
segments = schema.segments
_WHERE_LIVE_KEY = (
    segments.c.environment_id == sa.bindparam("b_environment_id"),
    segments.c.key == sa.bindparam("b_key"),
    segments.c.deleted.is_(False),
)
SELECT_SEGMENT_ROW = sa.select(segments.c.id, segments.c.version, segments.c.deleted).where(
    segments.c.environment_id == sa.bindparam("b_environment_id"),
    segments.c.key == sa.bindparam("b_key"),
)
SELECT_LIVE_SEGMENT = Prepared(sa.select(segments).where(*_WHERE_LIVE_KEY))
SELECT_LIVE_SEGMENT_FOR_UPDATE = Prepared(
    sa.select(segments).where(*_WHERE_LIVE_KEY).with_for_update()
)


def _insert_new(insert: Callable[[sa.Table], Any]) -> Prepared:
    # Every column but the id bound; a taken key inserts nothing (and returns no id).
    return Prepared(
        insert(segments)
        .values({c.key: sa.bindparam(c.key) for c in segments.c if c.key != "id"})
        .on_conflict_do_nothing()
        .returning(segments.c.id)
    )


# The create's writes at the driver level (store/driver.py), by dialect: ON CONFLICT is
# spelled the same on both, but each dialect has its own construct for it.
INSERT_SEGMENT = {
    "sqlite": _insert_new(sqlite.insert),
    "postgresql": _insert_new(postgresql.insert),
}
REVIVE_SEGMENT = segments.update().where(
    segments.c.id == sa.bindparam("b_id"),
    segments.c.deleted.is_(True),
    segments.c.version == sa.bindparam("b_version"),
)
UPDATE_SEGMENT = Prepared(
    segments.update()
    .where(*_WHERE_LIVE_KEY, segments.c.version == sa.bindparam("b_version"))
    .values(
        {c.key: sa.bindparam(c.key) for c in segments.c if c.key not in ("id", "environment_id")}
    )
    .returning(segments.c.id)
)
DELETE_SEGMENT = (
    segments.update()
    .where(*_WHERE_LIVE_KEY, segments.c.version == sa.bindparam("b_version"))
    .values(deleted=True, version=sa.bindparam("b_version") + 1)
    .returning(segments.c.id)
)
INSERT_TAG = Prepared(
    schema.segment_tags.insert().values(
        segment_id=sa.bindparam("segment_id"), tag=sa.bindparam("tag")
    )
)
DELETE_TAGS = Prepared(
    schema.segment_tags.delete().where(
        schema.segment_tags.c.segment_id == sa.bindparam("b_segment_id")
    )
)
DELETE_EXPIRING_TARGETS = schema.segment_expiring_targets.delete().where(
    schema.segment_expiring_targets.c.segment_id == sa.bindparam("b_segment_id")
)


class SqlSegmentRepository(Repository):
    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        # Tags of the rows this transaction read: an update that keeps them skips the rewrite.
        self._tags_seen: dict[tuple[str, str], tuple[str, ...]] = {}

    def add(self, *, environment_id: str, segment: Segment) -> Segment:
        # Insert first: a new key (the usual case) costs one statement, not a look-up too.
        # No savepoint: nothing catches the KeyExists, so the unit of work rolls back anyway.
        params = segment_values(segment)
        params["environment_id"] = environment_id
        try:
            inserted = INSERT_SEGMENT[self.connection.dialect.name].rows(self.connection, params)
        except sa.exc.IntegrityError:
            raise KeyExists("Duplicate segment key") from None
        if inserted:
            self._write_tags(inserted[0][0], segment.tags, replace=False)
            return segment
        # The key is taken, by a live segment or by a deleted one's tombstone.
        existing = self.connection.execute(
            SELECT_SEGMENT_ROW, {"b_environment_id": environment_id, "b_key": segment.key}
        ).first()
        if existing is None or not existing.deleted:
            raise KeyExists("Duplicate segment key")
        # Recreating a deleted key: continue above the tombstone's version.
        stored = replace(segment, version=existing.version + 1)
        params = segment_values(stored)
        params.update(b_id=existing.id, b_version=existing.version)
        result = self.connection.execute(REVIVE_SEGMENT, params)
        if result.rowcount != 1:
            raise KeyExists("Duplicate segment key")
        self._write_tags(existing.id, stored.tags, replace=True)
        return stored

    def _write_tags(self, segment_id: int, tags: tuple[str, ...], *, replace: bool) -> None:
        self._tags_seen.clear()  # whatever this transaction read is no longer known to hold
        if replace:
            DELETE_TAGS.execute(self.connection, {"b_segment_id": segment_id})
        if len(tags) == 1:
            INSERT_TAG.execute(self.connection, {"segment_id": segment_id, "tag": tags[0]})
        elif tags:
            INSERT_TAG.execute_many(
                self.connection, [{"segment_id": segment_id, "tag": tag} for tag in tags]
            )

    def get(self, *, environment_id: str, key: str, lock: bool = False) -> Segment | None:
        # SQLite ignores FOR UPDATE: BEGIN IMMEDIATE already locks.
        statement = SELECT_LIVE_SEGMENT_FOR_UPDATE if lock else SELECT_LIVE_SEGMENT
        rows = statement.mappings(
            self.connection, {"b_environment_id": environment_id, "b_key": key}
        )
        if not rows:
            return None
        segment = segment_from_mapping(rows[0])
        self._tags_seen[(environment_id, key)] = segment.tags
        return segment

    def list(self, *, environment_id: str, query: SegmentQuery) -> Page[Segment]:
        page, count = list_statements(environment_id, query, dialect=self.connection.dialect.name)
        rows = self.connection.execute(page).all()
        if len(rows) < query.limit and (rows or query.offset == 0):
            total = query.offset + len(rows)  # the last page: no need to count
        else:
            total = self._count(count)
        return Page(tuple(segment_from_row(r) for r in rows), total)

    def update(self, *, environment_id: str, segment: Segment, expected_version: int) -> None:
        params = segment_values(segment)
        params.update(
            b_environment_id=environment_id, b_key=segment.key, b_version=expected_version
        )
        rows = UPDATE_SEGMENT.rows(self.connection, params)
        if not rows:
            raise OptimisticLockError()
        if self._tags_seen.get((environment_id, segment.key)) != segment.tags:
            self._write_tags(rows[0][0], segment.tags, replace=True)
            self._tags_seen[(environment_id, segment.key)] = segment.tags

    def delete(self, *, environment_id: str, key: str, expected_version: int) -> int:
        row = self.connection.execute(
            DELETE_SEGMENT,
            {"b_environment_id": environment_id, "b_key": key, "b_version": expected_version},
        ).first()
        if row is None:
            raise OptimisticLockError()
        self._write_tags(row.id, (), replace=True)
        self.connection.execute(DELETE_EXPIRING_TARGETS, {"b_segment_id": row.id})
        return expected_version + 1

    def live_versions(self, *, environment_id: str) -> dict[str, int]:
        rows = self.connection.execute(
            sa.select(segments.c.key, segments.c.version).where(
                segments.c.environment_id == environment_id, segments.c.deleted.is_(False)
            )
        )
        return {key: version for key, version in rows}  # noqa: C416 (Row, not tuple)

    def get_many(self, *, environment_id: str, keys: Collection[str]) -> tuple[Segment, ...]:
        found: list[Segment] = []
        ordered = sorted(keys)
        for start in range(0, len(ordered), 500):  # stay under bound-parameter limits
            rows = self.connection.execute(
                sa.select(segments).where(
                    segments.c.environment_id == environment_id,
                    segments.c.deleted.is_(False),
                    segments.c.key.in_(ordered[start : start + 500]),
                )
            )
            found.extend(segment_from_row(row) for row in rows)
        return tuple(found)
