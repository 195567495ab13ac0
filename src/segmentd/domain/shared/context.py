"""Evaluation contexts: who is asking, as single-kind or multi-kind values.

A context is what a segment is tested against (docs/evaluation.md §contexts). :func:`parse_context`
reads both LaunchDarkly context JSON (``{"kind": ...}``) and legacy user JSON (no ``kind``),
and rejects malformed input with an :class:`InvalidRequest` that names the problem. Parsed
contexts are immutable; each individual context precomputes one lookup table holding its
built-in and custom attributes, so attribute access during evaluation is a single dict get.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import cast

from segmentd.domain.shared.attribute_ref import AttributeRef
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.json_types import JsonValue, json_type_name
from segmentd.domain.shared.validate import is_valid_kind
from segmentd.errors import InvalidRequest

__all__ = ["Context", "SingleContext", "parse_context"]

#: Legacy user properties that became ordinary custom attributes.
_LEGACY_STRING_ATTRIBUTES = ("firstName", "lastName", "email", "country", "avatar", "ip")
#: Names that a legacy ``custom`` object may not define (they are built-ins or metadata).
_LEGACY_RESERVED = frozenset({"kind", "key", "name", "anonymous", "_meta"})
_EMPTY: Mapping[str, JsonValue] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SingleContext:
    """One individual context: a kind, a key and attributes.

    ``attributes`` holds custom attributes only; :meth:`get` also answers the built-ins
    ``kind``, ``key``, ``name`` (absent when unset) and ``anonymous`` (always a bool).
    """

    kind: str
    key: str
    name: str | None = None
    anonymous: bool = False
    attributes: Mapping[str, JsonValue] = field(default_factory=lambda: _EMPTY)
    private_attributes: tuple[str, ...] = ()
    #: Built-ins and custom attributes in one read-only table (the evaluator's hot path).
    lookup: Mapping[str, JsonValue] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[str, JsonValue] = dict(self.attributes)
        table.update(kind=self.kind, key=self.key, anonymous=self.anonymous)
        if self.name is not None:
            table["name"] = self.name
        else:
            table.pop("name", None)
        object.__setattr__(self, "lookup", table)

    def get(self, name: str) -> JsonValue:
        """The value of a top-level attribute, or ``None`` when it is absent or null."""
        return self.lookup.get(name)

    def resolve(self, ref: AttributeRef) -> JsonValue:
        """Follow a valid reference; ``None`` when any step is missing or not an object.

        Arrays are not indexed (``/a/0`` on an array is absent), as in every LD SDK.
        """
        components = ref.components
        value = self.lookup.get(components[0])
        for name in components[1:]:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value


@dataclass(frozen=True, slots=True)
class Context:
    """A single-kind context, or a multi-kind context with at most one member per kind."""

    members: tuple[SingleContext, ...]
    is_multi: bool = False
    #: Members by kind; read-only (the evaluator's hot path reads it directly).
    by_kind: Mapping[str, SingleContext] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_kind", {m.kind: m for m in self.members})

    @classmethod
    def single(cls, member: SingleContext) -> Context:
        """Wrap one individual context."""
        return cls((member,))

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds present, in the order the members were given."""
        return tuple(m.kind for m in self.members)

    def individual(self, kind: str) -> SingleContext | None:
        """The member of ``kind``, or ``None``: the SDKs' "get individual context"."""
        return self.by_kind.get(kind)

    @property
    def fully_qualified_key(self) -> str:
        """LD's event key: ``key`` for a lone user, otherwise ``kind:key`` joined by ``:``."""
        if not self.is_multi and self.members[0].kind == DEFAULT_KIND:
            return self.members[0].key
        parts = sorted(self.members, key=lambda m: m.kind)
        return ":".join(f"{m.kind}:{m.key.replace('%', '%25').replace(':', '%3A')}" for m in parts)


def parse_context(obj: object) -> Context:
    """Read a context from decoded JSON, in LD context form or legacy user form.

    Why: API callers and the conformance data send both shapes, and the Python SDK no longer
    reads the legacy one. Promise: the result is a valid context (kinds valid and distinct,
    keys non-empty strings except a legacy user's, attributes well-typed), or
    :class:`InvalidRequest` whose message starts with the offending field.
    """
    if not isinstance(obj, dict):
        raise InvalidRequest(f"context: expected an object, got {json_type_name(obj)}")
    data = cast("dict[str, object]", obj)
    if "kind" not in data:
        return Context.single(_parse_legacy_user(data))
    kind = data["kind"]
    if not isinstance(kind, str):
        raise InvalidRequest(f"context.kind: expected a string, got {json_type_name(kind)}")
    if kind != "multi":
        return Context.single(_parse_single(data, kind, "context"))
    members = []
    for member_kind, member in data.items():
        if member_kind == "kind":
            continue
        path = f"context.{member_kind}"
        if not isinstance(member, dict):
            raise InvalidRequest(f"{path}: expected an object, got {json_type_name(member)}")
        members.append(_parse_single(cast("dict[str, object]", member), member_kind, path))
    if not members:
        raise InvalidRequest("context: a multi-kind context must have at least one member")
    if len(members) == 1:
        return Context.single(members[0])
    return Context(tuple(members), is_multi=True)


def _check_kind(kind: str, path: str) -> None:
    if not is_valid_kind(kind):
        raise InvalidRequest(
            f"{path}: invalid context kind {kind!r} (non-empty; letters, digits, '.', '_', '-'; "
            "not 'kind', and 'multi' only at the top level)"
        )


def _optional_str(data: Mapping[str, object], name: str, path: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{path}.{name}: expected a string, got {json_type_name(value)}")
    return value


def _optional_bool(data: Mapping[str, object], name: str, path: str) -> bool:
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"{path}.{name}: expected a boolean, got {json_type_name(value)}")
    return bool(value)


def _string_list(value: object, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{path}: expected an array of strings")
    return tuple(cast("list[str]", value))


def _key(data: Mapping[str, object], path: str, *, allow_empty: bool) -> str:
    key = data.get("key")
    if key is None:
        raise InvalidRequest(f"{path}.key: is required")
    if not isinstance(key, str):
        raise InvalidRequest(f"{path}.key: expected a string, got {json_type_name(key)}")
    if key == "" and not allow_empty:
        raise InvalidRequest(f"{path}.key: must not be empty")
    return key


def _parse_single(data: Mapping[str, object], kind: str, path: str) -> SingleContext:
    _check_kind(kind, f"{path}.kind" if path == "context" else path)
    meta = data.get("_meta")
    private: tuple[str, ...] = ()
    if meta is not None:
        if not isinstance(meta, dict):
            raise InvalidRequest(f"{path}._meta: expected an object, got {json_type_name(meta)}")
        private = _string_list(meta.get("privateAttributes"), f"{path}._meta.privateAttributes")
    reserved = ("kind", "key", "name", "anonymous", "_meta")
    attributes = {
        k: cast(JsonValue, v) for k, v in data.items() if k not in reserved and v is not None
    }
    return SingleContext(
        kind=kind,
        key=_key(data, path, allow_empty=False),
        name=_optional_str(data, "name", path),
        anonymous=_optional_bool(data, "anonymous", path),
        attributes=MappingProxyType(attributes),
        private_attributes=private,
    )


def _parse_legacy_user(data: Mapping[str, object]) -> SingleContext:
    # Old-style users may have an empty key, new-style contexts may not
    # (docs/evaluation.md §contexts).
    path = "context"
    attributes: dict[str, JsonValue] = {}
    for name in _LEGACY_STRING_ATTRIBUTES:
        value = _optional_str(data, name, path)
        if value is not None:
            attributes[name] = value
    custom = data.get("custom")
    if custom is not None:
        if not isinstance(custom, dict):
            raise InvalidRequest(
                f"context.custom: expected an object, got {json_type_name(custom)}"
            )
        for custom_name, custom_value in cast("dict[str, object]", custom).items():
            if custom_name not in _LEGACY_RESERVED and custom_value is not None:
                attributes[custom_name] = cast(JsonValue, custom_value)
    return SingleContext(
        kind=DEFAULT_KIND,
        key=_key(data, path, allow_empty=True),
        name=_optional_str(data, "name", path),
        anonymous=_optional_bool(data, "anonymous", path),
        attributes=MappingProxyType(attributes),
        private_attributes=_string_list(
            data.get("privateAttributeNames"), "context.privateAttributeNames"
        ),
    )
