"""examples/sdk_quickstart.py: its REST set-up works and the SDK then evaluates as it says."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

import httpx
from ldclient import Context

from tests.feed.conftest import sdk_client
from tests.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sdk_quickstart", ROOT / "examples" / "sdk_quickstart.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sdk_quickstart"] = module
    spec.loader.exec_module(module)
    return module


def test_quickstart__setup_then_sdk__flag_serves_false_to_non_members(live: LiveServer) -> None:
    example = _example()
    segment, flag = f"beta-{uuid.uuid4().hex[:6]}", f"checkout-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token}) as api:
        sdk_key = example.setup(api, segment, flag)
    production = live.services.projects.get_environment("default", "production")
    assert sdk_key == production.sdk_key
    with sdk_client(live, production, stream=True) as client:
        detail = client.variation_detail(flag, Context.create("alice"), None)
    assert detail.value is False
    assert detail.reason["kind"] == "FALLTHROUGH"


def test_quickstart__run_as_a_script__alice_joins_and_the_flag_follows(live: LiveServer) -> None:
    import os
    import subprocess

    env = {**os.environ, "SEGMENTD_URL": live.base_url, "SEGMENTD_TOKEN": live.admin_token}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "sdk_quickstart.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "initialised: True" in lines
    assert "alice before: False" in lines
    assert "alice after:  True" in lines
