"""The audit log table behind :class:`segmentd.services.audit.ports.AuditRepository`."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from segmentd.domain.audit.history import Action, Actor, AuditEntry
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.ports import Page
from segmentd.store import schema
from segmentd.store.driver import Prepared

audit_log = schema.audit_log
environments = schema.environments
projects = schema.projects
# Built once, executed with a parameter dict: a segment's entry names its environment by
# id, and the insert stores the project and environment keys beside it (entries outlive
# the environment, so they are not joined in when read).
_COLUMNS: dict[str, Any] = {c.key: sa.bindparam(c.key) for c in audit_log.c if c.key != "id"}
INSERT_ENTRY = Prepared(
    audit_log.insert().values(
        {
            **_COLUMNS,
            "project_key": sa.select(projects.c.key)
            .join(environments, environments.c.project_id == projects.c.id)
            .where(environments.c.id == sa.bindparam("b_environment"))
            .scalar_subquery(),
            "environment_key": sa.select(environments.c.key)
            .where(environments.c.id == sa.bindparam("b_environment"))
            .scalar_subquery(),
        }
    )
)
INSERT_NAMED_ENTRY = Prepared(audit_log.insert().values(_COLUMNS))  # entries that carry their keys


class SqlAuditRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, entry: AuditEntry) -> None:
        named = bool(entry.project_key)
        keys: dict[str, object] = (
            {"project_key": entry.project_key, "environment_key": entry.environment_key or None}
            if named
            else {"b_environment": entry.environment_id}
        )
        (INSERT_NAMED_ENTRY if named else INSERT_ENTRY).execute(
            self.connection,
            {
                **keys,
                "kind": entry.kind,
                "environment_id": entry.environment_id,
                "segment_key": entry.segment_key,
                "segment_name": entry.segment_name,
                "action": entry.action.value,
                "actor_id": entry.actor.id,
                "actor_name": entry.actor.name,
                "date": entry.date,
                "comment": entry.comment,
                "version_before": entry.version_before,
                "version_after": entry.version_after,
                "changes": orjson.dumps(list(entry.changes)).decode(),
            },
        )

    def list(self, query: AuditQuery) -> Page[AuditEntry]:
        conditions = []
        scope = query.scope
        if scope.project_key is not None:
            conditions.append(audit_log.c.project_key == scope.project_key)
        if scope.environment_key is not None:
            conditions.append(audit_log.c.environment_key == scope.environment_key)
        if scope.segment_key is not None:
            conditions.append(audit_log.c.segment_key == scope.segment_key)
        if query.before is not None:
            conditions.append(audit_log.c.date < query.before)
        if query.after is not None:
            conditions.append(audit_log.c.date > query.after)
        if query.text:
            term = query.text.lower()
            conditions.append(
                sa.or_(
                    sa.func.lower(audit_log.c.segment_key).contains(term, autoescape=True),
                    sa.func.lower(audit_log.c.segment_name).contains(term, autoescape=True),
                )
            )
        rows = self.connection.execute(
            sa.select(audit_log)
            .where(*conditions)
            .order_by(audit_log.c.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        ).all()
        total: int = self.connection.execute(
            sa.select(sa.func.count()).select_from(audit_log).where(*conditions)
        ).scalar_one()
        return Page(tuple(_entry(r) for r in rows), total)


def _entry(row: Row[tuple[object, ...]]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(
        id=m["id"],
        environment_id=m["environment_id"],
        project_key=m["project_key"],
        environment_key=m["environment_key"] or "",
        kind=m["kind"],
        segment_key=m["segment_key"],
        segment_name=m["segment_name"],
        action=Action(m["action"]),
        actor=Actor(id=m["actor_id"], name=m["actor_name"]),
        date=m["date"],
        comment=m["comment"],
        version_before=m["version_before"],
        version_after=m["version_after"],
        changes=tuple(orjson.loads(m["changes"])),
    )
