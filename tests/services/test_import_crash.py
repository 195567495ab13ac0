"""A process that dies in the middle of an import: the membership is intact after restart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.big_segments.model import ImportStatus, Membership, TargetChanges
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft

CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from segmentd.bootstrap import build_services
    from segmentd.config import Settings
    from segmentd.domain.big_segments import model as domain
    from segmentd.services.big_segments import jobs as big_segment_jobs

    services = build_services(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
    real = domain.read_key_chunks

    def dying(raw, **kwargs):
        yield from real(raw, **kwargs)
        os._exit(9)  # killed once every row is written, before the commit

    big_segment_jobs.read_key_chunks = dying
    services.big_segments.jobs.run_import(sys.argv[3])
    """
)


def test_import__process_killed_mid_import__stopped_after_restart_membership_intact(
    store_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=store_url)
    services = build_services(settings)
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.segments.create("p", "production", SegmentDraft(key="big", name="B", unbounded=True))
    bs = services.big_segments
    bs.update_targets("p", "production", "big", TargetChanges(included_add=("keep",)))
    before = services.segments.get("p", "production", "big")
    upload = tmp_path / "u.csv"
    upload.write_bytes(b"".join(b"new-%d\n" % i for i in range(250_000)))
    record = bs.start_import(
        "p",
        "production",
        "big",
        mode="replace",
        wait_on_approvals=False,
        upload=upload,
        file_name="u.csv",
    )
    services.close()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), store_url, record.id],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 9, child.stderr.decode()

    restarted = build_services(settings)
    try:
        assert (
            restarted.big_segments.get_import("p", "production", "big", record.id).status
            == ImportStatus.IN_PROGRESS
        )
        restarted.start_background()  # recovery runs here
        stopped = restarted.big_segments.get_import("p", "production", "big", record.id)
        assert stopped.status == ImportStatus.STOPPED
        assert stopped.error is not None
        assert "interrupted" in stopped.error
        assert restarted.segments.get("p", "production", "big") == before
        membership = restarted.big_segments.membership
        assert membership("p", "production", "big", "keep") == Membership(True, False)
        assert membership("p", "production", "big", "new-1") == Membership(False, False)
    finally:
        restarted.close()
