"""The fast lane answers its routes exactly as the FastAPI routes do, on both stores.

Each request is sent twice: through the whole app (edge, fast lane, FastAPI behind it) and
straight to FastAPI's own stack (``SegmentdApp.fastapi_stack``, which the fast lane falls
back to). Status and body must be the same, apart from what differs by nature (the request
id, a new segment's key and timestamps).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest

from segmentd.api.app import create_app
from segmentd.bootstrap import Services
from segmentd.domain.audit.history import Actor
from segmentd.domain.projects.model import Role
from segmentd.domain.segments.model import SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from tests.api.conftest import store_targeting
from tests.builders import segment_match

BASE = "/api/v2/segments/default/production"
ME = Actor(id="t", name="t")


Request = tuple[str, str, dict[str, str], bytes | None]
Answer = tuple[int, Any, str]


def _exchange(
    services: Services, pairs: list[tuple[Request, Request]]
) -> list[tuple[Answer, Answer]]:
    """(status, JSON body, content type) of the first request of each pair through the app
    and of the second straight through FastAPI."""
    app = create_app(services, expiry_interval=None)

    async def one(client: httpx.AsyncClient, request: Request) -> Answer:
        method, path, headers, body = request
        response = await client.request(method, path, headers=headers, content=body)
        content = response.json() if response.content else None
        return response.status_code, content, response.headers.get("content-type", "")

    async def run() -> list[tuple[Answer, Answer]]:
        whole = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")
        plain = httpx.AsyncClient(
            transport=httpx.ASGITransport(app.fastapi_stack), base_url="http://t"
        )
        async with whole, plain:
            return [(await one(whole, a), await one(plain, b)) for a, b in pairs]

    return asyncio.run(run())


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    initialise_if_empty(services.uow, services.projects, services.access)
    services.segments.create(
        "default", "production", SegmentDraft("existing", "Existing", tags=("a",)), actor=ME
    )
    services.segments.create(
        "default", "production", SegmentDraft("big", "Big", unbounded=True), actor=ME
    )
    return {role.value: services.access.create(name=role.value, role=role).secret for role in Role}


def test_reads__fast_lane_and_fastapi__answer_the_same(
    services: Services, tokens: dict[str, str]
) -> None:
    reader = {"Authorization": tokens["reader"]}
    cases: list[tuple[str, dict[str, str]]] = [
        ("/healthz", {}),
        (f"{BASE}/existing", reader),
        (f"{BASE}/existing", {"Authorization": f"Bearer {tokens['admin']}"}),
        (f"{BASE}/big", reader),
        (f"{BASE}/missing", reader),
        ("/api/v2/segments/nope/production/existing", reader),
        (f"{BASE}/existing", {}),
        (f"{BASE}/existing", {"Authorization": "api-wrong"}),
        (f"{BASE}/big/contexts/ctx-1", reader),
        (f"{BASE}/big/users/ctx-1", reader),
        (f"{BASE}/existing/contexts/ctx-1", reader),
        (f"{BASE}/missing/contexts/ctx-1", reader),
        (BASE, reader),
        (f"{BASE}?limit=1&offset=1", reader),
        (f"{BASE}?filter=query%20equals%20%22exist%22&sort=-name", reader),
        (f"{BASE}?filter=tags%20anyOf%20%5B%22a%22%5D", reader),
        (f"{BASE}?filter=bogus", reader),
        (f"{BASE}?sort=colour", reader),
        (f"{BASE}?limit=0", reader),
        (f"{BASE}?limit=101", reader),
        (f"{BASE}?limit=abc", reader),
        (f"{BASE}?limit=-1", reader),
        (f"{BASE}?offset=-1", reader),
        (f"{BASE}?limit=1&limit=2", reader),
        (f"{BASE}?colour=red", reader),
        (f"{BASE}?limit=", reader),
        (BASE, {}),
        ("/api/v2/segments/default/nope", reader),
    ]
    requests: list[Request] = [("GET", path, headers, None) for path, headers in cases]
    answers = _exchange(services, [(r, r) for r in requests])
    for fast, plain in answers:
        assert _comparable(fast) == _comparable(plain)


def _comparable(answer: Answer, key: str | None = None) -> Answer:
    """The answer without what differs by nature: the request id; a new segment's key
    (``key`` becomes ``K``) and creation time."""
    status, content, kind = answer
    if key is not None:
        content = orjson.loads(orjson.dumps(content).replace(key.encode(), b"K"))
    if isinstance(content, dict):
        content = {
            k: v for k, v in content.items() if k not in ("id", "creationDate", "lastModified")
        }
    return status, content, kind


@pytest.mark.parametrize(
    ("role", "body"),
    [
        ("writer", b'{"key": "K", "name": "N", "tags": ["x", "y"]}'),
        ("admin", b'{"key": "K", "name": "N", "description": "d"}'),
        ("writer", b'{"key": "K", "name": "N", "unbounded": true}'),
        ("writer", b'{"key": "K", "name": "N", "unbounded": true, "unboundedContextKind": "org"}'),
        ("writer", b'{"key": "K", "name": "N", "rules": [], "extra": 1}'),
        ("writer", b'{"key": "existing", "name": "N"}'),
        ("writer", b'{"key": "bad key!", "name": "N"}'),
        ("writer", b'{"key": "K"}'),
        ("writer", b'{"key": 1, "name": "N"}'),
        ("writer", b'{"key": "K", "name": "N", "tags": "t"}'),
        ("writer", b'{"key": "K", "name": "N", "unbounded": "yes"}'),
        ("writer", b'["K"]'),
        ("writer", b'{"key": "K", "name": '),
        ("writer", b'{"key": "K", "name": NaN}'),
        ("writer", b""),
        ("reader", b'{"key": "K", "name": "N"}'),
        ("none", b'{"key": "K", "name": "N"}'),
    ],
)
def test_create__fast_lane_and_fastapi__answer_the_same(
    services: Services, tokens: dict[str, str], role: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    if role != "none":
        headers["Authorization"] = tokens[role]
    fast_request: Request = ("POST", BASE, headers, body.replace(b'"K"', b'"kf"'))
    plain_request: Request = ("POST", BASE, headers, body.replace(b'"K"', b'"kp"'))
    ((fast, plain),) = _exchange(services, [(fast_request, plain_request)])
    assert _comparable(fast, "kf") == _comparable(plain, "kp")
    if b'"K"' in body and fast[0] == 201:
        assert fast[1]["key"] == "kf"


def test_fast_lane__well_formed_hot_requests__never_reach_fastapi(
    services: Services, tokens: dict[str, str]
) -> None:
    from segmentd.api.fastlane import FastLane
    from segmentd.api.ratelimit import RateLimiter

    async def fastapi(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError(f"FastAPI was asked for {scope['method']} {scope['path']}")

    lane = FastLane(fastapi, services, RateLimiter(0))
    writer = {"Authorization": tokens["writer"], "Content-Type": "application/json"}

    async def run() -> list[int]:
        transport = httpx.ASGITransport(lane)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = [
                await client.get("/healthz"),
                await client.post(BASE, headers=writer, content=b'{"key": "n", "name": "N"}'),
                await client.get(f"{BASE}/n", headers=writer),
                await client.get(f"{BASE}/missing", headers=writer),
                await client.get(f"{BASE}/big/contexts/c", headers=writer),
                await client.get(f"{BASE}?limit=5&filter=query%20equals%20%22n%22", headers=writer),
                await client.patch(f"{BASE}/n", headers=writer, content=b'{"merge": {}}'),
                await client.post(EVALUATE, headers=writer, content=b'{"key": "c"}'),
            ]
        return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200, 201, 200, 404, 200, 200, 200, 200]


EVALUATE = "/api/v2/projects/default/environments/production/segments/evaluate"


@pytest.mark.parametrize(
    "body",
    [
        b'{"kind": "user", "key": "ctx-1"}',
        b'{"kind": "multi", "user": {"key": "u"}, "org": {"key": "o", "name": "O"}}',
        b'{"kind": "user"}',
        b'{"key": 1}',
        b"[]",
        b'"user"',
        b"null",
        b"{",
        b"",
    ],
)
def test_evaluate__fast_lane_and_fastapi__answer_the_same(
    services: Services, tokens: dict[str, str], body: bytes
) -> None:
    headers = {"Authorization": tokens["reader"], "Content-Type": "application/json"}
    request: Request = ("POST", EVALUATE, headers, body)
    ((fast, plain),) = _exchange(services, [(request, request)])
    assert _comparable(fast) == _comparable(plain)


def _store_targeting(services: Services, key: str, name: str, **targeting: Any) -> None:
    store_targeting(
        services, "production", key, name=name, description=targeting.pop("d", None), **targeting
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"kind": "user", "key": "alice", "job": "doctor"}',
        b'{"kind": "user", "key": "bob", "job": "nurse"}',
        b'{"kind": "multi", "user": {"key": "carol"}, "org": {"key": "acme"}}',
    ],
)
def test_evaluate__fast_lane_bytes__equal_fastapi_bytes(
    services: Services, tokens: dict[str, str], body: bytes
) -> None:
    doctors = SegmentRule(
        id="r-doc", clauses=(Clause(attribute="job", op="in", values=("doctor",)),)
    )
    _store_targeting(
        services, "vips", 'V\u00efps "quoted" \u2603', included=("alice",), excluded=("bob",)
    )
    _store_targeting(services, "docs", "Doctors", d="Every <doctor> & nurse", rules=(doctors,))
    _store_targeting(services, "acme", "Acme", included_contexts=(SegmentTarget("org", ("acme",)),))
    _store_targeting(
        services, "loop-a", "A", rules=(SegmentRule(id="a", clauses=(segment_match("loop-b"),)),)
    )
    _store_targeting(
        services, "loop-b", "B", rules=(SegmentRule(id="b", clauses=(segment_match("loop-a"),)),)
    )
    headers = {"Authorization": tokens["reader"], "Content-Type": "application/json"}
    app = create_app(services, expiry_interval=None)

    async def run() -> tuple[httpx.Response, httpx.Response]:
        whole = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")
        plain = httpx.AsyncClient(
            transport=httpx.ASGITransport(app.fastapi_stack), base_url="http://t"
        )
        async with whole, plain:
            return (
                await whole.post(EVALUATE, headers=headers, content=body),
                await plain.post(EVALUATE, headers=headers, content=body),
            )

    fast, slow = asyncio.run(run())
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    kinds = {item["key"]: item["reason"]["kind"] for item in fast.json()["items"]}
    assert "error" in kinds.values()  # the cycle's error reason is rendered too


SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch"


@pytest.mark.parametrize(
    ("content_type", "query", "body"),
    [
        (SEMANTIC, "", b'{"instructions": [{"kind": "addIncludedTargets", "contextKind": "user",'
         b' "values": ["a", "b"]}], "comment": "c"}'),
        (SEMANTIC, "", b'{"version": 1, "instructions": [{"kind": "updateName", "value": "Q"}]}'),
        (SEMANTIC, "", b'{"version": 7, "instructions": [{"kind": "updateName", "value": "Q"}]}'),
        (SEMANTIC, "", b'{"instructions": [{"kind": "explode"}]}'),
        (SEMANTIC, "", b'{"instructions": []}'),
        (SEMANTIC, "", b"[]"),
        (SEMANTIC, "?dryRun=true", b'{"instructions": [{"kind": "updateName", "value": "Q"}]}'),
        ("application/json", "", b'[{"op": "replace", "path": "/name", "value": "R"}]'),
        ("application/json", "", b'{"patch": [{"op": "test", "path": "/version", "value": 9}]}'),
        ("application/json", "", b'{"merge": {"description": "m"}}'),
        ("application/json", "", b'[{"op": "bogus"}]'),
        ("application/json", "", b"{"),
        ("application/json", "", b""),
    ],
)  # fmt: skip
def test_patch__fast_lane_and_fastapi__answer_the_same(
    services: Services, tokens: dict[str, str], content_type: str, query: str, body: bytes
) -> None:
    headers = {"Authorization": tokens["writer"], "Content-Type": content_type}
    fast_request: Request = ("PATCH", f"{BASE}/seg-fast-x{query}", headers, body)
    plain_request: Request = ("PATCH", f"{BASE}/seg-plain-x{query}", headers, body)
    ((fast, plain),) = _exchange(services, [(fast_request, plain_request)])
    assert _comparable(fast, "seg-fast-x") == _comparable(plain, "seg-plain-x")
