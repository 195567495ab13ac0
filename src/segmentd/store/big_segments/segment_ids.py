"""The row id of a live segment, by which big-segment membership and job records refer to it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.errors import NotFound
from segmentd.store import schema

segments = schema.segments


def live_segment_id(connection: Connection, *, environment_id: str, key: str) -> int:
    """The id of the segment ``key`` that is not deleted; ``NotFound`` when there is none.

    Membership rows and import/export records point at the segment row (not its key), so a
    segment deleted and created again under the same key never inherits them.
    """
    row = connection.execute(
        sa.select(segments.c.id).where(
            segments.c.environment_id == environment_id,
            segments.c.key == key,
            segments.c.deleted.is_(False),
        )
    ).first()
    if row is None:
        raise NotFound(f"Unknown segment {key!r}")
    return int(row.id)
