"""Expiring targets of segments (``services.ports.ExpiringTargetRepository``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.domain.expiring.targets import ExpiringTarget
from segmentd.store import schema

segment_expiring_targets = schema.segment_expiring_targets
segments = schema.segments


class SqlExpiringTargetRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _segment_id(self, environment_id: str, segment_key: str) -> int | None:
        segment_id: int | None = self.connection.execute(
            sa.select(segments.c.id).where(
                segments.c.environment_id == environment_id,
                segments.c.key == segment_key,
                segments.c.deleted.is_(False),
            )
        ).scalar_one_or_none()
        return segment_id

    def list(self, *, environment_id: str, segment_key: str) -> tuple[ExpiringTarget, ...]:
        segment_id = self._segment_id(environment_id, segment_key)
        if segment_id is None:
            return ()
        rows = self.connection.execute(
            sa.select(segment_expiring_targets)
            .where(segment_expiring_targets.c.segment_id == segment_id)
            .order_by(
                segment_expiring_targets.c.expiration_date,
                segment_expiring_targets.c.target_type,
                segment_expiring_targets.c.context_kind,
                segment_expiring_targets.c.context_key,
            )
        ).all()
        return tuple(
            ExpiringTarget(
                id=r.id,
                target_type=r.target_type,
                context_kind=r.context_kind,
                context_key=r.context_key,
                expiration_date=r.expiration_date,
                version=r.version,
            )
            for r in rows
        )

    def replace(
        self, *, environment_id: str, segment_key: str, targets: tuple[ExpiringTarget, ...]
    ) -> None:
        segment_id = self._segment_id(environment_id, segment_key)
        if segment_id is None:
            return
        self.connection.execute(
            segment_expiring_targets.delete().where(
                segment_expiring_targets.c.segment_id == segment_id
            )
        )
        if targets:
            self.connection.execute(
                segment_expiring_targets.insert(),
                [
                    {
                        "id": t.id,
                        "segment_id": segment_id,
                        "target_type": t.target_type,
                        "context_kind": t.context_kind,
                        "context_key": t.context_key,
                        "expiration_date": t.expiration_date,
                        "version": t.version,
                    }
                    for t in targets
                ],
            )

    def due(self, *, now_ms: int, limit: int) -> tuple[tuple[str, str], ...]:
        rows = self.connection.execute(
            sa.select(segments.c.environment_id, segments.c.key)
            .select_from(
                segment_expiring_targets.join(
                    segments, segments.c.id == segment_expiring_targets.c.segment_id
                )
            )
            .where(
                segment_expiring_targets.c.expiration_date <= now_ms, segments.c.deleted.is_(False)
            )
            .group_by(segments.c.environment_id, segments.c.key)
            .order_by(sa.func.min(segment_expiring_targets.c.expiration_date))
            .limit(limit)
        ).all()
        return tuple((r.environment_id, r.key) for r in rows)
