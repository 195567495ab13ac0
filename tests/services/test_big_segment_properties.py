"""Property: target changes against SQLite behave like two Python sets with the same rules."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.big_segments.model import Membership, TargetChanges
from segmentd.errors import InvalidRequest
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft

KEYS = ("a", "b", "c", "d")
key_lists = st.lists(st.sampled_from(KEYS), max_size=3).map(tuple)
changes = st.builds(
    TargetChanges,
    included_add=key_lists,
    included_remove=key_lists,
    excluded_add=key_lists,
    excluded_remove=key_lists,
)


def _model_apply(
    included: set[str], excluded: set[str], change: TargetChanges
) -> tuple[set[str], set[str]] | None:
    """The documented rules; ``None`` where the service must refuse the whole change."""
    if set(change.included_add) & set(change.excluded_add):
        return None
    if (set(change.included_add) & excluded) - set(change.excluded_remove):
        return None
    if (set(change.excluded_add) & included) - set(change.included_remove):
        return None
    new_excluded = (excluded - set(change.excluded_remove)) | set(change.excluded_add)
    new_included = (included - set(change.included_remove)) | set(change.included_add)
    return new_included, new_excluded


@settings(max_examples=15, deadline=None)
@given(st.lists(changes, min_size=1, max_size=6))
def test_update_targets__any_sequence__matches_set_model(sequence: list[TargetChanges]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp)))
        try:
            services.projects.create_project(ProjectDraft(key="p", name="P"))
            services.segments.create("p", "test", SegmentDraft(key="s", name="S", unbounded=True))
            included: set[str] = set()
            excluded: set[str] = set()
            version = 1
            for change in sequence:
                expected = _model_apply(included, excluded, change)
                if expected is None:
                    try:
                        services.big_segments.update_targets("p", "test", "s", change)
                    except InvalidRequest:
                        continue
                    raise AssertionError(f"accepted {change}")
                services.big_segments.update_targets("p", "test", "s", change)
                if expected != (included, excluded):
                    version += 1
                included, excluded = expected
            for key in KEYS:
                got = services.big_segments.membership("p", "test", "s", key)
                assert got == Membership(key in included, key in excluded), key
            segment = services.segments.get("p", "test", "s")
            assert segment.version == version
            counts = services.big_segments.info("p", "test", segment).counts
            assert (counts.included, counts.excluded) == (len(included), len(excluded))
        finally:
            services.close()
