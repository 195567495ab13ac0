"""Alembic revisions, valid on SQLite and PostgreSQL alike."""
