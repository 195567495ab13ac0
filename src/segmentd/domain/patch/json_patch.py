"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386): the one core every resource uses.

A resource's ``PATCH`` acts on a JSON document of that resource (a segment's REST JSON, a
flag's patch document, a project's own fields). This module parses the bodies, checks every
path against the resource's :class:`PatchPaths`, applies the operations to a private copy of
the document and hands the result to the resource's decoder (:func:`apply_patch`). Nothing
here knows a resource's fields, and nothing mutates its arguments.

Status codes (docs/lifecycle.md §patching-a-segment: 409 for a version mismatch, 400 for a
malformed patch, 422 for one that cannot be applied):

* malformed document, unknown ``op``, bad pointer syntax, read-only or unsupported path, or
  a patched document that does not decode or validate → :class:`InvalidRequest` (400);
* ``test`` of a version path (:attr:`PatchPaths.is_version`) that fails →
  :class:`OptimisticLockError` (409), decided before any operation applies;
* ``remove`` of a path that does not exist → :class:`InvalidPatch` (400 ``invalid_patch``),
  as LaunchDarkly answers it;
* any other failed ``test``, or a path that does not exist in the document →
  :class:`UnprocessablePatch` (422 ``patch_failed``), except that a ``replace`` of an
  object member that the representation leaves out because it is empty (``description``) is
  applied as an ``add``, as LaunchDarkly does (docs/compatibility.md).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import jsonpatch
import jsonpointer

from segmentd.domain.segments.codec import as_object, get_required_str
from segmentd.domain.shared.json_types import JsonObject, JsonValue
from segmentd.errors import (
    InvalidPatch,
    InvalidRequest,
    OptimisticLockError,
    UnprocessablePatch,
)

OPS = frozenset(("add", "remove", "replace", "move", "copy", "test"))
_NEEDS_VALUE = frozenset(("add", "replace", "test"))
_NEEDS_FROM = frozenset(("move", "copy"))

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PatchOperation:
    """One RFC 6902 operation; ``value`` is meaningful only for add, replace and test."""

    op: str
    path: str
    value: JsonValue = None
    from_: str | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"op": self.op, "path": self.path}
        if self.op in _NEEDS_VALUE:
            out["value"] = copy.deepcopy(self.value)
        if self.from_ is not None:
            out["from"] = self.from_
        return out


@dataclass(frozen=True, slots=True)
class JsonPatch:
    operations: tuple[PatchOperation, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class MergePatch:
    merge: JsonObject
    comment: str | None = None


PatchDocument = JsonPatch | MergePatch

#: Checks a path below a top-level member: ``(tokens, pointer, field, document)``; raises
#: :class:`InvalidRequest` or :class:`UnprocessablePatch` when a patch may not touch it.
NestedCheck = Callable[[Sequence[str], str, str, JsonObject], None]


def _never(_tokens: Sequence[str]) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class PatchPaths:
    """Which paths of one resource's patch document a patch may change.

    ``writable`` lists the top-level members a patch may change (``None``: every member not
    in ``read_only``); a path through a member whose name starts with ``_`` is always
    read-only. ``nested`` checks, per top-level member, the paths below it (a flag's
    environments). ``is_version`` tells which paths hold a version, whose failed ``test``
    is a 409; ``aliases`` renames a pointer before it is resolved (a flag's ``/version`` is
    its ``/_version``).
    """

    noun: str
    writable: frozenset[str] | None = None
    read_only: frozenset[str] = frozenset()
    nested: Mapping[str, NestedCheck] = field(default_factory=dict)
    is_version: Callable[[Sequence[str]], bool] = _never
    aliases: Mapping[str, str] = field(default_factory=dict)

    def check_member(self, name: str, *, field: str, pointer: str | None = None) -> None:
        """A top-level member a merge patch or an operation names must be writable."""
        pointer = "/" + name if pointer is None else pointer
        if name in self.nested:
            return
        if name in self.read_only or name.startswith("_"):
            raise InvalidRequest(f"{field}: {pointer!r} is read-only")
        if self.writable is not None and name not in self.writable:
            raise InvalidRequest(f"{field}: {pointer!r} is read-only or not supported")

    def check(self, pointer: str, document: JsonObject, *, field: str) -> None:
        """The path ``pointer`` of an ``add``/``remove``/``replace``/``move`` must be writable."""
        tokens = pointer_tokens(pointer, field=field)
        if not tokens:
            raise InvalidRequest(
                f"{field}: the whole {self.noun} cannot be replaced; patch its fields"
            )
        nested = self.nested.get(tokens[0])
        if nested is not None:
            nested(tokens, pointer, field, document)
            return
        if any(t.startswith("_") for t in tokens[1:]):
            raise InvalidRequest(f"{field}: {pointer!r} is read-only")
        self.check_member(tokens[0], field=field, pointer=pointer)


# ---------------------------------------------------------------- parsing


def pointer_tokens(pointer: str, *, field: str) -> list[str]:
    """The unescaped reference tokens of an RFC 6901 pointer; bad syntax is a 400."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise InvalidRequest(f"{field}: {pointer!r} is not a JSON Pointer (must start with '/')")
    tokens = pointer[1:].split("/")
    for token in tokens:
        if "~" in token.replace("~0", "").replace("~1", ""):
            raise InvalidRequest(f"{field}: {pointer!r} has a '~' not followed by 0 or 1")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _parse_operation(value: object, index: int) -> PatchOperation:
    where = f"patch[{index}]"
    obj = as_object(value, where)
    op = get_required_str(obj, "op", where)
    if op not in OPS:
        raise InvalidRequest(f"{where}.op: {op!r} is not one of {sorted(OPS)}")
    path = get_required_str(obj, "path", where)
    pointer_tokens(path, field=f"{where}.path")
    from_ = None
    if op in _NEEDS_FROM:
        from_ = get_required_str(obj, "from", where)
        pointer_tokens(from_, field=f"{where}.from")
    if op in _NEEDS_VALUE and "value" not in obj:
        raise InvalidRequest(f"{where}.value: is required for {op!r}")
    raw = obj.get("value")
    return PatchOperation(op=op, path=path, value=copy.deepcopy(raw), from_=from_)  # type: ignore[arg-type]


def parse_json_patch(operations: object) -> tuple[PatchOperation, ...]:
    """Read an RFC 6902 operation array strictly; any malformed entry is a 400."""
    if not isinstance(operations, list):
        raise InvalidRequest("patch: expected an array of operations")
    return tuple(_parse_operation(op, i) for i, op in enumerate(operations))


def _comment(body: dict[str, object]) -> str | None:
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InvalidRequest("comment: expected a string")
    return comment


def parse_patch_document(body: object) -> PatchDocument:
    """Read a ``Content-Type: application/json`` PATCH body.

    Accepts a bare operation array, ``{"patch": [...], "comment"?}`` (what generated clients
    send) and ``{"merge": {...}, "comment"?}``. Any other object is a 400: a semantic patch
    sent without its ``domain-model`` Content-Type parameter must not be read as a merge.
    """
    if isinstance(body, list):
        return JsonPatch(parse_json_patch(body))
    if not isinstance(body, dict):
        raise InvalidRequest(
            "body: expected a JSON Patch array or an object with 'patch' or 'merge'"
        )
    if "patch" in body and "merge" not in body:
        return JsonPatch(parse_json_patch(body["patch"]), comment=_comment(body))
    if "merge" in body and "patch" not in body:
        merge = body["merge"]
        if not isinstance(merge, dict):
            raise InvalidRequest("merge: expected an object")
        return MergePatch(copy.deepcopy(merge), comment=_comment(body))
    if "instructions" in body:
        raise InvalidRequest(
            "body: a semantic patch needs 'Content-Type: application/json; "
            "domain-model=launchdarkly.semanticpatch'"
        )
    raise InvalidRequest("body: expected a JSON Patch array or an object with 'patch' or 'merge'")


# ---------------------------------------------------------------- applying


def json_equal(a: JsonValue, b: JsonValue) -> bool:
    """RFC 6902 §4.6 equality: booleans are never numbers; ``1`` equals ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def replaces_absent_member(doc: JsonObject, operation: PatchOperation) -> bool:
    """Whether ``operation`` is a ``replace`` of a member missing from an existing object.

    The REST representation leaves out optional fields that are empty (a segment without a
    description has no ``description``), yet LaunchDarkly's own clients replace every field
    whether it is set or not (docs/compatibility.md). Such a replace is applied as an
    ``add``; a replace inside an array, or below a missing object, still fails.
    """
    if operation.op != "replace" or not operation.path:
        return False
    parent_pointer, _, last = operation.path.rpartition("/")
    try:
        parent = jsonpointer.resolve_pointer(doc, parent_pointer)
    except jsonpointer.JsonPointerException:
        return False
    name = last.replace("~1", "/").replace("~0", "~")
    return isinstance(parent, dict) and name not in parent


def apply_operation(doc: JsonObject, operation: PatchOperation, *, where: str) -> None:
    """Apply one non-``test`` operation to ``doc`` in place; a failure is a 422, but a
    ``remove`` of a path that does not exist is a 400 ``invalid_patch``, as LaunchDarkly
    answers it (docs/compatibility.md)."""
    if replaces_absent_member(doc, operation):
        operation = replace(operation, op="add")
    if operation.op == "remove" and not _exists(doc, operation.path):
        raise InvalidPatch(f"{where}: cannot remove {operation.path!r}: it does not exist")
    try:
        jsonpatch.JsonPatch([operation.to_json()]).apply(doc, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise UnprocessablePatch(f"{where}: {exc}") from None


def _exists(doc: JsonObject, pointer: str) -> bool:
    try:
        jsonpointer.resolve_pointer(doc, pointer)
    except jsonpointer.JsonPointerException:
        return False
    return True


def _resolve(doc: JsonObject, pointer: str, *, where: str) -> JsonValue:
    try:
        return jsonpointer.resolve_pointer(doc, pointer)  # type: ignore[no-any-return]
    except jsonpointer.JsonPointerException as exc:
        raise UnprocessablePatch(f"{where}: {exc}") from None


def _check_operations(
    doc: JsonObject, operations: Sequence[PatchOperation], paths: PatchPaths
) -> None:
    """Every path writable, every version ``test`` true, in order, before anything applies."""
    for i, operation in enumerate(operations):
        where = f"patch[{i}]"
        if operation.op == "test":
            pointer = paths.aliases.get(operation.path, operation.path)
            if not paths.is_version(pointer_tokens(pointer, field=f"{where}.path")):
                continue
            actual = _resolve(doc, pointer, where=where)
            if not json_equal(actual, operation.value):
                raise OptimisticLockError(
                    f"{where}: version is {actual}, not {operation.value!r}; reload and retry"
                )
            continue
        paths.check(operation.path, doc, field=f"{where}.path")
        if operation.op == "move" and operation.from_ is not None:
            paths.check(operation.from_, doc, field=f"{where}.from")


def apply_operations(
    doc: JsonObject, operations: Sequence[PatchOperation], paths: PatchPaths
) -> None:
    """Check, then apply, RFC 6902 ``operations`` to ``doc`` in place (all or nothing for the
    caller, who passes a copy). Raises as the module docstring lists."""
    _check_operations(doc, operations, paths)
    for i, operation in enumerate(operations):
        where = f"patch[{i}]"
        if operation.op != "test":
            apply_operation(doc, operation, where=where)
            continue
        pointer = paths.aliases.get(operation.path, operation.path)
        if not json_equal(_resolve(doc, pointer, where=where), operation.value):
            raise UnprocessablePatch(f"{where}: test failed at {operation.path!r}")


def merge_json(target: JsonValue, patch: JsonValue) -> JsonValue:
    """RFC 7386 MergePatch: objects merge key by key, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_json(result.get(name), value)
    return result


def patched_document(doc: JsonObject, document: PatchDocument, paths: PatchPaths) -> JsonObject:
    """A patched copy of ``doc``; ``doc`` itself is left as it is."""
    working = copy.deepcopy(doc)  # values may be shared with the resource they came from
    if isinstance(document, JsonPatch):
        apply_operations(working, document.operations, paths)
        return working
    for name in document.merge:
        paths.check_member(name, field=f"merge./{name}")
    merged = merge_json(working, document.merge)
    assert isinstance(merged, dict)  # an object merged into an object is an object
    return merged


def apply_patch(
    resource: T,
    document: PatchDocument,
    *,
    paths: PatchPaths,
    to_json: Callable[[T], JsonObject],
    decode: Callable[[T, JsonObject], T],
) -> T:
    """Apply a parsed ``application/json`` PATCH body of either format to ``resource``.

    ``to_json`` gives the document the patch acts on, ``paths`` what it may change, and
    ``decode`` reads the patched document back into a resource (validated, with its
    read-only fields taken from the original). Raises as the module docstring lists.
    """
    return decode(resource, patched_document(to_json(resource), document, paths))
