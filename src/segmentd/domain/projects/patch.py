"""``PATCH`` of a project or an environment: JSON Patch or merge patch on its own fields.

A project's document is ``{"name", "tags", "includeInSnippetByDefault",
"defaultClientSideAvailability"}``, an environment's ``{"name", "color", "defaultTtl",
"secureMode", "defaultTrackEvents", "requireComments", "confirmChanges", "tags",
"critical", "approvalSettings"}`` (:mod:`segmentd.domain.projects.codec`); those are the
writable paths. LaunchDarkly's Terraform provider replaces every one of them on each apply.
Paths outside them (``/key``, ``/apiKey``, ``/_id``, fields segmentd does not keep) are a 400
rather than a silent no-op.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TypeVar

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
from segmentd.domain.projects.codec import (
    environment_document,
    environment_from_document,
    project_document,
    project_from_document,
)
from segmentd.domain.projects.model import Environment, Project
from segmentd.domain.shared.json_types import JsonObject
from segmentd.errors import InvalidRequest, UnprocessablePatch

PROJECT_WRITABLE = frozenset(
    ("name", "tags", "includeInSnippetByDefault", "defaultClientSideAvailability")
)
ENVIRONMENT_WRITABLE = frozenset(
    (
        "name",
        "color",
        "defaultTtl",
        "secureMode",
        "defaultTrackEvents",
        "requireComments",
        "confirmChanges",
        "tags",
        "critical",
        "approvalSettings",
    )
)

T = TypeVar("T", Project, Environment)


def _check_path(pointer: str, writable: frozenset[str], *, field: str) -> None:
    tokens = pointer_tokens(pointer, field=field)
    if not tokens or tokens[0] not in writable:
        raise InvalidRequest(f"{field}: {pointer!r} is read-only or not supported")


def _apply(doc: JsonObject, document: JsonPatch, writable: frozenset[str]) -> None:
    for i, operation in enumerate(document.operations):
        where = f"patch[{i}]"
        if operation.op == "test":
            actual = jsonpointer.resolve_pointer(doc, operation.path, None)
            if not json_equal(actual, operation.value):
                raise UnprocessablePatch(f"{where}: test failed at {operation.path!r}")
            continue
        _check_path(operation.path, writable, field=f"{where}.path")
        if operation.from_ is not None:
            _check_path(operation.from_, writable, field=f"{where}.from")
        apply_one(doc, operation, where=where)


def _patched(doc: JsonObject, document: PatchDocument, writable: frozenset[str]) -> JsonObject:
    doc = copy.deepcopy(doc)
    if isinstance(document, MergePatch):
        for name in document.merge:
            _check_path(f"/{name}", writable, field=f"merge.{name}")
        merged = merge_json(doc, document.merge)
        assert isinstance(merged, dict)  # an object merged into an object
        return merged
    _apply(doc, document, writable)
    return doc


def _patch(
    current: T,
    document: PatchDocument,
    writable: frozenset[str],
    to_doc: Callable[[T], JsonObject],
    from_doc: Callable[[T, JsonObject], T],
) -> T:
    patched = from_doc(current, _patched(to_doc(current), document, writable))
    return current if patched == current else patched


def apply_project_patch(project: Project, document: PatchDocument) -> Project:
    """The project with ``document`` applied and checked; ``project`` itself if unchanged."""
    return _patch(project, document, PROJECT_WRITABLE, project_document, project_from_document)


def apply_environment_patch(environment: Environment, document: PatchDocument) -> Environment:
    """The environment with ``document`` applied and checked; itself if unchanged."""
    return _patch(
        environment,
        document,
        ENVIRONMENT_WRITABLE,
        environment_document,
        environment_from_document,
    )
