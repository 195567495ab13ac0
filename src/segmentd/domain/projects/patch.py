"""``PATCH`` of a project or an environment: JSON Patch or merge patch on its own fields.

A project's document is ``{"name", "tags", "includeInSnippetByDefault",
"defaultClientSideAvailability"}``, an environment's ``{"name", "color", "defaultTtl",
"secureMode", "defaultTrackEvents", "requireComments", "confirmChanges", "tags",
"critical", "approvalSettings"}`` (:mod:`segmentd.domain.projects.codec`); those are the
writable paths. LaunchDarkly's Terraform provider replaces every one of them on each apply.
Paths outside them (``/key``, ``/apiKey``, ``/_id``, fields segmentd does not keep) are a 400
rather than a silent no-op. The JSON Patch core (:mod:`segmentd.domain.patch.json_patch`)
applies the patch; :data:`PROJECT_PATHS` and :data:`ENVIRONMENT_PATHS` say what it may change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from segmentd.domain.patch.json_patch import PatchDocument, PatchPaths, apply_patch
from segmentd.domain.projects.codec import (
    environment_document,
    environment_from_document,
    project_document,
    project_from_document,
)
from segmentd.domain.projects.model import Environment, Project
from segmentd.domain.shared.json_types import JsonObject

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
PROJECT_PATHS = PatchPaths(noun="project", writable=PROJECT_WRITABLE)
ENVIRONMENT_PATHS = PatchPaths(noun="environment", writable=ENVIRONMENT_WRITABLE)

T = TypeVar("T", Project, Environment)


def _unless_unchanged(
    from_doc: Callable[[T, JsonObject], T],
) -> Callable[[T, JsonObject], T]:
    def decode(current: T, doc: JsonObject) -> T:
        patched = from_doc(current, doc)
        return current if patched == current else patched

    return decode


def apply_project_patch(project: Project, document: PatchDocument) -> Project:
    """The project with ``document`` applied and checked; ``project`` itself if unchanged."""
    return apply_patch(
        project,
        document,
        paths=PROJECT_PATHS,
        to_json=project_document,
        decode=_unless_unchanged(project_from_document),
    )


def apply_environment_patch(environment: Environment, document: PatchDocument) -> Environment:
    """The environment with ``document`` applied and checked; itself if unchanged."""
    return apply_patch(
        environment,
        document,
        paths=ENVIRONMENT_PATHS,
        to_json=environment_document,
        decode=_unless_unchanged(environment_from_document),
    )
