"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) bodies for ``PATCH …/segments/…``.

Both formats act on the segment's REST JSON (:func:`codec.segment_to_json`); the result is
decoded and passed through :func:`validate.validate_segment`, so a patch can only produce
a segment that could have been stored anyway. Nothing here mutates its arguments.

Status codes (docs/lifecycle.md §patching-a-segment: 409 for a version mismatch, 400 for a
malformed patch, 422 for one that cannot be applied):

* malformed document, unknown ``op``, bad pointer syntax, read-only path, or a patched
  document that does not decode or validate → :class:`InvalidRequest` (400);
* ``test`` on ``/version`` that fails → :class:`OptimisticLockError` (409);
* any other failed ``test``, or a path that does not exist in the document →
  :class:`UnprocessablePatch` (422 ``patch_failed``), except that a ``replace`` of an
  object member that the representation leaves out because it is empty (``description``) is
  applied as an ``add``, as LaunchDarkly does (docs/compatibility.md).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace

import jsonpatch
import jsonpointer

from segmentd.domain.segments.codec import (
    as_object,
    get_required_str,
    segment_from_json,
    segment_to_json,
)
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.json_types import JsonObject, JsonValue
from segmentd.domain.shared.validate import IdFactory, new_uuid, validate_segment
from segmentd.errors import InvalidRequest, OptimisticLockError, UnprocessablePatch

#: Top-level REST fields that no patch may change (besides every ``_``-prefixed name).
READ_ONLY_FIELDS = frozenset(
    (
        "key",
        "version",
        "creationDate",
        "lastModifiedDate",
        "deleted",
        "generation",
        "unbounded",
        "unboundedContextKind",
    )
)
OPS = frozenset(("add", "remove", "replace", "move", "copy", "test"))
_NEEDS_VALUE = frozenset(("add", "replace", "test"))
_NEEDS_FROM = frozenset(("move", "copy"))


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


# ---------------------------------------------------------------- parsing


def pointer_tokens(pointer: str, *, field: str) -> list[str]:
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


def _check_writable(pointer: str, *, field: str) -> None:
    tokens = pointer_tokens(pointer, field=field)
    if not tokens:
        raise InvalidRequest(f"{field}: the whole segment cannot be replaced; patch its fields")
    if tokens[0] in READ_ONLY_FIELDS or any(t.startswith("_") for t in tokens):
        raise InvalidRequest(f"{field}: {pointer!r} is read-only")


def _check_operation(operation: PatchOperation, index: int, *, version: int) -> None:
    where = f"patch[{index}]"
    if operation.op == "test":
        if operation.path == "/version" and not json_equal(operation.value, version):
            raise OptimisticLockError(
                f"{where}: version is {version}, not {operation.value!r}; reload and retry"
            )
        return
    _check_writable(operation.path, field=f"{where}.path")
    if operation.op == "move" and operation.from_ is not None:
        _check_writable(operation.from_, field=f"{where}.from")


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
    """Apply one non-``test`` operation to ``doc`` in place; a failure is a 422."""
    if replaces_absent_member(doc, operation):
        operation = replace(operation, op="add")
    try:
        jsonpatch.JsonPatch([operation.to_json()]).apply(doc, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise UnprocessablePatch(f"{where}: {exc}") from None


def _apply_operation(doc: JsonObject, operation: PatchOperation, index: int) -> None:
    if operation.op != "test":
        apply_operation(doc, operation, where=f"patch[{index}]")
        return
    try:
        actual = jsonpointer.resolve_pointer(doc, operation.path)
    except jsonpointer.JsonPointerException as exc:
        raise UnprocessablePatch(f"patch[{index}]: {exc}") from None
    if not json_equal(actual, operation.value):
        raise UnprocessablePatch(f"patch[{index}]: test failed at {operation.path!r}")


def _decode_patched(segment: Segment, doc: JsonObject, *, new_id: IdFactory) -> Segment:
    """Decode the patched REST JSON; read-only fields always come from ``segment``."""
    decoded = segment_from_json(doc, defaults=segment)
    patched = replace(
        decoded,
        key=segment.key,
        name=get_required_str(doc, "name"),  # the codec would silently keep the old name
        version=segment.version,
        creation_date=segment.creation_date,
        last_modified_date=segment.last_modified_date,
        salt=segment.salt,
        unbounded=segment.unbounded,
        unbounded_context_kind=segment.unbounded_context_kind,
        generation=segment.generation,
        deleted=segment.deleted,
    )
    result = validate_segment(patched, new_id=new_id)
    return segment if result == segment else result


def apply_json_patch(
    segment: Segment,
    operations: Sequence[PatchOperation],
    *,
    new_id: IdFactory = new_uuid,
) -> Segment:
    """Apply RFC 6902 operations to ``segment`` and return the validated result.

    All or nothing: every operation is checked before any is applied, and the operations act
    on a private copy of the segment's JSON. A patch that changes nothing returns
    ``segment`` itself, so the caller can keep the version. Raises as the module docstring
    lists; never anything but a :class:`ServiceError`.
    """
    for i, operation in enumerate(operations):
        _check_operation(operation, i, version=segment.version)
    doc = copy.deepcopy(segment_to_json(segment))  # clause values may be shared objects
    for i, operation in enumerate(operations):
        _apply_operation(doc, operation, i)
    return _decode_patched(segment, doc, new_id=new_id)


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


def apply_merge_patch(
    segment: Segment, merge: JsonObject, *, new_id: IdFactory = new_uuid
) -> Segment:
    """Apply an RFC 7386 merge to ``segment``'s REST JSON; read-only fields are a 400."""
    for name in merge:
        if name in READ_ONLY_FIELDS or name.startswith("_"):
            raise InvalidRequest(f"merge./{name}: {'/' + name!r} is read-only")
    doc = merge_json(copy.deepcopy(segment_to_json(segment)), merge)
    assert isinstance(doc, dict)  # merging an object into an object gives an object
    return _decode_patched(segment, doc, new_id=new_id)


def apply_patch_document(
    segment: Segment, document: PatchDocument, *, new_id: IdFactory = new_uuid
) -> Segment:
    """Apply a parsed ``application/json`` PATCH body of either format."""
    if isinstance(document, JsonPatch):
        return apply_json_patch(segment, document.operations, new_id=new_id)
    return apply_merge_patch(segment, document.merge, new_id=new_id)
