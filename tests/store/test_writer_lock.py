"""SQLite writers of several processes queue on ``<database>.writelock`` instead of meeting
SQLite's busy handler."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from segmentd.store import migrate
from segmentd.store.engines import make_engine
from segmentd.store.unit_of_work import SqlUnitOfWorkFactory
from segmentd.store.writer_lock import SqliteWriterLock

HOLDER = """
import sys, time
from segmentd.store.engines import make_engine
from segmentd.store.unit_of_work import SqlUnitOfWorkFactory
factory = SqlUnitOfWorkFactory(make_engine(sys.argv[1]))
with factory(write=True) as uow:
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    uow.commit()
"""


def _impatient_engine(url: str) -> sa.Engine:
    """An engine whose connections fail at once on a locked database (no busy handler)."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    return engine


def test_write_uow__other_process_holds_the_lock__waits_for_it_instead_of_failing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate.upgrade(make_engine(url))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, "0.5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        factory = SqlUnitOfWorkFactory(_impatient_engine(url))
        started = time.monotonic()
        with factory(write=True) as uow:  # BEGIN IMMEDIATE would fail without the file lock
            waited = time.monotonic() - started
            uow.commit()
    finally:
        assert holder.wait(timeout=10) == 0
    assert waited > 0.2
    assert (tmp_path / "db.sqlite3.writelock").exists()


def test_write_uows__two_factories_in_threads__serialise_without_lock_errors(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate.upgrade(make_engine(url))
    factories = [SqlUnitOfWorkFactory(_impatient_engine(url)) for _ in range(2)]
    inside = 0
    overlaps: list[int] = []
    errors: list[BaseException] = []

    def write(factory: SqlUnitOfWorkFactory) -> None:
        nonlocal inside
        try:
            for _ in range(20):
                with factory(write=True) as uow:
                    inside += 1
                    overlaps.append(inside)
                    time.sleep(0.002)
                    inside -= 1
                    uow.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f,)) for f in factories]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert max(overlaps) == 1
    assert len(overlaps) == 40


def test_writer_lock__reentered_in_one_thread__keeps_the_file_lock_until_outermost_release(
    tmp_path: Path,
) -> None:
    lock, other = SqliteWriterLock(str(tmp_path / "db")), SqliteWriterLock(str(tmp_path / "db"))
    got: list[bool] = []
    with lock.held():
        with lock.held():
            pass
        probe = threading.Thread(target=lambda: got.append(_try_flock(other)))
        probe.start()
        probe.join()
    assert got == [False]
    assert _try_flock(other)


def _try_flock(lock: SqliteWriterLock) -> bool:
    import fcntl
    import os

    assert lock.path is not None
    fd = os.open(lock.path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_writer_lock__released__other_processes_can_take_it_while_the_file_stays_open(
    tmp_path: Path,
) -> None:
    lock = SqliteWriterLock(str(tmp_path / "db"))
    with lock.held():
        assert not _try_flock(SqliteWriterLock(str(tmp_path / "db")))
    assert _try_flock(SqliteWriterLock(str(tmp_path / "db")))
    lock.close()


def test_writer_lock__file_deleted_between_writes__locks_the_file_at_the_path(
    tmp_path: Path,
) -> None:
    lock, other = SqliteWriterLock(str(tmp_path / "db")), SqliteWriterLock(str(tmp_path / "db"))
    with lock.held():
        pass
    assert lock.path is not None
    Path(lock.path).unlink()
    with lock.held():
        assert Path(lock.path).exists()
        assert not _try_flock(other)
    lock.close()


def test_writer_lock__opened_before_a_fork__child_and_parent_exclude_each_other(
    tmp_path: Path,
) -> None:
    import os

    lock = SqliteWriterLock(str(tmp_path / "db"))
    with lock.held():  # opens the lock file in the parent
        pass
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child exits without reporting coverage)
        os.close(read_end)
        lock.acquire()
        os.write(write_end, b"held")
        time.sleep(0.5)
        lock.release()
        os._exit(0)
    os.close(write_end)
    try:
        assert os.read(read_end, 4) == b"held"
        started = time.monotonic()
        with lock.held():  # sharing the child's open file would let this through at once
            waited = time.monotonic() - started
    finally:
        os.close(read_end)
        assert os.waitpid(child, 0)[1] == 0
    lock.close()
    assert waited > 0.2
