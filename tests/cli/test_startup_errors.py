"""Start-up and CLI errors as a user meets them: one line saying what is wrong and what to
do, a distinct exit code per kind, no traceback; and one data directory for every command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from segmentd.cli import main
from segmentd.errors import (
    BadDatabaseUrl,
    BadRedisUrl,
    CannotListen,
    DatabaseMissing,
    DatabaseUnreachable,
    DataDirUnusable,
)
from tests.live import free_port
from tests.realparts import POSTGRES_HOST, require_service


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def _one_line_error(result: Result, exit_code: int, *phrases: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    for phrase in phrases:
        assert phrase in result.stderr


def test_exit_codes__one_per_kind_of_startup_error() -> None:
    kinds = [
        BadDatabaseUrl,
        DatabaseMissing,
        DatabaseUnreachable,
        BadRedisUrl,
        CannotListen,
        DataDirUnusable,
    ]
    assert [k.exit_code for k in kinds] == [10, 11, 12, 13, 14, 15]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mysql://root@localhost/db", id="unsupported scheme"),
        pytest.param("postgresql://u@host:port/db", id="port not a number"),
    ],
)
def test_cli__bad_database_url__exit_10(tmp_path: Path, url: str) -> None:
    result = _invoke("--data-dir", str(tmp_path), "--database-url", url, "tokens", "list")
    _one_line_error(result, 10, "database URL", "postgresql://")


def test_cli__postgres_database_does_not_exist__exit_11(tmp_path: Path) -> None:
    require_service("postgres")
    name = f"segmentd_missing_{uuid.uuid4().hex[:8]}"
    url = f"postgresql://postgres@{POSTGRES_HOST}:5432/{name}"
    result = _invoke("--data-dir", str(tmp_path), "--database-url", url, "migrate")
    _one_line_error(result, 11, f"PostgreSQL database {name!r} does not exist", "createdb")


def test_cli__postgres_not_listening__exit_12(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    result = _invoke("--data-dir", str(tmp_path), "--database-url", url, "migrate")
    _one_line_error(result, 12, "cannot connect to PostgreSQL at 127.0.0.1:", "Connection refused")


def test_cli__redis_url_with_http_scheme__exit_13(tmp_path: Path) -> None:
    env = {"SEGMENTD_REDIS_URL": "http://127.0.0.1:6379"}
    result = _invoke("--data-dir", str(tmp_path), "tokens", "list", env=env)
    _one_line_error(result, 13, "SEGMENTD_REDIS_URL", "redis://")


def test_cli__data_dir_is_a_file__exit_15(tmp_path: Path) -> None:
    path = tmp_path / "not-a-dir"
    path.write_text("")
    result = _invoke("--data-dir", str(path), "tokens", "list")
    _one_line_error(result, 15, f"data directory {path} is not a directory", "--data-dir")


def test_cli__data_dir_below_a_file__exit_15(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = _invoke("--data-dir", str(tmp_path / "file" / "data"), "tokens", "list")
    _one_line_error(result, 15, "cannot create data directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any directory")
def test_cli__data_dir_unreadable__exit_15(tmp_path: Path) -> None:  # pragma: no cover
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        result = _invoke("--data-dir", str(locked), "tokens", "list")
    finally:
        locked.chmod(0o700)
    _one_line_error(result, 15, "is not readable and writable")


def test_cli__no_flag_no_env__xdg_data_dir_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    env = {"XDG_DATA_HOME": str(xdg)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    created = _invoke("tokens", "create", "--name", "a", env=env)
    assert created.exit_code == 0, created.output
    database = xdg / "segmentd" / "segmentd.sqlite3"
    assert database.exists()
    assert not (elsewhere / "data").exists()
    assert created.stderr == (
        f"segmentd: created a new database sqlite:///{database} "
        f"in data directory {xdg / 'segmentd'} (default)\n"
    )
    monkeypatch.chdir(tmp_path)
    listed = _invoke("tokens", "list", env=env)
    assert listed.exit_code == 0
    assert listed.stderr == ""  # the same database, not a new one
    assert "\twriter\ta\t" in listed.stdout


def test_cli__flag_then_env__say_where_the_new_database_is(tmp_path: Path) -> None:
    env = {"SEGMENTD_DATA_DIR": str(tmp_path / "env"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    from_env = _invoke("migrate", env=env)
    assert f"in data directory {tmp_path / 'env'} (SEGMENTD_DATA_DIR)" in from_env.stderr
    from_flag = _invoke("--data-dir", str(tmp_path / "flag"), "migrate", env=env)
    assert f"in data directory {tmp_path / 'flag'} (--data-dir)" in from_flag.stderr
    assert not (tmp_path / "xdg").exists()


def test_resync__unknown_project__exit_4(tmp_path: Path) -> None:
    env = {"SEGMENTD_REDIS_URL": "redis://127.0.0.1:6379/0"}
    args = ["--data-dir", str(tmp_path), "bigsegments", "resync", "--project", "nope"]
    result = _invoke(*args, env=env)
    assert result.exit_code == 4, result.output
    assert "error: Unknown project 'nope'" in result.stderr


def _serve(data_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    command = [sys.executable, "-m", "segmentd", "--data-dir", str(data_dir), "serve"]
    return subprocess.run(
        [*command, "--port", str(port)], env=env, capture_output=True, text=True, timeout=60
    )


def test_serve__port_in_use__exit_14_before_touching_the_data_dir(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = _serve(tmp_path / "data", port)
    assert done.returncode == 14, done.stderr
    assert done.stdout == ""  # no "listening on" for a port it does not have
    assert done.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "stop the other process or choose another --port / SEGMENTD_PORT\n"
    )
    assert not (tmp_path / "data").exists()  # start-up did not run


def test_serve__database_missing__listening_line_then_one_error_line(tmp_path: Path) -> None:
    require_service("postgres")
    name = f"segmentd_missing_{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    env["SEGMENTD_DATABASE_URL"] = f"postgresql://postgres@{POSTGRES_HOST}:5432/{name}"
    done = subprocess.run(
        [sys.executable, "-m", "segmentd", "--data-dir", str(tmp_path), "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 11, done.stderr
    assert done.stdout.startswith("segmentd ")
    assert "listening on http://127.0.0.1:" in done.stdout
    assert ":0 " not in done.stdout  # the port it really has
    assert "Traceback" not in done.stderr
    assert done.stderr.endswith(
        f"does not exist on {POSTGRES_HOST}:5432: create it "
        f"(createdb -h {POSTGRES_HOST} {name}) or fix the database URL\n"
    )
