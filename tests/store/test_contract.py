"""The store contract, run identically against SQLite and PostgreSQL (``store_url`` fixture)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from segmentd.bootstrap import Services
from segmentd.domain.segments.model import Segment, SegmentRule
from segmentd.errors import KeyExists, OptimisticLockError
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from segmentd.store.schema import include_object, metadata


@pytest.fixture
def env_id(services: Services) -> str:
    project = services.projects.create_project(ProjectDraft(key="p", name="P"))
    return project.environments[0].id


def _segment(key: str = "s", version: int = 1) -> Segment:
    return Segment(
        key=key,
        name="S",
        creation_date=1,
        last_modified_date=1,
        version=version,
        salt="salt",
        tags=("a", "b"),
        rules=(SegmentRule(clauses=(), id="r1"),),
    )


def test_migrations__applied__match_schema_metadata(services: Services) -> None:
    with services.engine.connect() as connection:
        options = {"include_object": include_object(connection.dialect.name)}
        diff = compare_metadata(MigrationContext.configure(connection, opts=options), metadata)
    assert diff == []


def test_segments__add_then_get__round_trips(services: Services, env_id: str) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment())
        uow.commit()
    with services.uow() as uow:
        assert uow.segments.get(environment_id=env_id, key="s") == _segment()


def test_segments__add_without_commit__is_rolled_back(services: Services, env_id: str) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment())
    with services.uow() as uow:
        assert uow.segments.get(environment_id=env_id, key="s") is None


def test_segments__duplicate_key__raises_key_exists(services: Services, env_id: str) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment())
        uow.commit()
    with services.uow(write=True) as uow, pytest.raises(KeyExists):
        uow.segments.add(environment_id=env_id, segment=_segment())


def test_segments__update_with_stale_version__raises_conflict(
    services: Services, env_id: str
) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment())
        uow.segments.update(environment_id=env_id, segment=_segment(version=2), expected_version=1)
        with pytest.raises(OptimisticLockError):
            uow.segments.update(
                environment_id=env_id, segment=_segment(version=2), expected_version=1
            )


def test_segments__recreated_after_delete__continues_above_tombstone(
    services: Services, env_id: str
) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment(version=1))
        assert uow.segments.delete(environment_id=env_id, key="s", expected_version=1) == 2
        assert uow.segments.get(environment_id=env_id, key="s") is None
        stored = uow.segments.add(environment_id=env_id, segment=_segment(version=1))
        uow.commit()
    assert stored.version == 3
    with services.uow() as uow:
        assert uow.segments.get(environment_id=env_id, key="s") == replace(_segment(), version=3)


def test_segments__same_key_in_two_environments__both_stored(services: Services) -> None:
    project = services.projects.create_project(ProjectDraft(key="p", name="P"))
    for environment in project.environments:
        services.segments.create("p", environment.key, SegmentDraft(key="s", name="S"))
    assert {e.key for e in project.environments} == {"production", "test"}


def test_segments__tags__indexed_in_tag_table(services: Services, env_id: str) -> None:
    with services.uow(write=True) as uow:
        uow.segments.add(environment_id=env_id, segment=_segment())
        uow.commit()
    with services.engine.connect() as connection:
        tags = connection.execute(sa.text("SELECT tag FROM segment_tags ORDER BY tag")).all()
    assert [t[0] for t in tags] == ["a", "b"]


def test_segments__concurrent_creates_of_one_key__exactly_one_wins(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        try:
            services.segments.create("p", "production", SegmentDraft(key="race", name="R"))
            outcomes.append("created")
        except KeyExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["exists"] * 7


def test_projects__duplicate_key__raises_key_exists(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    with pytest.raises(KeyExists):
        services.projects.create_project(ProjectDraft(key="p", name="Again"))


def test_tokens__add_find_delete__round_trips(services: Services) -> None:
    from segmentd.domain.projects.model import Role
    from segmentd.services.projects.access import hash_token

    created = services.access.create(name="ci", role=Role.WRITER)
    with services.uow() as uow:
        assert uow.tokens.find_by_hash(hash_token(created.secret)) == created.token
    services.access.delete(created.token.id)
    with services.uow() as uow:
        assert uow.tokens.get(created.token.id) is None


def test_segments__create__announces_change_after_commit(services: Services) -> None:
    from segmentd.services.ports import ItemChange

    project = services.projects.create_project(ProjectDraft(key="p", name="P"))
    seen: list[ItemChange] = []
    services.changes.subscribe(seen.append)
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"))
    assert seen == [ItemChange(project.environments[0].id, "segments", "s", 1)]
