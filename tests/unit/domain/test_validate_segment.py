"""Write-time validation of whole segments: validate_segment and its rule/clause checks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.validate import check_attribute_reference
from segmentd.errors import InvalidRequest

from .strategies_patch import big_segment, counter_ids, segment


def with_clause(clause: Clause) -> Segment:
    return segment(rules=(SegmentRule(id="r1", clauses=(replace(clause, id="c1"),)),))


def test_validate_segment__normalised_segment__returned_unchanged() -> None:
    original = segment()
    assert validate_segment(original, new_id=counter_ids()) == original


def test_validate_segment__rules_and_clauses_without_ids__get_ids_from_factory() -> None:
    raw = segment(rules=(SegmentRule(clauses=(Clause("a", "in", (1,)), Clause("b", "in", (2,)))),))
    result = validate_segment(raw, new_id=counter_ids())
    assert [c.id for c in result.rules[0].clauses] == ["new-1", "new-2"]
    assert result.rules[0].id == "new-3"


def test_validate_segment__user_kind_contexts__folded_into_legacy_lists() -> None:
    raw = segment(
        included=("u1",),
        included_contexts=(SegmentTarget("user", ("u3", "u1")), SegmentTarget("org", ("o1",))),
        excluded=(),
        excluded_contexts=(SegmentTarget("user", ("u4",)),),
    )
    result = validate_segment(raw)
    assert result.included == ("u1", "u3")
    assert result.included_contexts == (SegmentTarget("org", ("o1",)),)
    assert result.excluded == ("u4",)
    assert result.excluded_contexts == ()


def test_validate_segment__duplicate_keys_and_kinds__merged_in_order() -> None:
    raw = segment(
        included=("b", "a", "b"),
        included_contexts=(
            SegmentTarget("org", ("o2", "o1")),
            SegmentTarget("team", ()),
            SegmentTarget("org", ("o1", "o3")),
        ),
    )
    result = validate_segment(raw)
    assert result.included == ("b", "a")
    assert result.included_contexts == (SegmentTarget("org", ("o2", "o1", "o3")),)


def test_validate_segment__duplicate_tags__dropped() -> None:
    assert validate_segment(segment(tags=("a", "b", "a"))).tags == ("a", "b")


def test_validate_segment__exactly_15000_targets__accepted() -> None:
    keys = tuple(f"k{i}" for i in range(15_000))
    raw = segment(included=keys, excluded=(), included_contexts=(), excluded_contexts=())
    assert validate_segment(raw).target_count == 15_000


def test_validate_segment__15001_targets_across_lists__raises_with_count() -> None:
    raw = segment(
        included=tuple(f"k{i}" for i in range(10_000)),
        excluded=(),
        included_contexts=(SegmentTarget("org", tuple(f"o{i}" for i in range(5_000))),),
        excluded_contexts=(SegmentTarget("org", ("x",)),),
    )
    with pytest.raises(InvalidRequest, match="15001"):
        validate_segment(raw)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"rules": segment().rules}, "rules", id="rules"),
        pytest.param({"included": ("u1",)}, "included", id="legacy included"),
        pytest.param({"excluded": ("u1",)}, "included", id="legacy excluded"),
        pytest.param(
            {"included_contexts": (SegmentTarget("device", ("d",)),)}, "included", id="contexts"
        ),
        pytest.param({"unbounded_context_kind": "multi"}, "unboundedContextKind", id="bad kind"),
    ],
)
def test_validate_segment__big_segment_with_targeting__raises(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        validate_segment(big_segment(**changes))


def test_validate_segment__empty_big_segment__accepted() -> None:
    assert validate_segment(big_segment()) == big_segment()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"key": "-bad"}, "key", id="bad key"),
        pytest.param({"name": "  "}, "name", id="blank name"),
        pytest.param({"tags": ("no spaces",)}, r"tags\[0\]", id="bad tag"),
        pytest.param({"description": "x" * 4097}, "description", id="long description"),
        pytest.param({"included": ("",)}, r"included\[0\]", id="empty user key"),
        pytest.param(
            {"included_contexts": (SegmentTarget("kind", ("k",)),)},
            r"includedContexts\[0\].contextKind",
            id="reserved kind",
        ),
        pytest.param(
            {"excluded_contexts": (SegmentTarget("org", ("",)),)},
            r"excludedContexts\[0\].values\[0\]",
            id="empty context key",
        ),
    ],
)
def test_validate_segment__bad_top_level_field__raises_naming_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidRequest, match=f"^{field}"):
        validate_segment(segment(**changes))


@pytest.mark.parametrize(
    "clause",
    [
        pytest.param(Clause("email", "in", ("a", 1, 2.5, True)), id="in mixed scalars"),
        pytest.param(Clause("/a/b~1c~0d", "in", ("x",), context_kind="org"), id="pointer path"),
        pytest.param(Clause("a//b", "in", ("x",), context_kind="org"), id="no slash prefix"),
        pytest.param(Clause("/a//b", "in", ("x",)), id="literal mode ignores slashes"),
        pytest.param(Clause("n", "lessThan", (1, 2.5)), id="numbers"),
        pytest.param(Clause("d", "before", ("2017-12-06T07:00:00Z", 0)), id="dates"),
        pytest.param(Clause("v", "semVerEqual", ("2", "2.1.0-rc")), id="versions"),
        pytest.param(Clause("e", "matches", ("^a.*z$",)), id="regex"),
        pytest.param(Clause("", "segmentMatch", ("other-seg",)), id="segmentMatch empty attr"),
        pytest.param(Clause("e", "in", ()), id="no values"),
        # a JSON type the operator does not compare: stored, a non-match in every SDK
        pytest.param(Clause("e", "startsWith", (1,)), id="number for string op"),
        pytest.param(Clause("e", "lessThan", ("30",)), id="numeric string"),
        pytest.param(Clause("e", "lessThan", (True,)), id="bool for number"),
        pytest.param(Clause("e", "semVerEqual", (1,)), id="number semver"),
        pytest.param(Clause("e", "matches", (1,)), id="number regex"),
        pytest.param(Clause("e", "before", (True,)), id="bool date"),
    ],
)
def test_validate_segment__valid_clause__accepted(clause: Clause) -> None:
    raw = with_clause(clause)
    assert validate_segment(raw) == raw


@pytest.mark.parametrize(
    ("clause", "field"),
    [
        pytest.param(Clause("e", "equals", ("x",)), "op", id="unknown operator"),
        pytest.param(Clause("e", "EndsWith", ("x",)), "op", id="operator case"),
        pytest.param(Clause("e", "in", ("x",), context_kind="multi"), "contextKind", id="kind"),
        pytest.param(Clause("", "in", ("x",)), "attribute", id="empty attribute"),
        pytest.param(Clause("/", "in", ("x",), context_kind="user"), "attribute", id="slash"),
        pytest.param(Clause("/a/", "in", ("x",), context_kind="user"), "attribute", id="trail"),
        pytest.param(Clause("/a~2", "in", ("x",), context_kind="user"), "attribute", id="tilde"),
        pytest.param(Clause("/a~", "in", ("x",), context_kind="user"), "attribute", id="end ~"),
        pytest.param(Clause("e", "in", (None,)), r"values\[0\]", id="null value"),
        pytest.param(Clause("e", "in", ([1],)), r"values\[0\]", id="array value"),
        pytest.param(Clause("e", "before", ("2017-12-06",)), r"values\[0\]", id="date only"),
        pytest.param(Clause("e", "after", (1.5,)), r"values\[0\]", id="float milliseconds"),
        pytest.param(Clause("e", "semVerLessThan", ("v1",)), r"values\[0\]", id="bad semver"),
        pytest.param(Clause("e", "matches", ("(?=a)",)), r"values\[0\]", id="lookahead"),
        pytest.param(Clause("", "segmentMatch", ("bad key",)), r"values\[0\]", id="bad seg key"),
        pytest.param(Clause("", "segmentMatch", (1,)), r"values\[0\]", id="number seg key"),
    ],
)
def test_validate_segment__invalid_clause__raises_naming_field(clause: Clause, field: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^rules\[0\]\.clauses\[0\]\.{field}"):
        validate_segment(with_clause(clause))


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        pytest.param(SegmentRule((), weight=-1), "weight", id="negative weight"),
        pytest.param(SegmentRule((), weight=100_001), "weight", id="weight too big"),
        pytest.param(SegmentRule((), rollout_context_kind=""), "rolloutContextKind", id="kind"),
        pytest.param(SegmentRule((), bucket_by=""), "bucketBy", id="empty bucketBy"),
        pytest.param(
            SegmentRule((), bucket_by="/a//b", rollout_context_kind="org"),
            "bucketBy",
            id="bad bucketBy path",
        ),
        pytest.param(SegmentRule((), description="x" * 5000), "description", id="description"),
        pytest.param(
            SegmentRule((Clause("a", "in", (1,), id="c"), Clause("b", "in", (1,), id="c"))),
            r"clauses\[1\]\._id",
            id="duplicate clause ids",
        ),
    ],
)
def test_validate_segment__invalid_rule__raises_naming_field(rule: SegmentRule, field: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^rules\[0\]\.{field}"):
        validate_segment(segment(rules=(rule,)))


@pytest.mark.parametrize(
    "weight", [pytest.param(0, id="zero"), pytest.param(100_000, id="one hundred percent")]
)
def test_validate_segment__weight_at_bounds__accepted(weight: int) -> None:
    raw = segment(rules=(SegmentRule((), id="r", weight=weight),))
    assert validate_segment(raw) == raw


def test_validate_segment__duplicate_rule_ids__raises() -> None:
    raw = segment(rules=(SegmentRule((), id="r"), SegmentRule((), id="r")))
    with pytest.raises(InvalidRequest, match=r"^rules\[1\]\._id"):
        validate_segment(raw)


@pytest.mark.parametrize(
    ("attribute", "reference_mode"),
    [
        pytest.param("/attr/a", False, id="literal slash name"),
        pytest.param("attr/a", True, id="reference mode literal"),
        pytest.param("/a/0", True, id="numeric component"),
        pytest.param("kind", True, id="kind"),
    ],
)
def test_check_attribute_reference__valid__returned(attribute: str, reference_mode: bool) -> None:
    assert (
        check_attribute_reference(attribute, reference_mode=reference_mode, field="f") == attribute
    )
