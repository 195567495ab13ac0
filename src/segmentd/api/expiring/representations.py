"""Expiring targets → LaunchDarkly's ``ExpiringTargetGetResponse`` (and its legacy user
form, ``ExpiringUserTargetGetResponse``) and the summary of a patch."""

from __future__ import annotations

from typing import Any

from segmentd.api.responses import API, link
from segmentd.domain.expiring.targets import ExpiringResult, ExpiringTarget
from segmentd.domain.shared.clauses import DEFAULT_KIND


def _item(
    target: ExpiringTarget, *, project_key: str, environment_key: str, segment_key: str, users: bool
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "_id": target.id,
        "_version": target.version,
        "expirationDate": target.expiration_date,
    }
    if users:
        item["userKey"] = target.context_key
    else:
        item["contextKind"] = target.context_kind
        item["contextKey"] = target.context_key
    item["targetType"] = target.target_type
    item["_resourceId"] = {
        "kind": "segment",
        "projectKey": project_key,
        "environmentKey": environment_key,
        "key": segment_key,
    }
    return item


def expiring_listing_rep(
    targets: tuple[ExpiringTarget, ...],
    *,
    project_key: str,
    environment_key: str,
    segment_key: str,
    users: bool,
) -> dict[str, Any]:
    kind = "expiring-user-targets" if users else "expiring-targets"
    shown = [t for t in targets if t.context_kind == DEFAULT_KIND] if users else list(targets)
    return {
        "items": [
            _item(
                t,
                project_key=project_key,
                environment_key=environment_key,
                segment_key=segment_key,
                users=users,
            )
            for t in shown
        ],
        "_links": {
            "self": link(f"{API}/segments/{project_key}/{segment_key}/{kind}/{environment_key}"),
            "segment": link(f"{API}/segments/{project_key}/{environment_key}/{segment_key}"),
        },
    }


def expiring_patch_summary(result: ExpiringResult, total: int) -> dict[str, Any]:
    return {
        "totalInstructions": total,
        "successfulInstructions": total - result.failed,
        "failedInstructions": result.failed,
        "errors": [{"instructionIndex": i, "message": m} for i, m in result.errors],
    }
