"""``segments/evaluate`` rendered straight to bytes from cached pieces (the fast lane's form).

An environment-wide evaluation answers one item per segment: 1,000 segments made 4,000
dicts per request for orjson to walk. Building them cost about a quarter of the request's
CPU, and the live objects set off the cyclic garbage collector several times per request
(docs/performance.md). Here, the parts of an item that depend only on the segment (its
name, key, description and link, at one version) and on the reason are rendered once,
by orjson, and kept; a request joins bytes. The answer is byte for byte what
``orjson.dumps(routes.environment_memberships(...))`` gives (``tests/api/test_fastlane.py``
compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import orjson

from segmentd.api.app_services import AppServices
from segmentd.api.responses import link
from segmentd.api.segments.representations import segment_path
from segmentd.evaluation.evaluator import Reason, reason_to_json
from segmentd.services.evaluations.service import Membership

#: Reasons that mean "targeted individually" (LaunchDarkly's ``isIndividuallyTargeted``).
INDIVIDUAL = frozenset({"included", "includedContexts", "bigSegmentIncluded"})

_TRUE_FALSE = {True: b"true", False: b"false"}


@lru_cache(maxsize=100_000)
def _head(name: str, key: str, description: str | None, unbounded: bool) -> bytes:
    """``{"name":…,"key":…,"description":…,"unbounded":…,"external":""`` (open)."""
    body = {
        "name": name,
        "key": key,
        "description": description or "",
        "unbounded": unbounded,
        "external": "",
    }
    return orjson.dumps(body)[:-1]


@lru_cache(maxsize=100_000)
def _tail(project_key: str, environment_key: str, key: str, reason: Reason) -> bytes:
    """``,"_links":…,"reason":…}`` (closing the item)."""
    links = {"self": link(segment_path(project_key, environment_key, key))}
    return (
        b',"_links":'
        + orjson.dumps(links)
        + b',"reason":'
        + orjson.dumps(reason_to_json(reason))
        + b"}"
    )


@lru_cache(maxsize=64)
def _flags(is_member: bool, kind: str) -> bytes:
    return (
        b',"isMember":'
        + _TRUE_FALSE[is_member]
        + b',"isIndividuallyTargeted":'
        + _TRUE_FALSE[kind in INDIVIDUAL]
        + b',"isRuleTargeted":'
        + _TRUE_FALSE[kind == "rule"]
    )


def memberships_json(
    project_key: str, environment_key: str, memberships: Iterable[Membership]
) -> bytes:
    """The JSON body of ``segments/evaluate`` for ``memberships``."""
    items = []
    for membership in memberships:
        segment, result = membership.segment, membership.result
        reason = result.reason
        items.append(
            _head(segment.name, segment.key, segment.description, segment.unbounded)
            + _flags(result.is_member, reason.kind)
            + _tail(project_key, environment_key, segment.key, reason)
        )
    path = f"/api/v2/projects/{project_key}/environments/{environment_key}/segments/evaluate"
    return (
        b'{"items":['
        + b",".join(items)
        + b'],"_links":'
        + orjson.dumps({"self": link(path)})
        + b"}"
    )


def environment_memberships_json(
    services: AppServices, project_key: str, environment_key: str, context: object
) -> bytes:
    """The work of ``segments/evaluate`` for the fast lane: ``routes.environment_memberships``
    rendered by :func:`memberships_json`."""
    memberships = services.evaluations.memberships(project_key, environment_key, context)
    return memberships_json(project_key, environment_key, memberships)
