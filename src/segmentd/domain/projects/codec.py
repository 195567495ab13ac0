"""Projects' and environments' writable fields as LaunchDarkly JSON, and back.

These documents are what ``PATCH /api/v2/projects/{p}`` and
``PATCH /api/v2/projects/{p}/environments/{e}`` apply JSON Patch to, and what the store
keeps of ``approvalSettings``. The only place with camelCase project and environment fields
outside the API's renderers.
"""

from __future__ import annotations

import orjson

from segmentd.domain.projects.model import ApprovalSettings, Environment, Project
from segmentd.domain.segments.codec import (
    as_object,
    get_bool,
    get_int,
    get_required_str,
    get_str,
    get_str_tuple,
)
from segmentd.domain.shared.json_types import JsonObject
from segmentd.domain.shared.validate import check_name, check_tags
from segmentd.errors import InvalidRequest

__all__ = [
    "approval_settings_from_json",
    "approval_settings_to_json",
    "check_color",
    "check_default_ttl",
    "environment_document",
    "environment_from_document",
    "project_document",
    "project_from_document",
]

#: LaunchDarkly's bounds of ``minNumApprovals`` (its ``ApprovalSettings`` model).
MIN_APPROVALS, MAX_APPROVALS = 1, 5
#: ``defaultTtl`` is an ``int32`` in LaunchDarkly's generated clients.
MAX_DEFAULT_TTL = 2**31 - 1


def check_default_ttl(ttl: int, *, field: str = "defaultTtl") -> int:
    """Minutes, 0 to 2^31 - 1: the range LaunchDarkly's clients can send and read back."""
    if not 0 <= ttl <= MAX_DEFAULT_TTL:
        raise InvalidRequest(f"{field}: must be between 0 and {MAX_DEFAULT_TTL}")
    return ttl


def check_color(color: str, *, field: str = "color") -> str:
    """Six hexadecimal digits, stored as given (the provider compares what it reads back
    with its configuration, so a changed case would be a perpetual difference)."""
    if not (len(color) == 6 and all(c in "0123456789abcdefABCDEF" for c in color)):
        raise InvalidRequest(f"{field}: must be six hexadecimal digits such as 'F5A623'")
    return color


def approval_settings_to_json(settings: ApprovalSettings) -> JsonObject:
    return {
        "required": settings.required,
        "bypassApprovalsForPendingChanges": settings.bypass_approvals_for_pending_changes,
        "minNumApprovals": settings.min_num_approvals,
        "canReviewOwnRequest": settings.can_review_own_request,
        "canApplyDeclinedChanges": settings.can_apply_declined_changes,
        "autoApplyApprovedChanges": settings.auto_apply_approved_changes,
        "serviceKind": settings.service_kind,
        "serviceConfig": orjson.loads(settings.service_config),
        "requiredApprovalTags": list(settings.required_approval_tags),
    }


def approval_settings_from_json(value: object, path: str = "approvalSettings") -> ApprovalSettings:
    """Read ``approvalSettings``; an absent (or ``null``) member takes LaunchDarkly's default,
    so a JSON Patch ``remove`` of one resets it. ``required`` together with
    ``requiredApprovalTags`` is refused, as LaunchDarkly refuses it."""
    if value is None:
        return ApprovalSettings()
    obj = as_object(value, path)
    default = ApprovalSettings()
    minimum = get_int(obj, "minNumApprovals", path)
    if minimum is None:
        minimum = default.min_num_approvals
    if not MIN_APPROVALS <= minimum <= MAX_APPROVALS:
        raise InvalidRequest(
            f"{path}.minNumApprovals: must be between {MIN_APPROVALS} and {MAX_APPROVALS}"
        )
    config = obj.get("serviceConfig")
    if config is not None:
        as_object(config, f"{path}.serviceConfig")
    tags = get_str_tuple(obj, "requiredApprovalTags", path)
    settings = ApprovalSettings(
        required=get_bool(obj, "required", path),
        bypass_approvals_for_pending_changes=get_bool(
            obj, "bypassApprovalsForPendingChanges", path
        ),
        min_num_approvals=minimum,
        can_review_own_request=get_bool(obj, "canReviewOwnRequest", path),
        can_apply_declined_changes=get_bool(
            obj, "canApplyDeclinedChanges", path, default=default.can_apply_declined_changes
        ),
        auto_apply_approved_changes=get_bool(obj, "autoApplyApprovedChanges", path),
        service_kind=get_str(obj, "serviceKind", path) or default.service_kind,
        service_config=orjson.dumps(config or {}, option=orjson.OPT_SORT_KEYS).decode(),
        required_approval_tags=tags,
    )
    if settings.required and settings.required_approval_tags:
        raise InvalidRequest(f"{path}: set either required or requiredApprovalTags, not both")
    return settings


def environment_document(environment: Environment) -> JsonObject:
    """The writable members of an environment, as its representation names them."""
    return {
        "name": environment.name,
        "color": environment.color,
        "defaultTtl": environment.default_ttl,
        "secureMode": environment.secure_mode,
        "defaultTrackEvents": environment.default_track_events,
        "requireComments": environment.require_comments,
        "confirmChanges": environment.confirm_changes,
        "tags": list(environment.tags),
        "critical": environment.critical,
        "approvalSettings": approval_settings_to_json(environment.approval_settings),
    }


def environment_from_document(environment: Environment, doc: JsonObject) -> Environment:
    """``environment`` with the members of a patched document, checked as on create."""
    ttl = get_int(doc, "defaultTtl")
    return Environment(
        id=environment.id,
        project_key=environment.project_key,
        key=environment.key,
        name=check_name(get_required_str(doc, "name")),
        color=check_color(get_required_str(doc, "color")),
        sdk_key=environment.sdk_key,
        mobile_key=environment.mobile_key,
        creation_date=environment.creation_date,
        default_ttl=check_default_ttl(ttl or 0),
        secure_mode=get_bool(doc, "secureMode"),
        default_track_events=get_bool(doc, "defaultTrackEvents"),
        require_comments=get_bool(doc, "requireComments"),
        confirm_changes=get_bool(doc, "confirmChanges"),
        critical=get_bool(doc, "critical"),
        tags=check_tags(get_str_tuple(doc, "tags")),
        approval_settings=approval_settings_from_json(doc.get("approvalSettings")),
    )


def project_document(project: Project) -> JsonObject:
    """The writable members of a project, as its representation names them."""
    return {
        "name": project.name,
        "tags": list(project.tags),
        "includeInSnippetByDefault": project.include_in_snippet_by_default,
        "defaultClientSideAvailability": {
            "usingEnvironmentId": project.include_in_snippet_by_default,
            "usingMobileKey": project.default_using_mobile_key,
        },
    }


def project_from_document(project: Project, doc: JsonObject) -> Project:
    """``project`` with the members of a patched document. ``includeInSnippetByDefault`` and
    ``defaultClientSideAvailability.usingEnvironmentId`` are one setting at LaunchDarkly:
    whichever of the two the patch changed wins (the availability when both did)."""
    availability = doc.get("defaultClientSideAvailability")
    obj = {} if availability is None else as_object(availability, "defaultClientSideAvailability")
    using_env = get_bool(
        obj,
        "usingEnvironmentId",
        "defaultClientSideAvailability",
        default=project.include_in_snippet_by_default,
    )
    snippet = get_bool(doc, "includeInSnippetByDefault")
    if using_env == project.include_in_snippet_by_default:
        using_env = snippet
    return Project(
        id=project.id,
        key=project.key,
        name=check_name(get_required_str(doc, "name")),
        creation_date=project.creation_date,
        tags=check_tags(get_str_tuple(doc, "tags")),
        include_in_snippet_by_default=using_env,
        default_using_mobile_key=get_bool(
            obj,
            "usingMobileKey",
            "defaultClientSideAvailability",
            default=project.default_using_mobile_key,
        ),
        environments=project.environments,
    )
