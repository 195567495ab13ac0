"""The background expiry task: started by the app's lifespan, removes due targets."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from segmentd.api.app import create_app
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.audit.history import Actor
from segmentd.domain.expiring.targets import parse_expiring_patch
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.fixed import FixedClock

ME = Actor(id="t", name="t")


def test_lifespan__target_comes_due__removed_by_background_task(tmp_path: Path) -> None:
    clock = FixedClock()
    services = build_services(Settings(data_dir=tmp_path), clock=clock)
    try:
        services.projects.create_project(ProjectDraft(key="p", name="P"))
        services.segments.create("p", "production", SegmentDraft("s", "S"), actor=ME)
        add = parse_semantic_patch(
            {"instructions": [{"kind": "addIncludedUsers", "values": ["u1"]}]}
        )
        services.segments.patch("p", "production", "s", add, actor=ME)
        expiry = {"kind": "addExpiringTarget", "targetType": "included", "contextKind": "user",
                  "contextKey": "u1", "value": clock.now_ms() + 1000}  # fmt: skip
        services.expiring.patch(
            "p", "production", "s", parse_expiring_patch({"instructions": [expiry]}), actor=ME
        )
        app = create_app(services, expiry_interval=0.02)

        async def run_server_lifespan() -> None:
            async with app.router.lifespan_context(app):
                await asyncio.sleep(0.1)
                assert services.segments.get("p", "production", "s").included == ("u1",)
                clock.advance(1000)
                deadline = time.monotonic() + 5
                while services.segments.get("p", "production", "s").included:
                    assert time.monotonic() < deadline, "the expiry task did not run"
                    await asyncio.sleep(0.02)

        asyncio.run(run_server_lifespan())
        assert services.segments.get("p", "production", "s").version == 3
    finally:
        services.close()
