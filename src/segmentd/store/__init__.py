"""SQL storage (SQLAlchemy Core, SQLite and PostgreSQL) behind the services' ports.

A table goes by its own name in every module: ``schema.segments``, or a module-level alias
of the same name, ``segments = schema.segments`` (the same in a function), so ``segments``
means the segments table wherever it is read. ``tests/store/test_table_aliases.py`` fails on
an alias under any other name.
"""
