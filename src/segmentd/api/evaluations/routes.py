"""Membership of contexts in segments: LaunchDarkly's environment-wide ``segments/evaluate``
and segmentd's per-segment explain endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from segmentd.api import deps
from segmentd.api.app_services import AppServices
from segmentd.api.evaluations.rendering import INDIVIDUAL
from segmentd.api.evaluations.schemas import (
    ContextInstanceSegmentMemberships,
    SegmentExplanations,
)
from segmentd.api.responses import JsonResponse, link
from segmentd.api.schemas import error_responses
from segmentd.api.segments.representations import segment_path
from segmentd.domain.projects.model import AccessToken
from segmentd.domain.shared.context import Context
from segmentd.evaluation.evaluator import (
    ClauseExplanation,
    Explanation,
    Result,
    RuleExplanation,
    reason_to_json,
)

router = APIRouter(tags=["Segment evaluation"])

Services = Annotated[AppServices, Depends(deps.services)]
Reader = Annotated[AccessToken, Depends(deps.reader)]

CONTEXT_EXAMPLE = {
    "key": "context-key-123abc",
    "kind": "user",
    "name": "Sandy",
    "jobFunction": "doctor",
    "address": {"city": "Springfield", "street": "123 Main Street"},
}


def result_rep(result: Result) -> dict[str, Any]:
    body: dict[str, Any] = {"isMember": result.is_member, "reason": reason_to_json(result.reason)}
    if result.big_segments_status is not None:
        body["bigSegmentsStatus"] = result.big_segments_status.value
    return body


@router.post(
    "/api/v2/projects/{projectKey}/environments/{environmentKey}/segments/evaluate",
    operation_id="getContextInstanceSegmentsMembershipByEnv",
    summary="List segment memberships for context instance",
    response_model=ContextInstanceSegmentMemberships,
    responses=error_responses(400, 401, 404, 429),
)
def evaluate_environment(
    projectKey: str,
    environmentKey: str,
    services: Services,
    _token: Reader,
    context: Annotated[Any, Body(examples=[CONTEXT_EXAMPLE])],
) -> JsonResponse:
    """Membership of one context in every segment of the environment.

    Each item has LaunchDarkly's fields plus ``reason``, which says how membership was
    decided (segmentd's addition; clients that do not know it ignore it).
    """
    return JsonResponse(environment_memberships(services, projectKey, environmentKey, context))


def environment_memberships(
    services: AppServices, project_key: str, environment_key: str, context: object
) -> dict[str, Any]:
    """The work of ``segments/evaluate`` (shared with :mod:`segmentd.api.fastlane`)."""
    items = []
    for membership in services.evaluations.memberships(project_key, environment_key, context):
        segment, result = membership.segment, membership.result
        items.append(
            {
                "name": segment.name,
                "key": segment.key,
                "description": segment.description or "",
                "unbounded": segment.unbounded,
                "external": "",
                "isMember": result.is_member,
                "isIndividuallyTargeted": result.reason.kind in INDIVIDUAL,
                "isRuleTargeted": result.reason.kind == "rule",
                "_links": {"self": link(segment_path(project_key, environment_key, segment.key))},
                "reason": reason_to_json(result.reason),
            }
        )
    path = f"/api/v2/projects/{project_key}/environments/{environment_key}/segments/evaluate"
    return {"items": items, "_links": {"self": link(path)}}


def _clause_rep(clause: ClauseExplanation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "index": clause.index,
        "contextKind": clause.context_kind,
        "attribute": clause.attribute,
        "op": clause.op,
        "negate": clause.negate,
        "matched": clause.matched,
        "contextValue": clause.context_value,
    }
    if clause.error is not None:
        body["error"] = clause.error.message
    return body


def _rule_rep(rule: RuleExplanation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "index": rule.index,
        "_id": rule.id,
        "matched": rule.matched,
        "clauses": [_clause_rep(c) for c in rule.clauses],
    }
    if rule.weight is not None:
        body["weight"] = rule.weight
        body["bucket"] = rule.bucket
    if rule.error is not None:
        body["error"] = rule.error.message
    return body


def _explanation_rep(context: Context, explanation: Explanation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "context": {
            "kind": "multi" if context.is_multi else context.kinds[0],
            "key": context.fully_qualified_key,
        }
    }
    body.update(result_rep(explanation.result))
    body["rules"] = [_rule_rep(r) for r in explanation.rules]
    return body


@router.post(
    "/api/v2/segments/{projectKey}/{environmentKey}/{segmentKey}/evaluate",
    operation_id="explainSegmentMembership",
    summary="Explain segment membership (segmentd)",
    response_model=SegmentExplanations,
    responses=error_responses(400, 401, 404, 429),
)
def explain_segment(
    projectKey: str,
    environmentKey: str,
    segmentKey: str,
    services: Services,
    _token: Reader,
    contexts: Annotated[Any, Body(examples=[CONTEXT_EXAMPLE, [CONTEXT_EXAMPLE]])],
) -> JsonResponse:
    """Is each context a member of the segment, why, and which rules and clauses matched
    with which context values. The body is one context or a list of up to 1,000."""
    explained = services.evaluations.explain(projectKey, environmentKey, segmentKey, contexts)
    return JsonResponse({"items": [_explanation_rep(c, e) for c, e in explained]})
