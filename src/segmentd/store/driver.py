"""The hottest statements, compiled once and run on the driver's own connection.

SQLAlchemy Core costs 40-80 µs of CPU per ``Connection.execute`` before the database does
anything (cache-key computation, execution context, result metadata, events), several times
what SQLite takes to answer an indexed look-up. :class:`Prepared` keeps the statement as a
SQLAlchemy construct (one definition, checked by the same schema), compiles it once per
dialect, and runs the compiled SQL on the DBAPI connection underneath the unit of work's
``Connection``: the same connection and the same transaction, without the per-call
machinery. Column values go through the columns' own result processors (SQLite's booleans
come back as ``bool``), so a row reads as it would through SQLAlchemy.

The same holds for the writes of the hot paths (a segment's insert, its tags, its audit
entry): an ``INSERT``, ``UPDATE`` or ``DELETE`` with explicit ``values()`` of bound
parameters runs through :meth:`Prepared.execute` (or :meth:`Prepared.rows` for one with
``RETURNING``), bound values going through the columns' bind processors as SQLAlchemy would
send them. A driver error comes out as SQLAlchemy's own exception class
(``sa.exc.IntegrityError``, ``sa.exc.OperationalError``, ...), so callers and
:mod:`segmentd.store.unavailable` see what they would see through ``Connection.execute``; a
lost connection is invalidated, so the pool does not hand it out again.

Only statements with fixed parameters qualify (no ``IN`` lists, whose SQL depends on the
number of values). The driver caches its prepared statements (sqlite3's statement cache,
psycopg's server-side prepare after a few executions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

Statement = sa.Select[Any] | TextClause | UpdateBase


@dataclass(frozen=True, slots=True)
class _Form:
    sql: str
    names: tuple[str, ...] | None  # parameter order of a positional paramstyle
    defaults: Mapping[str, Any]
    processors: tuple[Callable[[Any], Any] | None, ...]
    binders: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters with a bind processor


class Prepared:
    """A statement run at the driver level: a ``SELECT`` (or ``text()``), whose rows are
    tuples in column order (:attr:`keys` names them), or an ``INSERT``/``UPDATE``/``DELETE``
    (rows of its ``RETURNING`` columns, if any)."""

    __slots__ = ("_columns", "_forms", "keys", "statement")

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        columns: Iterable[Any] = ()
        if isinstance(statement, sa.Select):
            columns = statement.selected_columns
        elif isinstance(statement, UpdateBase):
            columns = statement.exported_columns  # the RETURNING columns
        self._columns = tuple(columns)
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
                binders=tuple(
                    (name, processor)
                    for name, bind in compiled.binds.items()
                    if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
                    is not None
                ),
            )
            self._forms[dialect.name] = form
        return form

    def sql(self, dialect: Dialect) -> str:
        """The SQL sent to the driver for ``dialect``."""
        return self._form(dialect).sql

    @staticmethod
    def _args(form: _Form, params: Mapping[str, Any]) -> Any:
        values = {**form.defaults, **params} if form.defaults else params
        if form.binders:
            values = dict(values)
            for name, processor in form.binders:
                if (value := values.get(name)) is not None:
                    values[name] = processor(value)
        return values if form.names is None else tuple(values[n] for n in form.names)

    def _run(self, connection: Connection, form: _Form, args: Any, *, many: bool = False) -> Any:
        driver: Any = connection.connection.driver_connection
        dbapi = connection.dialect.loaded_dbapi
        try:
            if many:
                cursor = driver.cursor()
                cursor.executemany(form.sql, args)
                return cursor
            return driver.execute(form.sql, args)
        except dbapi.Error as error:
            lost = connection.dialect.is_disconnect(error, driver, None)
            if lost:
                connection.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                form.sql, args, error, dbapi.Error, connection_invalidated=lost
            ) from error

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run the statement for ``params`` in the connection's transaction; the number of
        rows it changed."""
        form = self._form(connection.dialect)
        rowcount: int = self._run(connection, form, self._args(form, params)).rowcount
        return rowcount

    def execute_many(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per parameter set (the driver's ``executemany``)."""
        form = self._form(connection.dialect)
        self._run(connection, form, [self._args(form, p) for p in params], many=True)

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """All rows of the statement for ``params``, in the connection's transaction."""
        form = self._form(connection.dialect)
        rows: list[Sequence[Any]] = self._run(connection, form, self._args(form, params)).fetchall()
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
