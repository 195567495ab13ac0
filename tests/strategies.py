"""Hypothesis strategies for segments and contexts, and the ``ci``/``thorough`` profiles.

Values are drawn from small pools so that random segments and contexts actually collide
(same keys, same attribute names, comparable values). Pools leave out the inputs on which the
Go reference and the Python SDK are documented to disagree (docs/evaluation.md), so that a
differential test against the Python SDK can demand identical membership: no integral floats,
no null/array/object clause values, no ``user`` entries in ``includedContexts``, rollout kinds
only among the context's kinds.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import OPERATORS, Clause
from segmentd.domain.shared.json_types import JsonValue

settings.register_profile(
    "ci",
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

KINDS = ("user", "org", "device")
KEYS = ("k0", "k1", "k2", "k3")
SEGMENT_KEYS = ("s0", "s1", "s2")
ATTRIBUTES = ("a", "b", "tags", "nested")
STRINGS = (
    "",
    "abc",
    "ABC",
    "a@x.com",
    "k1",
    "2",
    "2.0",
    "2.0.0",
    "2.0.0-rc.1",
    "1.10.0",
    "v1.0.0",
    "2017-12-06T07:00:00Z",
    "2017-12-06T00:00:00.000-07:00",
    "2018-01-01T00:00:00.5Z",
    "1512543600000",
    "user",
    "org",
)
NUMBERS: tuple[JsonValue, ...] = (0, 1, 99, -3, 1512543600000, 10.5, -7.25)
PATTERNS = ("^a", "c$", "(", "[0-9]+", "x\\.c", "")
#: Every clause operator, and one no SDK knows (a plain non-match).
OPS = (*OPERATORS, "notAnOperator")

scalars: st.SearchStrategy[JsonValue] = st.one_of(
    st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans()
)
attribute_values: st.SearchStrategy[JsonValue] = st.one_of(
    scalars,
    st.lists(scalars, max_size=3).map(lambda xs: list(xs)),
    st.builds(lambda v: {"x": v}, scalars),
    st.none(),
)


@st.composite
def clauses(draw: st.DrawFn) -> Clause:
    """A clause over the shared pools (sometimes with an invalid attribute reference)."""
    op = draw(st.sampled_from(OPS))
    negate = draw(st.booleans())
    if op == "segmentMatch":
        keys = draw(st.lists(st.sampled_from((*SEGMENT_KEYS, "missing")), min_size=1, max_size=2))
        return Clause("", op, tuple(keys), negate=negate)
    kind = draw(st.sampled_from((None, *KINDS)))
    names = ("key", "name", "kind", "anonymous", *ATTRIBUTES)
    attribute = draw(st.sampled_from(names))
    if kind is not None and draw(st.integers(0, 9)) == 0:
        attribute = draw(st.sampled_from(("/nested/x", "/nested", "/", "/a//b", "/a~2", "")))
    pool = st.sampled_from(PATTERNS) if op == "matches" else scalars
    values = draw(st.lists(pool, min_size=1, max_size=3))
    return Clause(attribute, op, tuple(values), negate=negate, context_kind=kind)


@st.composite
def rules(draw: st.DrawFn, *, rollout_kinds: tuple[str, ...]) -> SegmentRule:
    """A rule of up to three clauses, sometimes weighted (rollout kind from ``rollout_kinds``)."""
    body = tuple(draw(st.lists(clauses(), max_size=3)))
    if not rollout_kinds or not draw(st.booleans()):
        return SegmentRule(body, id=draw(st.sampled_from((None, "r"))))
    picked = draw(st.sampled_from(rollout_kinds))
    kind = None if picked == "user" and draw(st.booleans()) else picked
    bucket_by = draw(st.sampled_from((None, "a", "b", "key", *(("/nested/x",) if kind else ()))))
    weight = draw(st.sampled_from((0, 1, 30_000, 50_000, 99_999, 100_000)))
    return SegmentRule(
        body, weight=weight, bucket_by=bucket_by, rollout_context_kind=kind, id="weighted"
    )


def _targets(kinds: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[SegmentTarget, ...]]:
    target = st.builds(
        lambda kind, keys: SegmentTarget(kind, tuple(keys)),
        kinds,
        st.lists(st.sampled_from(KEYS), max_size=3),
    )
    return st.lists(target, max_size=2).map(tuple)


@st.composite
def segments(draw: st.DrawFn, key: str, *, rollout_kinds: tuple[str, ...]) -> Segment:
    """A segment named ``key`` whose rules may reference the other pool segments."""
    keys = st.lists(st.sampled_from(KEYS), max_size=3).map(tuple)
    unbounded = draw(st.integers(0, 5)) == 0
    return Segment(
        key=key,
        name=key,
        creation_date=0,
        last_modified_date=0,
        version=1,
        salt=draw(st.sampled_from(("", "salty"))),
        included=draw(keys),
        excluded=draw(keys),
        included_contexts=draw(_targets(st.sampled_from(KINDS[1:]))),
        excluded_contexts=draw(_targets(st.sampled_from(KINDS[1:]))),
        rules=tuple(draw(st.lists(rules(rollout_kinds=rollout_kinds), max_size=3))),
        unbounded=unbounded,
        unbounded_context_kind=draw(st.sampled_from((None, "org"))) if unbounded else None,
        generation=draw(st.sampled_from((None, 1, 1))) if unbounded else None,
    )


@st.composite
def single_context_json(draw: st.DrawFn, kind: str | None) -> dict[str, JsonValue]:
    """One individual context as JSON; ``kind=None`` omits ``kind`` (multi members)."""
    out: dict[str, JsonValue] = {"key": draw(st.sampled_from(KEYS))}
    if kind is not None:
        out["kind"] = kind
    if draw(st.booleans()):
        out["name"] = draw(st.sampled_from(STRINGS))
    if draw(st.booleans()):
        out["anonymous"] = draw(st.booleans())
    for name in draw(st.lists(st.sampled_from(ATTRIBUTES), unique=True)):
        out[name] = draw(attribute_values)
    return out


@st.composite
def context_json(draw: st.DrawFn) -> dict[str, JsonValue]:
    """A single-kind or multi-kind context in LD JSON form."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
    if len(kinds) == 1:
        return draw(single_context_json(kinds[0]))
    out: dict[str, JsonValue] = {"kind": "multi"}
    for kind in kinds:
        out[kind] = draw(single_context_json(None))
    return out


def context_kinds(context: dict[str, JsonValue]) -> tuple[str, ...]:
    """The kinds of a context JSON drawn by :func:`context_json`."""
    if context["kind"] == "multi":
        return tuple(k for k in context if k != "kind")
    kind = context["kind"]
    assert isinstance(kind, str)
    return (kind,)


big_memberships: st.SearchStrategy[dict[str, dict[str, bool]]] = st.dictionaries(
    st.sampled_from(KEYS),
    st.dictionaries(st.sampled_from(tuple(f"{s}.g1" for s in SEGMENT_KEYS)), st.booleans()),
    max_size=3,
)
