"""A real ``segmentd serve`` subprocess that a test can kill, restart and read the logs of."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live import free_port


class SegmentdProcess:
    """``python -m segmentd serve`` on a free port with its own environment.

    ``start`` waits until ``/readyz`` answers 200; ``kill`` sends SIGKILL (no shutdown code
    runs). The logs (stderr) of every run are appended to ``log_path``, the console output
    (stdout: the first run's token) to ``stdout_path``.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"serve-{self.port}.log"
        self.stdout_path = data_dir / f"serve-{self.port}.out"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")},
            "SEGMENTD_DATA_DIR": str(data_dir),
            "SEGMENTD_RATE_LIMIT": "0",
            **({"SEGMENTD_DATABASE_URL": database_url} if database_url else {}),
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run a ``segmentd`` command against the same database; its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "segmentd", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def admin_token(self) -> str:
        return self.cli("tokens", "create", "--name", "faults", "--role", "admin").strip()

    def start(self, *, timeout: float = 60.0) -> None:
        with self.log_path.open("ab") as log, self.stdout_path.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "segmentd", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"segmentd did not start:\n{self.log()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=30)
            self._process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
