"""Which database failures mean "unavailable", translated once at the store edge.

A stopped, restarting or unreachable database makes the driver raise an ``OperationalError``
(connection refused, "terminating connection due to administrator command", server closed
the connection) or an ``InterfaceError`` (the connection is already closed); a full pool
raises SQLAlchemy's ``TimeoutError``. Each is reported as
:class:`~segmentd.errors.DatabaseUnavailable` (503), so clients see LaunchDarkly's error
body and retry instead of getting a 500. On SQLite the same classes cover "database is
locked" after ``busy_timeout`` and I/O errors: also conditions to retry, not bugs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from segmentd.errors import DatabaseUnavailable

UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached now (as opposed to a bad query)."""
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


@contextmanager
def translated() -> Iterator[None]:
    """Run a block, turning unavailability errors into ``DatabaseUnavailable``."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise DatabaseUnavailable() from error
        raise
