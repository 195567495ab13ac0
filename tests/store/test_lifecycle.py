"""Segment lifecycle use cases on both stores (``services`` runs each test on SQLite and
PostgreSQL): listing, patching, deleting, expiring targets and the audit history."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from segmentd.bootstrap import Services
from segmentd.domain.audit.history import SYSTEM, Action, Actor, AuditScope
from segmentd.domain.expiring.targets import parse_expiring_patch
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.query import SegmentQuery, parse_filter, parse_sort
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.errors import InvalidRequest, NotFound, OptimisticLockError, UnprocessablePatch
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.fixed import FixedClock

ME = Actor(id="t1", name="tester")


@pytest.fixture
def project(services: Services) -> str:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    return "p"


def create(services: Services, key: str, **fields: Any) -> None:
    services.segments.create("p", "production", SegmentDraft(key=key, **fields), actor=ME)


def semantic(*instructions: dict[str, Any], comment: str | None = None) -> Any:
    return parse_semantic_patch({"instructions": list(instructions), "comment": comment})


def include(*keys: str, kind: str = "user") -> dict[str, Any]:
    return {"kind": "addIncludedTargets", "contextKind": kind, "values": list(keys)}


def keys(services: Services, *, filter: str | None = None, sort: str | None = None) -> list[str]:
    query = SegmentQuery(filter=parse_filter(filter), sort=parse_sort(sort), limit=100)
    return [s.key for s in services.segments.list("p", "production", query).items]


# ---------------------------------------------------------------- list


@pytest.fixture
def catalogue(services: Services, project: str, clock: FixedClock) -> Services:
    for key, name, tags, description in [
        ("alpha", "Zebra fans", ("beta", "eu"), None),
        ("beta-users", "Alpha testers", ("beta",), "people who test early"),
        ("gamma", "Mobile", (), "TOGGLE users"),
        ("delta_1", "100%_sure", ("eu",), None),
    ]:
        create(services, key, name=name, tags=tags, description=description)
        clock.advance(1000)
    services.segments.create("p", "production", SegmentDraft("big", "Big", unbounded=True))
    return services


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        pytest.param(None, ["alpha", "beta-users", "gamma", "delta_1", "big"], id="no filter"),
        pytest.param('query equals "ALPHA"', ["alpha", "beta-users"], id="query key or name"),
        pytest.param('query equals "toggle"', ["gamma"], id="query description"),
        pytest.param('query equals "%"', ["delta_1"], id="query percent is literal"),
        pytest.param('query equals "a_1"', ["delta_1"], id="query underscore is literal"),
        pytest.param('query equals ["mobile", "zebra"]', ["alpha", "gamma"], id="query list"),
        pytest.param('tags anyOf ["eu"]', ["alpha", "delta_1"], id="tags"),
        pytest.param('tags anyOf ["beta", "eu"]', ["alpha", "beta-users", "delta_1"], id="tags or"),
        pytest.param("tags anyOf []", [], id="tags empty"),
        pytest.param('includedKeys anyOf ["gamma", "nope"]', ["gamma"], id="included keys"),
        pytest.param(
            'excludedKeys anyOf ["alpha", "big"]', ["beta-users", "gamma", "delta_1"], id="excl"
        ),
        pytest.param("unbounded equals true", ["big"], id="unbounded"),
        pytest.param("external exists true", [], id="external"),
        pytest.param('tags anyOf ["beta"], query equals "test"', ["beta-users"], id="and"),
        pytest.param(
            'tags anyOf ["eu"], (query equals "zebra" | unbounded equals false)',
            ["alpha", "delta_1"],
            id="grouped",
        ),
    ],
)
def test_list__filter__matching_segments(
    catalogue: Services, filter: str | None, expected: list[str]
) -> None:
    assert keys(catalogue, filter=filter) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        pytest.param("-creationDate", ["big", "delta_1", "gamma", "beta-users", "alpha"], id="new"),
        pytest.param("name", ["delta_1", "beta-users", "big", "gamma", "alpha"], id="name"),
        pytest.param("-name", ["alpha", "gamma", "big", "beta-users", "delta_1"], id="-name"),
    ],
)
def test_list__sort__ordered(catalogue: Services, sort: str, expected: list[str]) -> None:
    assert keys(catalogue, sort=sort) == expected


def test_list__pages__total_counts_all_matches_and_pages_do_not_overlap(
    catalogue: Services,
) -> None:
    seen: list[str] = []
    for offset in (0, 2, 4):
        page = catalogue.segments.list(
            "p", "production", SegmentQuery(sort=parse_sort("name"), limit=2, offset=offset)
        )
        assert page.total == 5
        seen += [s.key for s in page.items]
    assert seen == keys(catalogue, sort="name")


def test_list__deleted_segments__not_listed(catalogue: Services) -> None:
    catalogue.segments.delete("p", "production", "gamma", actor=ME)
    assert "gamma" not in keys(catalogue)


def test_list__unknown_environment__not_found(services: Services, project: str) -> None:
    with pytest.raises(NotFound):
        services.segments.list("p", "nope", SegmentQuery())


# ---------------------------------------------------------------- patch


def test_patch__semantic__version_plus_one_and_last_modified(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "s", name="S")
    clock.advance(5000)
    patched = services.segments.patch("p", "production", "s", semantic(include("a")), actor=ME)
    assert (patched.version, patched.included) == (2, ("a",))
    assert patched.last_modified_date == clock.now_ms()
    assert services.segments.get("p", "production", "s") == patched


def test_patch__no_op__version_unchanged_and_not_audited(services: Services, project: str) -> None:
    create(services, "s", name="S")
    services.segments.patch("p", "production", "s", semantic(include("a")), actor=ME)
    again = services.segments.patch("p", "production", "s", semantic(include("a")), actor=ME)
    assert again.version == 2
    segment_history = AuditQuery(scope=AuditScope("p", "production", "s"))
    assert services.audit.list(segment_history).total == 2


def test_patch__dry_run__previews_and_stores_nothing(services: Services, project: str) -> None:
    create(services, "s", name="S")
    preview = services.segments.patch(
        "p", "production", "s", semantic(include("a")), actor=ME, dry_run=True
    )
    assert (preview.version, preview.included) == (2, ("a",))
    stored = services.segments.get("p", "production", "s")
    assert (stored.version, stored.included) == (1, ())


def test_patch__version_test_fails__409_and_unchanged(services: Services, project: str) -> None:
    create(services, "s", name="S")
    stale = parse_patch_document(
        [
            {"op": "test", "path": "/version", "value": 9},
            {"op": "replace", "path": "/name", "value": "X"},
        ]
    )
    with pytest.raises(OptimisticLockError):
        services.segments.patch("p", "production", "s", stale, actor=ME)
    assert services.segments.get("p", "production", "s").name == "S"


def test_patch__big_segment_instruction__membership_stored_in_same_version_bump(
    services: Services, project: str
) -> None:
    services.segments.create("p", "production", SegmentDraft("big", "B", unbounded=True))
    patch = semantic({"kind": "addBigSegmentIncludedTargets", "values": ["k"]})
    stored = services.segments.patch("p", "production", "big", patch, actor=ME)
    assert stored.version == 2
    membership = services.big_segments.membership("p", "production", "big", "k")
    assert (membership.included, membership.excluded) == (True, False)


def test_patch__big_segment_instruction_on_standard__400_not_a_big_segment(
    services: Services, project: str
) -> None:
    create(services, "s", name="S")
    patch = semantic({"kind": "addBigSegmentIncludedTargets", "values": ["k"]})
    with pytest.raises(InvalidRequest, match="not a big segment"):
        services.segments.patch("p", "production", "s", patch, actor=ME)


def test_patch__concurrent_writers__no_update_lost(services: Services, project: str) -> None:
    create(services, "s", name="S")
    writers = 12
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def add(n: int) -> None:
        barrier.wait()
        try:
            services.segments.patch(
                "p", "production", "s", semantic(include(f"k{n}", kind="org")), actor=ME
            )
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    stored = services.segments.get("p", "production", "s")
    assert stored.version == 1 + writers
    assert sorted(stored.included_contexts[0].values) == sorted(f"k{n}" for n in range(writers))


def test_patch__json_patch_without_version_test__reapplied_after_a_race(
    services: Services, project: str
) -> None:
    create(services, "s", name="S", tags=("a",))
    writers = 8
    barrier = threading.Barrier(writers)

    def tag(n: int) -> None:
        barrier.wait()
        patch = parse_patch_document(
            {"patch": [{"op": "add", "path": "/tags/-", "value": f"t{n}"}]}
        )
        services.segments.patch("p", "production", "s", patch, actor=ME)

    threads = [threading.Thread(target=tag, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = services.segments.get("p", "production", "s")
    assert stored.version == 1 + writers
    assert set(stored.tags) == {"a", *(f"t{n}" for n in range(writers))}


def test_patch__removed_target__its_expiry_goes_too(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "s", name="S")
    services.segments.patch("p", "production", "s", semantic(include("u1", "u2")), actor=ME)
    expire(services, "u1", "u2", at=clock.now_ms() + 10_000)
    removal = {"kind": "removeIncludedTargets", "contextKind": "user", "values": ["u1"]}
    services.segments.patch("p", "production", "s", semantic(removal), actor=ME)
    assert [t.context_key for t in services.expiring.get("p", "production", "s").targets] == ["u2"]


# ---------------------------------------------------------------- delete


def test_delete__then_recreate__version_continues(services: Services, project: str) -> None:
    create(services, "s", name="S")
    services.segments.patch("p", "production", "s", semantic(include("a")), actor=ME)
    assert services.segments.delete("p", "production", "s", actor=ME) == 3
    with pytest.raises(NotFound):
        services.segments.get("p", "production", "s")
    create(services, "s", name="Again")
    assert services.segments.get("p", "production", "s").version == 4


def test_delete__missing__not_found(services: Services, project: str) -> None:
    with pytest.raises(NotFound):
        services.segments.delete("p", "production", "nope", actor=ME)


# ---------------------------------------------------------------- expiring targets


def expire(services: Services, *keys: str, at: int) -> None:
    instructions = [
        {"kind": "addExpiringTarget", "targetType": "included", "contextKind": "user",
         "contextKey": k, "value": at}
        for k in keys
    ]  # fmt: skip
    _, result = services.expiring.patch(
        "p", "production", "s", parse_expiring_patch({"instructions": instructions}), actor=ME
    )
    assert result.errors == ()


def test_expire_due__due_target__removed_version_bumped_audited_as_system(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "s", name="S")
    services.segments.patch("p", "production", "s", semantic(include("u1", "u2")), actor=ME)
    expire(services, "u1", at=clock.now_ms() + 60_000)
    assert services.expiring.expire_due(clock.now_ms() + 59_999) == 0
    assert services.expiring.expire_due(clock.now_ms() + 60_000) == 1
    stored = services.segments.get("p", "production", "s")
    assert (stored.included, stored.version) == (("u2",), 3)
    assert services.expiring.get("p", "production", "s").targets == ()
    latest = services.audit.list(AuditQuery(limit=1)).items[0]
    assert (latest.action, latest.actor, latest.version_before, latest.version_after) == (
        Action.EXPIRE_TARGETS,
        SYSTEM,
        2,
        3,
    )
    assert services.expiring.expire_due(clock.now_ms() + 120_000) == 0


def test_expire_due__deleted_segment__nothing_to_do(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "s", name="S")
    services.segments.patch("p", "production", "s", semantic(include("u1")), actor=ME)
    expire(services, "u1", at=clock.now_ms() + 10)
    services.segments.delete("p", "production", "s", actor=ME)
    assert services.expiring.expire_due(clock.now_ms() + 100) == 0


# ---------------------------------------------------------------- audit


def test_audit__each_change__recorded_newest_first_with_actor_versions_and_diff(
    services: Services, project: str
) -> None:
    create(services, "s", name="S")
    services.segments.patch(
        "p", "production", "s", semantic(include("a"), comment="add a"), actor=ME
    )
    services.segments.delete("p", "production", "s", actor=ME)
    entries = services.audit.list(AuditQuery(scope=AuditScope("p", "production", "s"))).items
    assert [e.action for e in entries] == [Action.DELETE, Action.UPDATE, Action.CREATE]
    assert [(e.version_before, e.version_after) for e in entries] == [(2, 3), (1, 2), (None, 1)]
    assert all(e.actor == ME for e in entries)
    assert entries[1].comment == "add a"
    assert {"op": "add", "path": "/included/-", "value": "a"} in entries[1].changes
    assert (entries[0].project_key, entries[0].environment_key) == ("p", "production")


def segment_keys(services: Services, query: AuditQuery) -> list[str]:
    """The segment entries' keys, newest first (projects and environments have entries too)."""
    return [e.segment_key for e in services.audit.list(query).items if e.kind == "segment"]


def test_audit__failed_patch__nothing_recorded(services: Services, project: str) -> None:
    create(services, "s", name="S")
    bad = parse_patch_document([{"op": "replace", "path": "/tags/3", "value": "x"}])
    with pytest.raises(UnprocessablePatch):
        services.segments.patch("p", "production", "s", bad, actor=ME)
    assert services.audit.list(AuditQuery(scope=AuditScope("p", "production", "s"))).total == 1


def test_audit__scope_and_window__filters(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "one", name="One")
    clock.advance(10)
    services.segments.create("p", "test", SegmentDraft("two", "Two"), actor=ME)
    assert segment_keys(services, AuditQuery()) == ["two", "one"]
    production = AuditQuery(scope=AuditScope("p", "production"))
    assert segment_keys(services, production) == ["one"]
    before = AuditQuery(before=clock.now_ms())
    assert segment_keys(services, before) == ["one"]
    assert [e.segment_key for e in services.audit.list(AuditQuery(text="TW")).items] == ["two"]
    with pytest.raises(NotFound):
        services.audit.list(AuditQuery(scope=AuditScope("p", "nope")))


def test_patch__tags_changed_or_kept__tag_filter_follows(services: Services, project: str) -> None:
    create(services, "s", name="S", tags=("old",))
    add_tag = semantic({"kind": "addTags", "values": ["new"]})
    services.segments.patch("p", "production", "s", add_tag, actor=ME)
    services.segments.patch("p", "production", "s", semantic(include("u1")), actor=ME)
    assert keys(services, filter='tags anyOf ["new"]') == ["s"]
    remove = semantic({"kind": "removeTags", "values": ["old", "new"]})
    services.segments.patch("p", "production", "s", remove, actor=ME)
    assert keys(services, filter='tags anyOf ["old", "new"]') == []


def test_changes__patch_delete_expiry__announced_after_commit_dry_run_not(
    services: Services, project: str, clock: FixedClock
) -> None:
    create(services, "s", name="S")
    seen: list[tuple[str, int]] = []
    services.changes.subscribe(lambda change: seen.append((change.key, change.version)))
    services.segments.patch("p", "production", "s", semantic(include("u1")), actor=ME)
    services.segments.patch("p", "production", "s", semantic(include("u2")), actor=ME, dry_run=True)
    expire(services, "u1", at=clock.now_ms() + 10)
    services.expiring.expire_due(clock.now_ms() + 10)
    services.segments.delete("p", "production", "s", actor=ME)
    assert seen == [("s", 2), ("s", 3), ("s", 4)]
    history = AuditQuery(scope=AuditScope("p", "production", "s"))
    assert services.audit.list(history).total == 5  # create, patch, expiry set, expiry, delete
