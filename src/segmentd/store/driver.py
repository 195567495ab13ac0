"""The hottest read statements, compiled once and run on the driver's own connection.

SQLAlchemy Core costs 40-80 µs of CPU per ``Connection.execute`` before the database does
anything (cache-key computation, execution context, result metadata, events), several times
what SQLite takes to answer an indexed look-up. :class:`Prepared` keeps the statement as a
SQLAlchemy construct (one definition, checked by the same schema), compiles it once per
dialect, and runs the compiled SQL on the DBAPI connection underneath the unit of work's
``Connection``: the same connection and the same transaction, without the per-call
machinery. Column values go through the columns' own result processors (SQLite's booleans
come back as ``bool``), so a row reads as it would through SQLAlchemy.

Only statements with fixed parameters qualify (no ``IN`` lists, whose SQL depends on the
number of values). The driver caches its prepared statements (sqlite3's statement cache,
psycopg's server-side prepare after a few executions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import TextClause


@dataclass(frozen=True, slots=True)
class _Form:
    sql: str
    names: tuple[str, ...] | None  # parameter order of a positional paramstyle
    defaults: Mapping[str, Any]
    processors: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    """A ``SELECT`` (or ``text()``) run at the driver level; rows are tuples in column order
    (:attr:`keys` names them for a ``SELECT``)."""

    __slots__ = ("_columns", "_forms", "keys", "statement")

    def __init__(self, statement: sa.Select[Any] | TextClause) -> None:
        self.statement = statement
        self._columns = (
            tuple(statement.selected_columns) if isinstance(statement, sa.Select) else ()
        )
        self.keys = tuple(str(c.key) for c in self._columns)
        self._forms: dict[str, _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            compiled = self.statement.compile(dialect=dialect)
            if "POSTCOMPILE" in compiled.string:
                raise TypeError("Prepared statements take fixed parameters, not IN lists")
            form = _Form(
                sql=compiled.string,
                names=tuple(compiled.positiontup or ()) if dialect.positional else None,
                defaults={
                    name: bind.value
                    for name, bind in compiled.binds.items()
                    if bind.value is not None
                },
                processors=tuple(
                    c.type.dialect_impl(dialect).result_processor(dialect, None)
                    for c in self._columns
                ),
            )
            self._forms[dialect.name] = form
        return form

    def sql(self, dialect: Dialect) -> str:
        """The SQL sent to the driver for ``dialect``."""
        return self._form(dialect).sql

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """All rows of the statement for ``params``, in the connection's transaction."""
        form = self._form(connection.dialect)
        values = {**form.defaults, **params} if form.defaults else params
        args: Any = values if form.names is None else tuple(values[n] for n in form.names)
        driver: Any = connection.connection.driver_connection
        rows: list[Sequence[Any]] = driver.execute(form.sql, args).fetchall()
        if any(form.processors):
            processors = form.processors
            rows = [
                tuple(
                    v if p is None or v is None else p(v)
                    for p, v in zip(processors, row, strict=True)
                )
                for row in rows
            ]
        return rows

    def mappings(self, connection: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """:meth:`rows` as dicts by column key."""
        keys = self.keys
        return [dict(zip(keys, row, strict=True)) for row in self.rows(connection, params)]
