"""JSON Patch and merge patch of a segment: its REST JSON, patched by the core
(:mod:`segmentd.domain.patch.json_patch`), then decoded and validated again.

Both formats act on :func:`codec.segment_to_json`; the result passes through
:func:`validation.validate_segment`, so a patch can only produce a segment that could have
been stored anyway. Every top-level field is writable but :data:`READ_ONLY_FIELDS` and the
``_``-prefixed ones; a field segmentd does not keep (``/temporary``) is accepted and has no
effect. A ``test`` of ``/version`` that fails is a 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from segmentd.domain.patch.json_patch import (
    JsonPatch,
    MergePatch,
    PatchDocument,
    PatchOperation,
    PatchPaths,
    apply_patch,
)
from segmentd.domain.segments.codec import get_required_str, segment_from_json, segment_to_json
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.json_types import JsonObject

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

SEGMENT_PATHS = PatchPaths(
    noun="segment",
    read_only=READ_ONLY_FIELDS,
    is_version=lambda tokens: list(tokens) == ["version"],
)


def _decode_patched(segment: Segment, doc: JsonObject, *, new_id: NewId) -> Segment:
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


def apply_patch_document(
    segment: Segment, document: PatchDocument, *, new_id: NewId = new_uuid
) -> Segment:
    """Apply a parsed ``application/json`` PATCH body of either format to ``segment``.

    All or nothing: every operation is checked before any is applied, on a private copy of
    the segment's JSON. A patch that changes nothing returns ``segment`` itself, so the
    caller can keep the version. Raises only :class:`ServiceError` subclasses.
    """
    return apply_patch(
        segment,
        document,
        paths=SEGMENT_PATHS,
        to_json=segment_to_json,
        decode=partial(_decode_patched, new_id=new_id),
    )


def apply_json_patch(
    segment: Segment,
    operations: Sequence[PatchOperation],
    *,
    new_id: NewId = new_uuid,
) -> Segment:
    """Apply RFC 6902 operations to ``segment`` (see :func:`apply_patch_document`)."""
    return apply_patch_document(segment, JsonPatch(tuple(operations)), new_id=new_id)


def apply_merge_patch(segment: Segment, merge: JsonObject, *, new_id: NewId = new_uuid) -> Segment:
    """Apply an RFC 7386 merge to ``segment``'s REST JSON; read-only fields are a 400."""
    return apply_patch_document(segment, MergePatch(merge), new_id=new_id)
