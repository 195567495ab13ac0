"""Storage adapters: SQLAlchemy Core over SQLite (default) and PostgreSQL."""
