"""Private PostgreSQL and Redis servers that a fault test may stop and start at will.

The shared servers (5432, 6379) are never touched: each instance here runs from a temporary
directory on its own port (first free one of ``PORTS``). PostgreSQL refuses to run as root,
so as root ``initdb`` and ``postgres`` run as the ``postgres`` user through ``runuser``, in a
directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Ports reserved for these instances on the team's machines (tests take the first free).
PORTS = range(18300, 18400)


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_taken: set[int] = set()


def reserve_port() -> int:
    """A free port of ``PORTS`` not handed out before in this process."""
    for port in PORTS:
        if port not in _taken and _port_is_free(port):
            _taken.add(port)
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _first_start(server: PrivatePostgres | PrivateRedis) -> None:
    """Start on the reserved port, or on another one if a parallel test run took it first."""
    for attempt in range(5):
        try:
            server.start()
            return
        except (subprocess.CalledProcessError, RuntimeError):
            if attempt == 4:
                raise
            server.port = reserve_port()


def wait_for_port(port: int, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.05)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI=true requires it", pytrace=False)
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """One PostgreSQL cluster in a temporary directory; ``stop``/``start`` as often as needed."""

    def __init__(self, root: Path) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            _unavailable("PostgreSQL server binaries (initdb) are not installed")
        assert bin_dir is not None
        self.bin = bin_dir
        self.port = reserve_port()
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root needs a 'postgres' user to run PostgreSQL")
            os.chown(root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._as, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            cwd=self.root,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends open sessions, ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    root = Path(tempfile.mkdtemp(prefix="segmentd-pg-"))
    try:
        server = PrivatePostgres(root)
        _first_start(server)
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


class PrivateRedis:
    """One ``redis-server`` without persistence on a port of its own."""

    def __init__(self, root: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("redis-server is not installed")
        assert binary is not None
        self.binary = binary
        self.root = root
        self.port = reserve_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _listening(self.port):
            if self._process.poll() is not None:  # e.g. the port was taken meanwhile
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server does not listen on {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the server (its data is gone: it keeps none on disk)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    root = Path(tempfile.mkdtemp(prefix="segmentd-redis-"))
    server = PrivateRedis(root)
    _first_start(server)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
