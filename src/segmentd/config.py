"""Settings: environment variables and CLI flags resolved into one frozen object.

Nothing here does I/O at import. ``Settings.from_env`` reads ``SEGMENTD_*`` variables:

=========================  ============================================  ===========================
variable                   meaning                                       default
=========================  ============================================  ===========================
SEGMENTD_DATA_DIR          where the SQLite file and uploads live        see below
SEGMENTD_DATABASE_URL      ``sqlite:///path`` or ``postgresql://…``      SQLite in the data dir
SEGMENTD_HOST / _PORT      listen address                                ``127.0.0.1`` / ``8080``
SEGMENTD_RATE_LIMIT        requests per token per 10 s; ``0`` = off      ``10000``
SEGMENTD_MAX_BODY_BYTES    largest JSON request body                     ``1048576``
SEGMENTD_REDIS_URL         Redis for big-segment publication             unset (off)
SEGMENTD_REDIS_PREFIX      Redis key prefix per environment; ``{env}``   see below
                           and ``{project}`` stand for their keys
SEGMENTD_IMPORT_MAX_BYTES  largest big-segment import file               ``41943040`` (40 MB)
SEGMENTD_IMPORT_MAX_ROWS   most rows in one import file                  ``1000000``
SEGMENTD_LOG_LEVEL         Python log level                              ``INFO``
SEGMENTD_STREAM_HEARTBEAT  seconds between SDK stream heartbeats         ``60``
SEGMENTD_WORKERS           processes serving one database (set by        ``1``
                           ``serve --workers``); above 1 on SQLite,
                           changes are relayed through ``change_log``
=========================  ============================================  ===========================

The default Redis prefix is ``launchdarkly:{project}:{env}`` (one prefix per environment).

The data directory is, in this order: ``--data-dir``, ``SEGMENTD_DATA_DIR``, then
``$XDG_DATA_HOME/segmentd`` (``~/.local/share/segmentd`` when ``XDG_DATA_HOME`` is unset). It
never depends on the working directory, so ``segmentd serve`` and every other command find
the same database from anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from segmentd.errors import InvalidRequest

DEFAULT_RATE_LIMIT = 10_000
DEFAULT_REDIS_PREFIX = "launchdarkly:{project}:{env}"
DEFAULT_IMPORT_MAX_BYTES = 40 * 1024 * 1024
DEFAULT_IMPORT_MAX_ROWS = 1_000_000


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/segmentd``, or ``~/.local/share/segmentd`` (XDG's default), from
    ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    xdg = Path(env.get("XDG_DATA_HOME") or "")
    if not xdg.is_absolute():  # unset, or relative (which the XDG spec says to ignore)
        xdg = Path(env.get("HOME") or Path.home()) / ".local" / "share"
    return xdg / "segmentd"


@dataclass(frozen=True, slots=True)
class Settings:
    #: The data directory given (flag or environment); ``None``: :func:`default_data_dir`.
    data_dir: Path | None = None
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    rate_limit: int = DEFAULT_RATE_LIMIT
    max_body_bytes: int = 1024 * 1024
    redis_url: str | None = None
    redis_prefix: str = DEFAULT_REDIS_PREFIX
    log_level: str = "INFO"
    import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES
    import_max_rows: int = DEFAULT_IMPORT_MAX_ROWS
    stream_heartbeat_seconds: float = 60.0
    workers: int = 1

    @property
    def data_path(self) -> Path:
        """The data directory in use: the one given, else :func:`default_data_dir`."""
        return self.data_dir if self.data_dir is not None else default_data_dir()

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_path / 'segmentd.sqlite3').resolve()}"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given non-``None`` fields replaced (CLI flags win over env)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def integer(name: str, default: int) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                raise InvalidRequest(f"{name}: expected an integer, got {raw!r}") from None
            if value < 0:
                raise InvalidRequest(f"{name}: must not be negative")
            return value

        data_dir = env.get("SEGMENTD_DATA_DIR")
        return cls(
            data_dir=Path(data_dir) if data_dir else None,
            database_url=env.get("SEGMENTD_DATABASE_URL") or None,
            host=env.get("SEGMENTD_HOST") or "127.0.0.1",
            port=integer("SEGMENTD_PORT", 8080),
            rate_limit=integer("SEGMENTD_RATE_LIMIT", DEFAULT_RATE_LIMIT),
            max_body_bytes=integer("SEGMENTD_MAX_BODY_BYTES", 1024 * 1024),
            redis_url=env.get("SEGMENTD_REDIS_URL") or None,
            redis_prefix=env.get("SEGMENTD_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX,
            log_level=env.get("SEGMENTD_LOG_LEVEL") or "INFO",
            import_max_bytes=integer("SEGMENTD_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES),
            import_max_rows=integer("SEGMENTD_IMPORT_MAX_ROWS", DEFAULT_IMPORT_MAX_ROWS),
            stream_heartbeat_seconds=float(integer("SEGMENTD_STREAM_HEARTBEAT", 60) or 60),
            workers=integer("SEGMENTD_WORKERS", 1) or 1,
        )
