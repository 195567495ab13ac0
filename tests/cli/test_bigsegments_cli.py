"""``segmentd bigsegments resync`` through click's CliRunner, against a real Redis."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from ldclient.integrations import Redis

from segmentd.bootstrap import build_services
from segmentd.cli import main
from segmentd.config import Settings
from segmentd.domain.big_segments.model import TargetChanges, context_key_hash
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.realparts import REDIS_URL, require_service


def test_resync__redis_emptied__membership_back_for_the_sdk(tmp_path: Path) -> None:
    require_service("redis")
    prefix = f"segmentd-cli-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path)  # written without Redis: Redis knows nothing
    services = build_services(settings)
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.segments.create("p", "test", SegmentDraft(key="big", name="B", unbounded=True))
    services.big_segments.update_targets("p", "test", "big", TargetChanges(included_add=("k",)))
    services.close()
    env = {"SEGMENTD_REDIS_URL": REDIS_URL, "SEGMENTD_REDIS_PREFIX": prefix + ":{project}:{env}"}
    args = ["--data-dir", str(tmp_path), "bigsegments", "resync", "--project", "p"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == "p/test: in sync\n"
    store = Redis.new_big_segment_store(url=REDIS_URL, prefix=f"{prefix}:p:test")
    try:
        assert store.get_membership(context_key_hash("k")) == {"big.g1": True}
        assert store.get_metadata().last_up_to_date is not None
    finally:
        store.stop()
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=f"{prefix}:*"):
            client.delete(name)
        client.close()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param([], {}, "SEGMENTD_REDIS_URL is not set", id="no redis"),
        pytest.param(
            ["--environment", "test"],
            {"SEGMENTD_REDIS_URL": REDIS_URL},
            "--environment needs --project",
            id="environment alone",
        ),
    ],
)
def test_resync__bad_invocation__exit_2_with_message(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "bigsegments", "resync", *args], env=env
    )
    assert result.exit_code == 2
    assert message in result.stderr
