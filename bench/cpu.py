"""CPU accounting around a benchmark run (Linux /proc, stdlib only).

On a 2-core machine the server, PostgreSQL and the load generator share the
cores, and anything else running (another test suite, say) skews the result.
:class:`CpuMeter` tells where the CPU went during a run::

    meter = CpuMeter(server_pid=peer.pid)
    result = run_load_sync(...)
    usage = meter.stop()
    print(usage.describe())   # server 0.98 cores, postgres 0.45, this process 0.10, other 0.30
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, *, with_children: bool = False) -> float:
    """utime+stime (optionally + reaped children's) of one process, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (uvicorn's worker processes)."""
    total = process_cpu(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        child_pids = [int(p) for p in children.read_text().split()]
    except OSError:
        child_pids = []
    return total + sum(tree_cpu(child) for child in child_pids)


def named_processes_cpu(name: str) -> float:
    """Summed CPU seconds of all live processes whose comm is ``name`` (e.g. "postgres")."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == name:
                total += process_cpu(int(entry.name))
        except OSError:
            continue
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already included in user
    return (total - idle) / _TICK, total / _TICK


@dataclass(frozen=True)
class CpuUsage:
    seconds: float
    server: float
    postgres: float
    this_process: float
    machine_busy: float
    cores: int

    @property
    def other(self) -> float:
        """CPU seconds used by anything else on the machine during the run."""
        return max(0.0, self.machine_busy - self.server - self.postgres - self.this_process)

    def describe(self) -> str:
        s = self.seconds or 1.0
        return (
            f"cpu (cores busy on average, of {self.cores}): server {self.server / s:.2f}, "
            f"postgres {self.postgres / s:.2f}, load generator {self.this_process / s:.2f}, "
            f"other {self.other / s:.2f}"
        )


class CpuMeter:
    """Snapshot at construction; :meth:`stop` returns the :class:`CpuUsage` since then."""

    def __init__(self, server_pid: int | None = None, db_process_name: str = "postgres") -> None:
        self.server_pid = server_pid
        self.db_process_name = db_process_name
        self._start = self._sample()

    def _sample(self) -> tuple[float, float, float, float, float]:
        server = tree_cpu(self.server_pid) if self.server_pid else 0.0
        return (
            time.perf_counter(),
            server,
            named_processes_cpu(self.db_process_name),
            time.process_time(),
            machine_busy()[0],
        )

    def stop(self) -> CpuUsage:
        end = self._sample()
        d = [b - a for a, b in zip(self._start, end, strict=True)]
        return CpuUsage(
            seconds=d[0],
            server=d[1],
            postgres=d[2],
            this_process=d[3],
            machine_busy=d[4],
            cores=os.cpu_count() or 1,
        )


def wait_for_quiet(
    max_busy_cores: float = 0.3, *, window: float = 2.0, timeout: float = 60.0
) -> float:
    """Wait until the whole machine used at most ``max_busy_cores`` over ``window`` seconds.

    Returns the last measured busy cores; gives up (returning it) after ``timeout``
    seconds, so a run on a busy machine is delayed, never blocked.
    """
    deadline = time.monotonic() + timeout
    while True:
        busy0, _ = machine_busy()
        time.sleep(window)
        busy = (machine_busy()[0] - busy0) / window
        if busy <= max_busy_cores or time.monotonic() >= deadline:
            return busy
