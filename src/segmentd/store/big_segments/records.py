"""Rows of big-segment imports and exports (the job records, not the membership)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.domain.big_segments.model import (
    ACTIVE_IMPORT_STATUSES,
    ExportRecord,
    ImportMode,
    ImportRecord,
    ImportStatus,
)
from segmentd.errors import ImportInProgress
from segmentd.store import schema
from segmentd.store.big_segments.segment_ids import live_segment_id

big_segment_imports = schema.big_segment_imports
big_segment_exports = schema.big_segment_exports


class SqlBigSegmentRecordRepository:
    """The records of big-segment imports and exports, in the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_import(self, record: ImportRecord) -> None:
        """Store a new active import; ``ImportInProgress`` if the environment has one."""
        segment_id = live_segment_id(
            self.connection, environment_id=record.environment_id, key=record.segment_key
        )
        try:
            with self.connection.begin_nested():
                self.connection.execute(
                    big_segment_imports.insert().values(
                        id=record.id,
                        environment_id=record.environment_id,
                        segment_id=segment_id,
                        segment_key=record.segment_key,
                        mode=record.mode.value,
                        status=record.status.value,
                        creation_time=record.creation_time,
                        finished_time=None,
                        file_name=record.file_name,
                        size_bytes=record.size_bytes,
                        rows=0,
                        keys_added=0,
                        error=None,
                        active_environment=record.environment_id,
                    )
                )
        except sa.exc.IntegrityError:
            raise ImportInProgress(
                "An import is already in progress in this environment; try again when it ends"
            ) from None

    def get_import(self, import_id: str) -> ImportRecord | None:
        row = self.connection.execute(
            sa.select(big_segment_imports).where(big_segment_imports.c.id == import_id)
        ).first()
        return None if row is None else _import(row._mapping)

    def import_in_progress(self, *, environment_id: str, key: str) -> bool:
        row = self.connection.execute(
            sa.select(big_segment_imports.c.id).where(
                big_segment_imports.c.active_environment == environment_id,
                big_segment_imports.c.segment_key == key,
            )
        ).first()
        return row is not None

    def update_import(self, record: ImportRecord) -> None:
        active = record.status in ACTIVE_IMPORT_STATUSES
        self.connection.execute(
            big_segment_imports.update()
            .where(big_segment_imports.c.id == record.id)
            .values(
                status=record.status.value,
                rows=record.rows,
                keys_added=record.keys_added,
                finished_time=record.finished_time,
                error=record.error,
                active_environment=record.environment_id if active else None,
            )
        )

    def active_imports(self) -> list[ImportRecord]:
        rows = self.connection.execute(
            sa.select(big_segment_imports).where(
                big_segment_imports.c.active_environment.is_not(None)
            )
        )
        return [_import(r._mapping) for r in rows]

    # ------------------------------------------------------------ exports

    def add_export(self, record: ExportRecord) -> None:
        segment_id = live_segment_id(
            self.connection, environment_id=record.environment_id, key=record.segment_key
        )
        self.connection.execute(
            big_segment_exports.insert().values(
                id=record.id,
                environment_id=record.environment_id,
                segment_id=segment_id,
                segment_key=record.segment_key,
                status=record.status,
                creation_time=record.creation_time,
                size_bytes=record.size_bytes,
                initiator_name=record.initiator_name,
                error=record.error,
            )
        )

    def get_export(self, export_id: str) -> ExportRecord | None:
        row = self.connection.execute(
            sa.select(big_segment_exports).where(big_segment_exports.c.id == export_id)
        ).first()
        if row is None:
            return None
        m = row._mapping
        return ExportRecord(
            id=m["id"],
            environment_id=m["environment_id"],
            segment_key=m["segment_key"],
            status=m["status"],
            creation_time=m["creation_time"],
            size_bytes=m["size_bytes"],
            initiator_name=m["initiator_name"],
            error=m["error"],
        )

    def update_export(self, record: ExportRecord) -> None:
        self.connection.execute(
            big_segment_exports.update()
            .where(big_segment_exports.c.id == record.id)
            .values(status=record.status, size_bytes=record.size_bytes, error=record.error)
        )


def _import(m: Any) -> ImportRecord:
    return ImportRecord(
        id=m["id"],
        environment_id=m["environment_id"],
        segment_key=m["segment_key"],
        mode=ImportMode(m["mode"]),
        status=ImportStatus(m["status"]),
        creation_time=m["creation_time"],
        file_name=m["file_name"],
        size_bytes=m["size_bytes"],
        rows=m["rows"],
        keys_added=m["keys_added"],
        finished_time=m["finished_time"],
        error=m["error"],
    )
