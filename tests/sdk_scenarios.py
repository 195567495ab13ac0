"""Generated segments, flags and contexts in LaunchDarkly's REST JSON, written to a live
segmentd through its REST API, for tests that compare SDKs (Python, Node, client-side).

The generator stays inside the ground where LaunchDarkly's SDKs agree with each other and
with segmentd (docs/evaluation.md lists where they differ): bucketing values are strings,
weighted segment rules roll out by the kind their first clause tests, and no segment lists
``user`` keys under ``includedContexts``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx

Json = dict[str, Any]

USER_KEYS = [f"u{i}" for i in range(24)]
ORG_KEYS = [f"o{i}" for i in range(6)]
PLANS = ["free", "pro", "gold"]
COUNTRIES = ["de", "fr", "us", "jp"]


@dataclass
class Scenario:
    segments: list[Json] = field(default_factory=list)
    #: ``{"key", "variations", "clientSideAvailability", "config"}`` (config: REST form).
    flags: list[Json] = field(default_factory=list)
    contexts: list[Json] = field(default_factory=list)


def _user_clause(rng: random.Random) -> Json:
    choice = rng.randrange(8)
    if choice == 0:
        clause: Json = {"attribute": "plan", "op": "in", "values": rng.sample(PLANS, 2)}
    elif choice == 1:
        clause = {"attribute": "age", "op": "greaterThan", "values": [rng.randrange(10, 60)]}
    elif choice == 2:
        clause = {"attribute": "email", "op": "endsWith", "values": ["@example.com"]}
    elif choice == 3:
        clause = {"attribute": "country", "op": "in", "values": rng.sample(COUNTRIES, 2)}
    elif choice == 4:
        clause = {"attribute": "tags", "op": "in", "values": ["beta"]}
    elif choice == 5:
        clause = {"attribute": "email", "op": "matches", "values": ["^[a-m]"]}
    elif choice == 6:
        clause = {"attribute": "version", "op": "semVerGreaterThan", "values": ["1.4.0"]}
    else:
        clause = {"attribute": "key", "op": "startsWith", "values": [f"u{rng.randrange(3)}"]}
    clause["negate"] = rng.random() < 0.2
    clause["contextKind"] = "user"
    return clause


def _org_clause(rng: random.Random) -> Json:
    return {
        "attribute": "tier",
        "op": "in",
        "values": [rng.choice(["a", "b"])],
        "contextKind": "org",
        "negate": False,
    }


def _segment(rng: random.Random, index: int) -> Json:
    rules: list[Json] = []
    for _ in range(rng.randrange(3)):
        clauses = [_user_clause(rng)]
        if rng.random() < 0.3:
            clauses.append(_org_clause(rng))
        if index and rng.random() < 0.3:
            clauses.append(
                {"attribute": "", "op": "segmentMatch", "values": [f"s{rng.randrange(index)}"]}
            )
        rule: Json = {"clauses": clauses}
        if rng.random() < 0.3:
            rule.update(weight=rng.randrange(100_001), rolloutContextKind="user")
            if rng.random() < 0.5:
                rule["bucketBy"] = "email"
        rules.append(rule)
    body: Json = {
        "included": rng.sample(USER_KEYS, rng.randrange(4)),
        "excluded": rng.sample(USER_KEYS, rng.randrange(3)),
        "rules": rules,
    }
    if rng.random() < 0.4:
        body["includedContexts"] = [{"contextKind": "org", "values": rng.sample(ORG_KEYS, 2)}]
    if rng.random() < 0.2:
        body["excludedContexts"] = [{"contextKind": "org", "values": rng.sample(ORG_KEYS, 1)}]
    return {"key": f"s{index}", **body}


def _serve(rng: random.Random, count: int) -> Json:
    if rng.random() < 0.7:
        return {"variation": rng.randrange(count)}
    cut = sorted(rng.sample(range(1, 100_000), count - 1))
    weights = [b - a for a, b in zip([0, *cut], [*cut, 100_000], strict=True)]
    rollout: Json = {
        "variations": [{"variation": i, "weight": w} for i, w in enumerate(weights)],
        "contextKind": rng.choice(["user", "user", "org"]),
    }
    if rng.random() < 0.3:
        rollout["bucketBy"] = "email" if rollout["contextKind"] == "user" else "tier"
    return {"rollout": rollout}


def _flag(rng: random.Random, index: int, segments: int) -> Json:
    values: list[object] = rng.choice([[True, False], ["red", "green", "blue"]])
    variations = [{"value": v} for v in values]
    count = len(variations)
    rules: list[Json] = []
    for _ in range(rng.randrange(1, 4)):
        clauses: list[Json] = []
        if rng.random() < 0.7:
            keys = rng.sample([f"s{i}" for i in range(segments)], rng.randrange(1, 3))
            clauses.append(
                {
                    "attribute": "",
                    "op": "segmentMatch",
                    "values": keys,
                    "negate": rng.random() < 0.15,
                }
            )
        if not clauses or rng.random() < 0.3:
            clauses.append(_user_clause(rng) if rng.random() < 0.8 else _org_clause(rng))
        rules.append({"clauses": clauses, **_serve(rng, count)})
    pool = rng.sample(USER_KEYS, 2 * count)  # a key is targeted at most once
    targets = [
        {"values": pool[2 * v : 2 * v + 2], "variation": v}
        for v in range(count)
        if rng.random() < 0.3
    ]
    context_targets = []
    if rng.random() < 0.3:
        context_targets.append(
            {
                "contextKind": "org",
                "values": rng.sample(ORG_KEYS, 2),
                "variation": rng.randrange(count),
            }
        )
    config: Json = {
        "on": rng.random() < 0.85,
        "rules": rules,
        "fallthrough": _serve(rng, count),
        "offVariation": rng.randrange(count),
        "targets": targets,
        "contextTargets": context_targets,
    }
    return {
        "key": f"f{index}",
        "variations": variations,
        "clientSideAvailability": {
            "usingEnvironmentId": rng.random() < 0.8,
            "usingMobileKey": True,
        },
        "config": config,
    }


def _context(rng: random.Random) -> Json:
    user: Json = {"key": rng.choice(USER_KEYS)}
    if rng.random() < 0.7:
        user["plan"] = rng.choice(PLANS)
    if rng.random() < 0.6:
        user["age"] = rng.randrange(5, 80)
    if rng.random() < 0.6:
        user["email"] = (
            f"{rng.choice('abcnxz')}{rng.randrange(99)}@{rng.choice(['example.com', 'test.org'])}"
        )
    if rng.random() < 0.5:
        user["country"] = rng.choice(COUNTRIES)
    if rng.random() < 0.3:
        user["tags"] = rng.sample(["beta", "staff", "vip"], 2)
    if rng.random() < 0.4:
        user["version"] = f"1.{rng.randrange(8)}.{rng.randrange(3)}"
    org = {"key": rng.choice(ORG_KEYS), "tier": rng.choice(["a", "b"])}
    shape = rng.random()
    if shape < 0.6:
        return {"kind": "user", **user}
    if shape < 0.9:
        return {"kind": "multi", "user": user, "org": org}
    return {"kind": "org", **org}


def generate(seed: int, *, segments: int = 8, flags: int = 10, contexts: int = 40) -> Scenario:
    """A reproducible scenario: segments may reference earlier ones (no cycles)."""
    rng = random.Random(seed)
    return Scenario(
        segments=[_segment(rng, i) for i in range(segments)],
        flags=[_flag(rng, i, segments) for i in range(flags)],
        contexts=[_context(rng) for _ in range(contexts)],
    )


def _ok(answer: httpx.Response) -> Json:
    assert answer.status_code in (200, 201), answer.text
    body: Json = answer.json()
    return body


def write(
    rest: httpx.Client, environment: str, scenario: Scenario, *, prefix: str
) -> dict[str, str]:
    """Create the scenario's segments in ``environment`` of project ``default`` and its flags
    (keys prefixed with ``prefix``; flags are project-wide). Returns flag key → real key."""
    for segment in scenario.segments:
        _ok(
            rest.post(
                f"/api/v2/segments/default/{environment}",
                json={"key": segment["key"], "name": segment["key"]},
            )
        )
        patch = [
            {"op": "replace", "path": f"/{name}", "value": value}
            for name, value in segment.items()
            if name != "key"
        ]
        _ok(rest.patch(f"/api/v2/segments/default/{environment}/{segment['key']}", json=patch))
    keys = {}
    for flag in scenario.flags:
        key = f"{prefix}{flag['key']}"
        keys[flag["key"]] = key
        _ok(
            rest.post(
                "/api/v2/flags/default",
                json={
                    "key": key,
                    "name": key,
                    "variations": flag["variations"],
                    "clientSideAvailability": flag["clientSideAvailability"],
                },
            )
        )
        patch = [
            {"op": "replace", "path": f"/environments/{environment}/{name}", "value": value}
            for name, value in flag["config"].items()
        ]
        _ok(rest.patch(f"/api/v2/flags/default/{key}", json=patch))
    return keys
