"""Alembic environment: always runs on the connection segmentd hands it."""

from __future__ import annotations

from alembic import context

from segmentd.store.schema import include_object, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=include_object(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
