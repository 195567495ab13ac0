"""Big-segment membership and its counts in SQL (SQLite and PostgreSQL); the import and
export records are :mod:`segmentd.store.big_segments.records`.

Bulk writes take each dialect's fastest path: ``INSERT OR IGNORE … SELECT … FROM
json_each(?)`` on SQLite (50,000 keys per statement, expanded in C) and ``COPY`` into a
temporary table followed by one ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.domain.big_segments.model import Membership, MembershipCounts
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import Segment
from segmentd.store import schema
from segmentd.store.big_segments.segment_ids import live_segment_id
from segmentd.store.driver import Prepared
from segmentd.store.projects.repository import environment_from_row

big_segment_targets = schema.big_segment_targets
big_segment_state = schema.big_segment_state
segments = schema.segments

_KEY_PAGE = 50_000

#: Written once as text: building the equivalent expression per request costs more than
#: running it. Both EXISTS probes are primary-key lookups.
_LOOKUP = Prepared(
    sa.text(
        """
    SELECT s.unbounded AS unbounded, s.creation_date AS creation_date,
           st.segment_created AS segment_created,
           EXISTS (SELECT 1 FROM big_segment_targets t
                   WHERE t.segment_id = s.id AND t.generation = s.generation
                     AND t.context_key = :k AND t.excluded = :no) AS inc,
           EXISTS (SELECT 1 FROM big_segment_targets t
                   WHERE t.segment_id = s.id AND t.generation = s.generation
                     AND t.context_key = :k AND t.excluded = :yes) AS exc
    FROM segments s
    JOIN environments e ON e.id = s.environment_id
    JOIN projects p ON p.id = e.project_id
    LEFT JOIN big_segment_state st ON st.segment_id = s.id
    WHERE p.key = :p AND e.key = :e AND s.key = :s AND s.deleted = :no
    """
    ).bindparams(sa.bindparam("no", False), sa.bindparam("yes", True))
)


class SqlBigSegmentRepository:
    """Big-segment membership by generation and its counts, in the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._postgres = connection.dialect.name == "postgresql"

    def _segment_id(self, environment_id: str, key: str) -> int:
        return live_segment_id(self.connection, environment_id=environment_id, key=key)

    # ------------------------------------------------------------ counts

    def counts(self, *, environment_id: str, segment: Segment) -> MembershipCounts:
        """The stored counts; a missing or stale state row (a recreated key) reads as empty."""
        row = self.connection.execute(
            sa.select(
                big_segment_state.c.included_count,
                big_segment_state.c.excluded_count,
                big_segment_state.c.segment_created,
            )
            .join(segments, segments.c.id == big_segment_state.c.segment_id)
            .where(
                segments.c.environment_id == environment_id,
                segments.c.key == segment.key,
                segments.c.deleted.is_(False),
            )
        ).first()
        if row is None or row.segment_created != segment.creation_date:
            return MembershipCounts()
        return MembershipCounts(int(row.included_count), int(row.excluded_count))

    def prepare(self, *, environment_id: str, segment: Segment) -> bool:
        """Make sure the state row belongs to this incarnation of the segment.

        Returns ``True`` when membership rows of an earlier segment with the same key were
        found and dropped (the caller then knows external copies are stale too).
        """
        segment_id = self._segment_id(environment_id, segment.key)
        row = self.connection.execute(
            sa.select(big_segment_state.c.segment_created).where(
                big_segment_state.c.segment_id == segment_id
            )
        ).first()
        if row is not None and row.segment_created == segment.creation_date:
            return False
        stale = self.connection.execute(
            big_segment_targets.delete().where(big_segment_targets.c.segment_id == segment_id)
        ).rowcount
        self.connection.execute(
            big_segment_state.delete().where(big_segment_state.c.segment_id == segment_id)
        )
        self.connection.execute(
            big_segment_state.insert().values(
                segment_id=segment_id,
                segment_created=segment.creation_date,
                included_count=0,
                excluded_count=0,
            )
        )
        return bool(stale) or row is not None

    def set_counts(self, *, environment_id: str, key: str, counts: MembershipCounts) -> None:
        segment_id = self._segment_id(environment_id, key)
        self.connection.execute(
            big_segment_state.update()
            .where(big_segment_state.c.segment_id == segment_id)
            .values(included_count=counts.included, excluded_count=counts.excluded)
        )

    # ------------------------------------------------------------ membership

    def membership(self, *, environment_id: str, segment: Segment, context_key: str) -> Membership:
        """One key's membership in the segment's current generation (a PK range lookup)."""
        rows = self.connection.execute(
            sa.select(big_segment_targets.c.excluded)
            .join(segments, segments.c.id == big_segment_targets.c.segment_id)
            .join(big_segment_state, big_segment_state.c.segment_id == segments.c.id)
            .where(
                segments.c.environment_id == environment_id,
                segments.c.key == segment.key,
                segments.c.deleted.is_(False),
                big_segment_state.c.segment_created == segment.creation_date,
                big_segment_targets.c.generation == segments.c.generation,
                big_segment_targets.c.context_key == context_key,
            )
        ).all()
        flags = {bool(r.excluded) for r in rows}
        return Membership(included=False in flags, excluded=True in flags)

    def memberships_of_key(self, *, environment_id: str, context_key: str) -> dict[str, bool]:
        """Every big segment of the environment that lists ``context_key``, as LaunchDarkly's
        ``<segment key>.g<generation>`` refs: ``True`` included (wins), ``False`` excluded."""
        rows = self.connection.execute(
            sa.select(segments.c.key, segments.c.generation, big_segment_targets.c.excluded)
            .join(segments, segments.c.id == big_segment_targets.c.segment_id)
            .join(big_segment_state, big_segment_state.c.segment_id == segments.c.id)
            .where(
                segments.c.environment_id == environment_id,
                segments.c.deleted.is_(False),
                segments.c.unbounded.is_(True),
                big_segment_state.c.segment_created == segments.c.creation_date,
                big_segment_targets.c.generation == segments.c.generation,
                big_segment_targets.c.context_key == context_key,
            )
        ).all()
        found: dict[str, bool] = {}
        for row in rows:
            ref = f"{row.key}.g{row.generation}"
            found[ref] = found.get(ref, False) or not row.excluded
        return found

    def lookup(
        self, *, project_key: str, environment_key: str, key: str, context_key: str
    ) -> tuple[bool, Membership] | None:
        """The hot path of ``GET …/contexts/{key}``: one indexed query from the path's keys
        to (is big segment, membership). ``None`` when the segment does not exist."""
        rows = _LOOKUP.rows(
            self.connection, {"p": project_key, "e": environment_key, "s": key, "k": context_key}
        )
        if not rows:
            return None
        unbounded, creation_date, segment_created, inc, exc = rows[0]
        if segment_created != creation_date:
            return bool(unbounded), Membership(False, False)
        return bool(unbounded), Membership(bool(inc), bool(exc))

    def add(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Iterable[str],
        excluded: bool,
    ) -> int:
        """Add keys to one list of one generation; returns how many were not there yet."""
        segment_id = self._segment_id(environment_id, key)
        if self._postgres:
            return self._copy_in(segment_id, generation, keys, excluded)
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        added = 0
        try:
            # One statement per 50,000 keys, expanded by SQLite's json_each in C: about
            # three times faster than executemany's per-row parameter binding.
            for batch in _batches(keys, _KEY_PAGE):
                cursor.execute(
                    "INSERT OR IGNORE INTO big_segment_targets "
                    "(segment_id, generation, context_key, excluded) "
                    "SELECT ?, ?, value, ? FROM json_each(?)",
                    (segment_id, generation, excluded, orjson.dumps(batch).decode()),
                )
                added += int(cursor.rowcount)
            return added
        finally:
            cursor.close()

    def _copy_in(
        self, segment_id: int, generation: int, keys: Iterable[str], excluded: bool
    ) -> int:
        raw: Any = self.connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS big_segment_incoming "
                "(context_key varchar(256)) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE big_segment_incoming")
            with cursor.copy("COPY big_segment_incoming (context_key) FROM STDIN") as copy:
                # COPY text format, 50,000 lines per write. Stored keys never contain
                # control characters (checked before they get here), so a backslash is
                # the only character to escape.
                for batch in _batches(keys, _KEY_PAGE):
                    text = "\n".join(batch).replace("\\", "\\\\") + "\n"
                    copy.write(text.encode())
            # Statistics for the planner: a temporary table has none, and is taken for small.
            cursor.execute("ANALYZE big_segment_incoming")
            # One set-based statement: de-duplicate, skip keys already listed (anti-join on
            # the primary key), then a plain insert in key order. Cheaper than per-row
            # ON CONFLICT checks for a million keys; the order makes the primary key's b-tree
            # grow at its right edge instead of splitting pages all over it (1,000,000 keys:
            # 6.0 s instead of 20.4 s, docs/performance.md).
            cursor.execute(
                "INSERT INTO big_segment_targets (segment_id, generation, context_key, excluded) "
                "SELECT %(s)s, %(g)s, i.context_key, %(x)s "
                "FROM (SELECT DISTINCT context_key FROM big_segment_incoming) AS i "
                "WHERE NOT EXISTS (SELECT 1 FROM big_segment_targets t "
                "WHERE t.segment_id = %(s)s AND t.generation = %(g)s "
                "AND t.context_key = i.context_key AND t.excluded = %(x)s) "
                "ORDER BY i.context_key",
                {"s": segment_id, "g": generation, "x": excluded},
            )
            return int(cursor.rowcount)

    def remove(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Sequence[str],
        excluded: bool,
    ) -> int:
        """Remove keys from one list of one generation; returns how many were there."""
        if not keys:
            return 0
        segment_id = self._segment_id(environment_id, key)
        result = self.connection.execute(
            big_segment_targets.delete().where(
                big_segment_targets.c.segment_id == segment_id,
                big_segment_targets.c.generation == generation,
                big_segment_targets.c.excluded.is_(excluded),
                big_segment_targets.c.context_key.in_(list(keys)),
            )
        )
        return int(result.rowcount)

    def present(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Sequence[str],
        excluded: bool,
    ) -> set[str]:
        """Which of ``keys`` (a request's worth, at most a few thousand) are in one list."""
        if not keys:
            return set()
        segment_id = self._segment_id(environment_id, key)
        rows = self.connection.execute(
            sa.select(big_segment_targets.c.context_key).where(
                big_segment_targets.c.segment_id == segment_id,
                big_segment_targets.c.generation == generation,
                big_segment_targets.c.excluded.is_(excluded),
                big_segment_targets.c.context_key.in_(list(keys)),
            )
        )
        return set(rows.scalars())

    def copy_list(
        self, *, environment_id: str, key: str, generation: int, to_generation: int, excluded: bool
    ) -> int:
        """Copy one list of a generation into another (a replace keeps the excluded list)."""
        segment_id = self._segment_id(environment_id, key)
        result = self.connection.execute(
            big_segment_targets.insert().from_select(
                ["segment_id", "generation", "context_key", "excluded"],
                sa.select(
                    big_segment_targets.c.segment_id,
                    sa.literal(to_generation, sa.Integer),
                    big_segment_targets.c.context_key,
                    big_segment_targets.c.excluded,
                ).where(
                    big_segment_targets.c.segment_id == segment_id,
                    big_segment_targets.c.generation == generation,
                    big_segment_targets.c.excluded.is_(excluded),
                ),
            )
        )
        return int(result.rowcount)

    def count(self, *, environment_id: str, key: str, generation: int, excluded: bool) -> int:
        """Count one list (used once per import/replace, never per GET)."""
        segment_id = self._segment_id(environment_id, key)
        value = self.connection.execute(
            sa.select(sa.func.count()).where(
                big_segment_targets.c.segment_id == segment_id,
                big_segment_targets.c.generation == generation,
                big_segment_targets.c.excluded.is_(excluded),
            )
        ).scalar_one()
        return int(value)

    def iter_keys(
        self, *, environment_id: str, key: str, generation: int, excluded: bool
    ) -> Iterator[list[str]]:
        """One list's keys in pages of 50,000, in key order (keyset pagination on the PK)."""
        segment_id = self._segment_id(environment_id, key)
        last: str | None = None
        while True:
            query = (
                sa.select(big_segment_targets.c.context_key)
                .where(
                    big_segment_targets.c.segment_id == segment_id,
                    big_segment_targets.c.generation == generation,
                    big_segment_targets.c.excluded.is_(excluded),
                )
                .order_by(big_segment_targets.c.context_key)
                .limit(_KEY_PAGE)
            )
            if last is not None:
                query = query.where(big_segment_targets.c.context_key > last)
            page = list(self.connection.execute(query).scalars())
            if not page:
                return
            yield page
            last = page[-1]

    def drop_generations(self, *, environment_id: str, key: str, except_generation: int) -> int:
        """Delete every membership row of the segment outside ``except_generation``."""
        segment_id = self._segment_id(environment_id, key)
        result = self.connection.execute(
            big_segment_targets.delete().where(
                big_segment_targets.c.segment_id == segment_id,
                big_segment_targets.c.generation != except_generation,
            )
        )
        return int(result.rowcount)

    def big_segments(self, *, environment_id: str) -> list[tuple[str, int]]:
        """(key, generation) of every live big segment of an environment."""
        rows = self.connection.execute(
            sa.select(segments.c.key, segments.c.generation).where(
                segments.c.environment_id == environment_id,
                segments.c.deleted.is_(False),
                segments.c.unbounded.is_(True),
            )
        ).all()
        return [(r.key, int(r.generation or 1)) for r in rows]

    def environments_with_big_segments(self) -> list[str]:
        rows = self.connection.execute(
            sa.select(segments.c.environment_id)
            .where(segments.c.unbounded.is_(True), segments.c.deleted.is_(False))
            .distinct()
        ).all()
        return [r.environment_id for r in rows]

    def environment(self, environment_id: str) -> Environment | None:
        """An environment by id (jobs and the sync loop only know ids)."""
        row = self.connection.execute(
            sa.select(schema.environments, schema.projects.c.key.label("project_key"))
            .join(schema.projects, schema.projects.c.id == schema.environments.c.project_id)
            .where(schema.environments.c.id == environment_id)
        ).first()
        return None if row is None else environment_from_row(row, row._mapping["project_key"])


def _batches(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
