from __future__ import annotations

from pathlib import Path

import pytest

from segmentd.config import Settings, default_data_dir
from segmentd.errors import InvalidRequest


def test_settings__from_env__reads_segmentd_variables() -> None:
    settings = Settings.from_env(
        {
            "SEGMENTD_DATA_DIR": "/srv/seg",
            "SEGMENTD_RATE_LIMIT": "0",
            "SEGMENTD_PORT": "9000",
            "SEGMENTD_DATABASE_URL": "postgresql://u@h/db",
        }
    )
    assert settings.data_dir == Path("/srv/seg")
    assert settings.rate_limit == 0
    assert settings.port == 9000
    assert settings.resolved_database_url == "postgresql://u@h/db"


def test_settings__defaults__sqlite_in_data_dir() -> None:
    settings = Settings.from_env({})
    assert settings.rate_limit == 10_000
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("/segmentd/segmentd.sqlite3")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"HOME": "/home/u"}, "/home/u/.local/share/segmentd", id="home"),
        pytest.param({"HOME": "/home/u", "XDG_DATA_HOME": "/xdg"}, "/xdg/segmentd", id="xdg"),
        pytest.param(
            {"HOME": "/home/u", "XDG_DATA_HOME": "rel"},
            "/home/u/.local/share/segmentd",
            id="relative xdg ignored",
        ),
    ],
)
def test_default_data_dir__xdg_then_home_never_the_working_directory(
    env: dict[str, str], expected: str
) -> None:
    assert default_data_dir(env) == Path(expected)


def test_settings__data_dir__environment_wins_over_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings.from_env({}).data_dir is None
    assert Settings.from_env({}).data_path == tmp_path / "segmentd"
    given = Settings.from_env({"SEGMENTD_DATA_DIR": "/srv/seg"})
    assert given.data_path == Path("/srv/seg")


@pytest.mark.parametrize(
    "raw", [pytest.param("many", id="text"), pytest.param("-1", id="negative")]
)
def test_settings__bad_integer__invalid_request(raw: str) -> None:
    with pytest.raises(InvalidRequest, match="SEGMENTD_RATE_LIMIT"):
        Settings.from_env({"SEGMENTD_RATE_LIMIT": raw})


def test_settings__overrides__none_keeps_value() -> None:
    settings = Settings().with_overrides(port=1234, host=None)
    assert (settings.port, settings.host) == (1234, "127.0.0.1")


def test_settings__big_segment_variables__read_with_defaults() -> None:
    defaults = Settings.from_env({})
    assert defaults.import_max_bytes == 40 * 1024 * 1024
    assert defaults.import_max_rows == 1_000_000
    assert defaults.redis_prefix == "launchdarkly:{project}:{env}"
    custom = Settings.from_env(
        {
            "SEGMENTD_IMPORT_MAX_BYTES": "1000",
            "SEGMENTD_IMPORT_MAX_ROWS": "10",
            "SEGMENTD_REDIS_PREFIX": "ld-{env}",
        }
    )
    assert (custom.import_max_bytes, custom.import_max_rows) == (1000, 10)
    assert custom.redis_prefix == "ld-{env}"


def test_settings__workers_variable__read_with_default_one() -> None:
    assert Settings.from_env({}).workers == 1
    assert Settings.from_env({"SEGMENTD_WORKERS": "3"}).workers == 3
