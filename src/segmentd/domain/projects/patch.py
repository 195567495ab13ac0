"""``PATCH /api/v2/projects/{key}``: JSON Patch or merge patch on a project's own fields.

The document is ``{"name", "tags", "includeInSnippetByDefault"}``; those are the writable
paths. LaunchDarkly's Terraform provider replaces ``/name`` and ``/tags`` after every project
create and update. Other project fields (``defaultClientSideAvailability``, …) are not kept
by segmentd, so a patch naming them is a 400 rather than a silent no-op.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import jsonpointer

from segmentd.domain.patch.json_patch import (
    JsonPatch,
    MergePatch,
    PatchDocument,
    json_equal,
    merge_json,
    pointer_tokens,
)
from segmentd.domain.patch.json_patch import apply_operation as apply_one
from segmentd.domain.projects.model import Project
from segmentd.domain.segments.codec import get_bool, get_required_str, get_str_tuple
from segmentd.domain.shared.json_types import JsonObject
from segmentd.domain.shared.validate import check_name, check_tags
from segmentd.errors import InvalidRequest, UnprocessablePatch

WRITABLE = frozenset(("name", "tags", "includeInSnippetByDefault"))


def _check_path(pointer: str, *, field: str) -> None:
    tokens = pointer_tokens(pointer, field=field)
    if not tokens or tokens[0] not in WRITABLE:
        raise InvalidRequest(f"{field}: {pointer!r} is read-only or not supported")


def _document(project: Project) -> JsonObject:
    return {
        "name": project.name,
        "tags": list(project.tags),
        "includeInSnippetByDefault": project.include_in_snippet_by_default,
    }


def _apply(doc: JsonObject, document: JsonPatch) -> None:
    for i, operation in enumerate(document.operations):
        where = f"patch[{i}]"
        if operation.op == "test":
            actual = jsonpointer.resolve_pointer(doc, operation.path, None)
            if not json_equal(actual, operation.value):
                raise UnprocessablePatch(f"{where}: test failed at {operation.path!r}")
            continue
        _check_path(operation.path, field=f"{where}.path")
        if operation.from_ is not None:
            _check_path(operation.from_, field=f"{where}.from")
        apply_one(doc, operation, where=where)


def apply_project_patch(project: Project, document: PatchDocument) -> Project:
    """The project with ``document`` applied and checked; ``project`` itself if unchanged."""
    doc = copy.deepcopy(_document(project))
    if isinstance(document, MergePatch):
        for name in document.merge:
            _check_path(f"/{name}", field=f"merge.{name}")
        merged = merge_json(doc, document.merge)
        assert isinstance(merged, dict)  # an object merged into an object
        doc = merged
    else:
        _apply(doc, document)
    patched = replace(
        project,
        name=check_name(get_required_str(doc, "name")),
        tags=check_tags(get_str_tuple(doc, "tags")),
        include_in_snippet_by_default=get_bool(doc, "includeInSnippetByDefault"),
    )
    return project if patched == project else patched
