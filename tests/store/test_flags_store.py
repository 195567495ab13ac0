"""Flags and the SDK feed's reads on SQLite and PostgreSQL (``services`` fixture)."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest

from segmentd.bootstrap import Services
from segmentd.domain.flags.patch import parse_flag_instructions
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments import codec
from segmentd.domain.segments.model import SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.errors import KeyExists, NotFound, OptimisticLockError
from segmentd.services.flags.ports import FlagListing
from segmentd.services.flags.service import FlagDraft, flags_referencing_segment
from segmentd.services.ports import ItemChange
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft


@pytest.fixture
def envs(services: Services) -> tuple[Environment, Environment]:
    project = services.projects.create_project(ProjectDraft(key="p", name="P"))
    production, test = project.environments
    return production, test


def _match(services: Services, flag: str, env: str, *segments: str) -> None:
    services.flags.patch_semantic(
        "p",
        flag,
        env,
        parse_flag_instructions(
            [
                {
                    "kind": "addRule",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": list(segments)}],
                    "variationId": services.flags.get("p", flag).variations[0].id,
                }
            ]
        ),
    )


def test_flags_referencing_segment__rules_in_one_environment__only_that_environment(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, test = envs
    services.flags.create("p", FlagDraft(key="f1", name="One"))
    services.flags.create("p", FlagDraft(key="f2", name="Two"))
    services.flags.create("p", FlagDraft(key="f3", name="Three"))
    _match(services, "f1", "production", "beta", "gamma")
    _match(services, "f2", "production", "beta")
    _match(services, "f3", "test", "beta")
    with services.uow() as uow:
        assert flags_referencing_segment(uow, production.id, "beta") == [
            FlagListing("f1", "One"),
            FlagListing("f2", "Two"),
        ]
        assert flags_referencing_segment(uow, production.id, "gamma") == [FlagListing("f1", "One")]
        assert flags_referencing_segment(uow, test.id, "beta") == [FlagListing("f3", "Three")]
        assert flags_referencing_segment(uow, test.id, "gamma") == []


def test_flags_referencing_segment__rule_removed_or_flag_deleted__no_longer_listed(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, _ = envs
    services.flags.create("p", FlagDraft(key="f1", name="One"))
    services.flags.create("p", FlagDraft(key="f2", name="Two"))
    _match(services, "f1", "production", "beta")
    _match(services, "f2", "production", "beta")
    rule_id = services.flags.get("p", "f1").environments["production"].rules[0].id
    services.flags.patch_semantic(
        "p",
        "f1",
        "production",
        parse_flag_instructions([{"kind": "removeRule", "ruleId": rule_id}]),
    )
    services.flags.delete("p", "f2")
    with services.uow() as uow:
        assert flags_referencing_segment(uow, production.id, "beta") == []


def test_flags__changes__announced_per_environment_with_growing_versions(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, test = envs
    seen: list[ItemChange] = []
    services.changes.subscribe(seen.append)
    services.flags.create("p", FlagDraft(key="f", name="F"))
    _match(services, "f", "production", "s")
    services.flags.delete("p", "f")
    services.flags.create("p", FlagDraft(key="f", name="F"))
    by_env = {
        e.id: [c.version for c in seen if c.environment_id == e.id] for e in (production, test)
    }
    assert by_env == {production.id: [1, 2, 3, 4], test.id: [1, 2, 3]}
    assert {c.kind for c in seen} == {"flags"}


def test_flags__duplicate_live_key__key_exists(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    services.flags.create("p", FlagDraft(key="f", name="F"))
    with pytest.raises(KeyExists):
        services.flags.create("p", FlagDraft(key="f", name="F"))


def test_flags__update_from_stale_read__optimistic_lock_error(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    services.flags.create("p", FlagDraft(key="f", name="F"))
    stale = services.flags.get("p", "f")
    _match(services, "f", "production", "s")
    project = services.projects.get_project("p")
    changed = replace(
        stale,
        environments={
            **stale.environments,
            "production": replace(stale.environments["production"], on=True, version=2),
        },
    )
    with services.uow(write=True) as uow, pytest.raises(OptimisticLockError):
        uow.flags.update(project=project, flag=changed, expected=stale)


def test_flags__deleted__not_found(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    services.flags.create("p", FlagDraft(key="f", name="F"))
    services.flags.delete("p", "f")
    with pytest.raises(NotFound):
        services.flags.get("p", "f")
    assert services.flags.list("p", limit=10, offset=0).total == 0


def test_feed__payload__live_flags_and_segments_of_the_environment_only(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, test = envs
    services.segments.create("p", "production", SegmentDraft(key="s1", name="S"))
    services.segments.create("p", "production", SegmentDraft(key="big", name="B", unbounded=True))
    services.segments.create("p", "test", SegmentDraft(key="t1", name="T"))
    services.flags.create("p", FlagDraft(key="f", name="F"))
    services.flags.create("p", FlagDraft(key="gone", name="G"))
    services.flags.delete("p", "gone")
    data = orjson.loads(services.feed.payload(production.id).body)
    assert set(data["segments"]) == {"s1", "big"}
    assert set(data["flags"]) == {"f"}
    assert data["segments"]["big"]["generation"] == 1
    assert set(orjson.loads(services.feed.payload(test.id).body)["segments"]) == {"t1"}


def test_feed__payload_cache__rebuilt_after_a_change(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, _ = envs
    first = services.feed.payload(production.id)
    assert services.feed.payload(production.id) is first
    services.segments.create("p", "production", SegmentDraft(key="s1", name="S"))
    services.flags.create("p", FlagDraft(key="f", name="F"))
    second = services.feed.payload(production.id)
    assert second.etag != first.etag
    assert second == services.feed.build_payload(production.id)
    services.segments.create("p", "production", SegmentDraft(key="s2", name="S"))
    _match(services, "f", "production", "s1")
    services.flags.create("p", FlagDraft(key="g", name="G"))
    services.flags.delete("p", "g")
    with services.uow(write=True) as uow:
        uow.segments.delete(environment_id=production.id, key="s2", expected_version=1)
        uow.commit()
    services.changes.publish(ItemChange(production.id, "segments", "s2", 2))
    third = services.feed.payload(production.id)
    assert orjson.loads(third.body) == orjson.loads(services.feed.build_payload(production.id).body)
    assert set(orjson.loads(third.body)["segments"]) == {"s1"}
    assert set(orjson.loads(third.body)["flags"]) == {"f"}


def test_feed__change_event_for_a_since_deleted_segment__is_a_delete(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, _ = envs
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"))
    with services.uow(write=True) as uow:
        version = uow.segments.delete(environment_id=production.id, key="s", expected_version=1)
        uow.commit()
    event = services.feed.change_event(ItemChange(production.id, "segments", "s", version))
    assert event.name == "delete"
    assert orjson.loads(event.data) == {"path": "/segments/s", "version": version}


def test_feed_segments__bulk_spliced_json__equals_the_codec_but_descriptions(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, _ = envs
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"))
    with services.uow(write=True) as uow:
        current = uow.segments.get(environment_id=production.id, key="s")
        assert current is not None
        rich = replace(
            current,
            version=2,
            included=("a",),
            excluded=("b",),
            included_contexts=(SegmentTarget("org", ("o",)),),
            rules=(
                SegmentRule(
                    id="r",
                    description="d",
                    weight=10,
                    bucket_by="key",
                    rollout_context_kind="user",
                    clauses=(Clause("email", "endsWith", (".x",), id="c", context_kind="user"),),
                ),
            ),
        )
        uow.segments.update(environment_id=production.id, segment=rich, expected_version=1)
        uow.commit()
    services.segments.create("p", "production", SegmentDraft(key="b", name="B", unbounded=True))
    with services.uow() as uow:
        fast = uow.feed.segments(environment_id=production.id)
        for key in ("s", "b"):
            segment = uow.segments.get(environment_id=production.id, key=key)
            assert segment is not None
            spliced = orjson.loads(fast[key])
            for rule in spliced["rules"]:
                rule.pop("description")  # kept in the bulk form; SDKs ignore it
            assert spliced == codec.segment_to_sdk_json(segment)


def test_create_environment__existing_flags__get_an_off_configuration(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    from segmentd.services.projects.service import EnvironmentDraft

    services.flags.create("p", FlagDraft(key="f", name="F"))
    staging = services.projects.create_environment(
        "p", EnvironmentDraft(key="staging", name="Staging", color="AABBCC")
    )
    config = services.flags.get("p", "f").environments["staging"]
    assert (config.on, config.version, config.off_variation) == (False, 1, 1)
    assert set(orjson.loads(services.feed.payload(staging.id).body)["flags"]) == {"f"}
    _match(services, "f", "staging", "s")
    assert services.flags.get("p", "f").environments["staging"].version == 2


def test_feed__change_during_first_full_read__not_lost(
    services: Services, envs: tuple[Environment, Environment]
) -> None:
    production, _ = envs
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"))
    feed = services.feed
    real_read = feed._read_all

    def read_then_change(environment_id: str) -> object:
        items = real_read(environment_id)  # the change below commits after this read
        services.segments.create("p", "production", SegmentDraft(key="late", name="L"))
        return items

    feed._read_all = read_then_change  # type: ignore[assignment,method-assign]
    first = feed.payload(production.id)
    feed._read_all = real_read  # type: ignore[method-assign]
    assert "late" not in orjson.loads(first.body)["segments"]
    assert "late" in orjson.loads(feed.payload(production.id).body)["segments"]
