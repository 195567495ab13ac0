"""Feature flags, just enough of LaunchDarkly's model to target segments, and their checks.

A flag has project-wide fields (key, name, variations) and one :class:`FlagConfig` per
environment (on/off, targets, rules, fallthrough, off variation). SDKs see one environment's
configuration at a time, versioned on its own: every change to a configuration raises that
configuration's ``version`` so SDKs never ignore the update.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from segmentd.domain.flags.settings import NO_SETTINGS, FlagSettings
from segmentd.domain.shared.clauses import DEFAULT_KIND, Clause
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.validate import (
    MAX_WEIGHT,
    check_bucketing,
    check_context_kind,
    check_description,
    check_key,
    check_name,
    check_tags,
    validate_clauses,
)
from segmentd.errors import InvalidRequest

#: Variations of a flag created without any (LaunchDarkly's boolean default).
BOOLEAN_VARIATIONS: tuple[JsonValue, ...] = (True, False)


@dataclass(frozen=True, slots=True)
class Variation:
    """One value a flag can serve; rules and targets refer to it by index."""

    value: JsonValue
    id: str | None = None
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class WeightedVariation:
    variation: int
    weight: int


@dataclass(frozen=True, slots=True)
class Rollout:
    """A percentage rollout: weights in thousandths of a percent, summing to 100,000."""

    variations: tuple[WeightedVariation, ...]
    bucket_by: str | None = None
    context_kind: str | None = None


@dataclass(frozen=True, slots=True)
class VariationOrRollout:
    """Exactly one of a fixed variation index or a rollout."""

    variation: int | None = None
    rollout: Rollout | None = None


@dataclass(frozen=True, slots=True)
class FlagRule:
    """Clauses ANDed together; a matching context gets the rule's variation or rollout."""

    clauses: tuple[Clause, ...]
    serve: VariationOrRollout
    id: str | None = None
    description: str | None = None
    track_events: bool = False


@dataclass(frozen=True, slots=True)
class FlagTarget:
    """Context keys of one kind served one variation, before any rule is looked at."""

    values: tuple[str, ...]
    variation: int
    context_kind: str = DEFAULT_KIND


@dataclass(frozen=True, slots=True)
class FlagConfig:
    """A flag's targeting in one environment."""

    on: bool = False
    version: int = 1
    salt: str = ""
    last_modified: int = 0
    targets: tuple[FlagTarget, ...] = ()
    rules: tuple[FlagRule, ...] = ()
    fallthrough: VariationOrRollout = VariationOrRollout(variation=0)
    off_variation: int | None = None
    track_events: bool = False
    track_events_fallthrough: bool = False
    deleted: bool = False

    def targeting_equals(self, other: FlagConfig) -> bool:
        """Whether the two configurations serve the same values (ignoring version/date)."""
        return replace(self, version=0, last_modified=0) == replace(
            other, version=0, last_modified=0
        )

    def segment_keys(self) -> frozenset[str]:
        """Keys of the segments this configuration's rules test with ``segmentMatch``."""
        return frozenset(
            value
            for rule in self.rules
            for clause in rule.clauses
            if clause.op == "segmentMatch"
            for value in clause.values
            if isinstance(value, str)
        )


@dataclass(frozen=True, slots=True)
class ClientSideAvailability:
    """Which client credentials may evaluate the flag (LaunchDarkly's
    ``clientSideAvailability``). Defaults are LaunchDarkly's for a new project: mobile SDKs
    yes, client-side JavaScript (environment id) no."""

    using_environment_id: bool = False
    using_mobile_key: bool = True


#: What a flag created without ``clientSideAvailability`` gets.
DEFAULT_CLIENT_SIDE = ClientSideAvailability()


@dataclass(frozen=True, slots=True)
class Flag:
    """A feature flag of a project; ``environments`` maps environment keys to configurations.

    ``version`` counts changes to the project-wide fields (LaunchDarkly's ``_version``).
    """

    key: str
    name: str
    variations: tuple[Variation, ...]
    creation_date: int
    version: int = 1
    description: str | None = None
    tags: tuple[str, ...] = ()
    temporary: bool = False
    environments: Mapping[str, FlagConfig] = field(default_factory=dict)
    client_side: ClientSideAvailability = DEFAULT_CLIENT_SIDE
    settings: FlagSettings = NO_SETTINGS

    @property
    def kind(self) -> str:
        """``boolean`` for exactly the two variations true and false, else ``multivariate``."""
        values = [v.value for v in self.variations]
        is_bool = all(isinstance(v, bool) for v in values)
        return (
            "boolean"
            if len(values) == 2 and is_bool and values[0] != values[1]
            else ("multivariate")
        )


# ---------------------------------------------------------------- validation


def _check_index(index: int | None, count: int, *, field: str) -> None:
    if index is None:
        return
    if not 0 <= index < count:
        raise InvalidRequest(f"{field}: variation index {index} is not one of 0..{count - 1}")


def check_serve(serve: VariationOrRollout, count: int, *, field: str) -> VariationOrRollout:
    """A fixed variation or a rollout whose weights are valid and add up to 100,000."""
    if (serve.variation is None) == (serve.rollout is None):
        raise InvalidRequest(f"{field}: give exactly one of variation and rollout")
    _check_index(serve.variation, count, field=f"{field}.variation")
    rollout = serve.rollout
    if rollout is not None:
        if not rollout.variations:
            raise InvalidRequest(f"{field}.rollout.variations: must not be empty")
        for i, weighted in enumerate(rollout.variations):
            where = f"{field}.rollout.variations[{i}]"
            _check_index(weighted.variation, count, field=f"{where}.variation")
            if not 0 <= weighted.weight <= MAX_WEIGHT:
                raise InvalidRequest(f"{where}.weight: must be from 0 to {MAX_WEIGHT}")
        if sum(w.weight for w in rollout.variations) != MAX_WEIGHT:
            raise InvalidRequest(f"{field}.rollout: weights must add up to {MAX_WEIGHT}")
        check_bucketing(
            rollout.context_kind,
            rollout.bucket_by,
            kind_field=f"{field}.rollout.contextKind",
            bucket_field=f"{field}.rollout.bucketBy",
        )
    return serve


def _validate_rule(rule: FlagRule, count: int, *, new_id: NewId, field: str) -> FlagRule:
    clauses = validate_clauses(rule.clauses, new_id=new_id, field=f"{field}.clauses")
    check_serve(rule.serve, count, field=field)
    check_description(rule.description, field=f"{field}.description")
    return replace(rule, clauses=clauses, id=rule.id or new_id())


def _validate_targets(targets: tuple[FlagTarget, ...], count: int) -> tuple[FlagTarget, ...]:
    """Merge entries of the same kind and variation; a key may be targeted only once per kind."""
    merged: dict[tuple[str, int], list[str]] = {}
    owner: dict[tuple[str, str], int] = {}
    for i, target in enumerate(targets):
        check_context_kind(target.context_kind, field=f"targets[{i}].contextKind")
        _check_index(target.variation, count, field=f"targets[{i}].variation")
        keys = merged.setdefault((target.context_kind, target.variation), [])
        for key in target.values:
            if not key:
                raise InvalidRequest(f"targets[{i}].values: a context key must not be empty")
            previous = owner.setdefault((target.context_kind, key), target.variation)
            if previous != target.variation:
                raise InvalidRequest(
                    f"targets[{i}].values: {key!r} is already targeted with variation {previous}"
                )
            if key not in keys:
                keys.append(key)
    return tuple(
        FlagTarget(tuple(keys), variation, kind)
        for (kind, variation), keys in merged.items()
        if keys
    )


def validate_config(config: FlagConfig, count: int, *, new_id: NewId = new_uuid) -> FlagConfig:
    """Check one environment's configuration against a flag with ``count`` variations.

    Promises data every SDK accepts: variation indexes in range, rollouts adding up to
    100,000, clauses checked like segment clauses (``segmentMatch`` values are segment
    keys), unique rule and clause ids (new ones from ``new_id``), each context key targeted
    at most once per kind. Raises :class:`InvalidRequest` naming the first bad field.
    """
    ids = [r.id for r in config.rules if r.id]
    if len(ids) != len(set(ids)):
        raise InvalidRequest("rules: rule ids must be unique")
    rules = tuple(
        _validate_rule(r, count, new_id=new_id, field=f"rules[{i}]")
        for i, r in enumerate(config.rules)
    )
    check_serve(config.fallthrough, count, field="fallthrough")
    _check_index(config.off_variation, count, field="offVariation")
    return replace(config, rules=rules, targets=_validate_targets(config.targets, count))


def validate_flag_fields(flag: Flag) -> Flag:
    """Check the project-wide fields: key, name, description, tags and variations."""
    check_key(flag.key)
    check_name(flag.name)
    check_description(flag.description)
    if len(flag.variations) < 2:
        raise InvalidRequest("variations: a flag needs at least two variations")
    values = [v.value for v in flag.variations]
    for i, value in enumerate(values):
        if value in values[:i] and type(value) in {type(v) for v in values[:i] if v == value}:
            raise InvalidRequest(f"variations[{i}].value: duplicate variation value")
    return replace(flag, tags=check_tags(flag.tags))
