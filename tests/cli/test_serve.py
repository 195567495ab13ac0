"""``segmentd serve`` as a user runs it: first-run set-up, probes, a request, clean SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live import free_port


def test_serve__fresh_data_dir__prints_token_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "segmentd",
            "--data-dir",
            str(tmp_path),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "segmentd serve did not become ready"
            time.sleep(0.1)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM (exit by that signal,
    # which service managers count as a clean stop).
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    token = re.search(r"Admin access token \(shown once\): (api-\S+)", out)
    assert token is not None, out
    assert f"curl -X POST {base}/api/v2/segments/default/production" in out
    assert re.search(r"GET /healthz 200 [0-9.]+ms id=[0-9a-f]{32}", err), err
