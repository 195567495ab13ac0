"""Node, npm and Chromium for the tests that run LaunchDarkly's JavaScript SDKs for real.

The SDK packages are pinned in ``tests/js/package.json`` and ``package-lock.json`` and
installed with ``npm ci`` into ``tests/js/node_modules`` (git-ignored) on first use, or by
``.ci/run``. Locally a missing tool skips its tests with a reason; under ``CI=true`` it fails
them, so CI can never go green without having run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

JS_DIR = Path(__file__).parent / "js"
NODE_MODULES = JS_DIR / "node_modules"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
_install_lock = threading.Lock()


def missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI=true requires it", pytrace=False)
    pytest.skip(message)


def _installed() -> bool:
    marker = NODE_MODULES / ".package-lock.json"
    lock = JS_DIR / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


def node_modules() -> Path:
    """``tests/js/node_modules`` with the locked packages, installed if needed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")
    with _install_lock:
        if not _installed():
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                pytest.fail(f"npm ci failed: {result.stderr[-2000:]}", pytrace=False)
    return NODE_MODULES


def require_chromium() -> None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            missing(f"{path} is not installed (Debian packages chromium, chromium-driver)")
