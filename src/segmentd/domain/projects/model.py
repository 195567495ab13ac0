"""Projects, their environments and the API access tokens, as frozen value objects."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """Built-in roles of an access token, as LaunchDarkly's ``AccessTokenPost.role`` enum."""

    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role includes everything ``needed`` may do."""
        order = (Role.READER, Role.WRITER, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An API access token; the secret itself is never stored, only its hash."""

    id: str
    name: str
    role: Role
    token_hash: str
    last_four: str
    creation_date: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """An environment's ``approvalSettings`` as LaunchDarkly stores them (its defaults here).

    segmentd keeps and returns them for the clients that manage them (Terraform's
    ``approval_settings``); it has no approval workflow, so they change nothing else.
    ``service_config`` is the ``serviceConfig`` object as canonical JSON text.
    """

    required: bool = False
    bypass_approvals_for_pending_changes: bool = False
    min_num_approvals: int = 1
    can_review_own_request: bool = False
    can_apply_declined_changes: bool = True
    auto_apply_approved_changes: bool = False
    service_kind: str = "launchdarkly"
    service_config: str = "{}"
    required_approval_tags: tuple[str, ...] = ()


DEFAULT_APPROVAL_SETTINGS = ApprovalSettings()


@dataclass(frozen=True, slots=True)
class Environment:
    """One environment of a project, with the credentials SDKs use to read its data."""

    id: str
    project_key: str
    key: str
    name: str
    color: str
    sdk_key: str
    mobile_key: str
    creation_date: int
    default_ttl: int = 0
    secure_mode: bool = False
    default_track_events: bool = False
    require_comments: bool = False
    confirm_changes: bool = False
    critical: bool = False
    tags: tuple[str, ...] = ()
    approval_settings: ApprovalSettings = DEFAULT_APPROVAL_SETTINGS


@dataclass(frozen=True, slots=True)
class Project:
    """A project groups environments; segments live in an environment."""

    id: str
    key: str
    name: str
    creation_date: int
    tags: tuple[str, ...] = ()
    #: ``defaultClientSideAvailability``: ``usingEnvironmentId`` is
    #: ``include_in_snippet_by_default`` (LaunchDarkly keeps the two equal), and
    #: ``usingMobileKey`` this; flags created without an availability get both.
    include_in_snippet_by_default: bool = False
    default_using_mobile_key: bool = True
    environments: tuple[Environment, ...] = field(default=())
