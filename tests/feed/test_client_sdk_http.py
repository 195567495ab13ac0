"""Client-side and mobile SDK endpoints at the HTTP level: the shapes LaunchDarkly's
client SDKs parse (js-core ``shared/sdk-client`` ``Flag``; iOS/Android ``FeatureFlag``:
``value``, ``variation``, ``version``, ``flagVersion``, ``trackEvents``, ``reason``),
credentials, availability filtering, CORS and event posts."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from segmentd.domain.flags.model import ClientSideAvailability
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import SegmentRule
from segmentd.domain.shared.clauses import Clause
from tests.feed.conftest import Feed
from tests.live import LiveServer


def b64(context: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(context)).decode().rstrip("=")


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def rest(live: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token})


def create_flag(live: LiveServer, key: str, **body: Any) -> dict[str, Any]:
    with rest(live) as client:
        answer = client.post("/api/v2/flags/default", json={"key": key, "name": key, **body})
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


BOTH = {"clientSideAvailability": {"usingEnvironmentId": True, "usingMobileKey": True}}


@pytest.fixture
def beta(feed: Feed, live: LiveServer) -> str:
    """Segment ``beta``: alice included, bob excluded, anyone with plan=gold by rule; flag
    ``beta-flag`` serves true to members, available to both client credentials."""
    feed.segment(
        "beta",
        included=("alice",),
        excluded=("bob",),
    )
    feed.update_segment(
        "beta",
        rules=(SegmentRule(clauses=(Clause(attribute="plan", op="in", values=("gold",)),)),),
    )
    key = f"beta-flag-{uuid.uuid4().hex[:6]}"
    feed.segment_flag(key, "beta", ClientSideAvailability(True, True))
    return key


def test_evalx_get__segment_targets__variation_per_context(
    http: httpx.Client, env: Environment, beta: str
) -> None:
    for context, expected in [
        ({"kind": "user", "key": "alice"}, True),
        ({"kind": "user", "key": "bob", "plan": "gold"}, False),
        ({"kind": "user", "key": "carol", "plan": "gold"}, True),
        ({"kind": "user", "key": "dave"}, False),
    ]:
        answer = http.get(f"/sdk/evalx/{env.id}/contexts/{b64(context)}")
        assert answer.status_code == 200, answer.text
        flag = answer.json()[beta]
        assert flag["value"] is expected
        assert flag["variation"] == (0 if expected else 1)
        assert isinstance(flag["version"], int)
        assert isinstance(flag["flagVersion"], int)
        assert flag["trackEvents"] is False
        assert "reason" not in flag


def test_evalx__with_reasons__launchdarkly_reason_shapes(
    http: httpx.Client, env: Environment, beta: str
) -> None:
    alice = http.get(
        f"/sdk/evalx/{env.id}/contexts/{b64({'key': 'alice'})}", params={"withReasons": "true"}
    ).json()[beta]
    assert alice["reason"]["kind"] == "RULE_MATCH"
    assert alice["reason"]["ruleIndex"] == 0
    assert isinstance(alice["reason"]["ruleId"], str)
    dave = http.get(
        f"/sdk/evalx/{env.id}/users/{b64({'key': 'dave'})}", params={"withReasons": "true"}
    ).json()[beta]
    assert dave["reason"] == {"kind": "FALLTHROUGH"}


def test_evalx_report__context_in_body__same_answer_as_get(
    http: httpx.Client, env: Environment, beta: str
) -> None:
    context = {"kind": "user", "key": "carol", "plan": "gold"}
    got = http.get(f"/sdk/evalx/{env.id}/contexts/{b64(context)}").json()
    for path in (f"/sdk/evalx/{env.id}/context", f"/sdk/evalx/{env.id}/user"):
        reported = http.request(
            "REPORT",
            path,
            content=orjson.dumps(context),
            headers={"content-type": "application/json"},
        )
        assert reported.status_code == 200, reported.text
        assert reported.json() == got


def test_mobile_evalx__mobile_key__get_and_report(
    http: httpx.Client, env: Environment, beta: str
) -> None:
    auth = {"Authorization": env.mobile_key}
    context = {"kind": "user", "key": "alice"}
    for answer in (
        http.get(f"/msdk/evalx/contexts/{b64(context)}", headers=auth),
        http.get(
            f"/msdk/evalx/users/{b64(context)}",
            headers={"Authorization": f"api_key {env.mobile_key}"},
        ),
        http.request("REPORT", "/msdk/evalx/context", content=orjson.dumps(context), headers=auth),
        http.request("REPORT", "/msdk/evalx/user", content=orjson.dumps(context), headers=auth),
    ):
        assert answer.status_code == 200, answer.text
        assert answer.json()[beta]["value"] is True


def test_availability__only_flags_marked_for_the_credential(
    http: httpx.Client, live: LiveServer, env: Environment
) -> None:
    suffix = uuid.uuid4().hex[:6]
    create_flag(
        live,
        f"js-{suffix}",
        clientSideAvailability={"usingEnvironmentId": True, "usingMobileKey": False},
    )
    create_flag(live, f"mobile-{suffix}")  # LaunchDarkly's default: mobile only
    create_flag(
        live,
        f"server-{suffix}",
        clientSideAvailability={"usingEnvironmentId": False, "usingMobileKey": False},
    )
    create_flag(live, f"snippet-{suffix}", includeInSnippet=True)
    context = b64({"key": "x"})
    browser = set(http.get(f"/sdk/evalx/{env.id}/contexts/{context}").json())
    mobile = set(
        http.get(
            f"/msdk/evalx/contexts/{context}", headers={"Authorization": env.mobile_key}
        ).json()
    )
    mine = {k for k in browser | mobile if k.endswith(suffix)}
    assert mine == {f"js-{suffix}", f"mobile-{suffix}", f"snippet-{suffix}"}
    assert {k for k in browser if k.endswith(suffix)} == {f"js-{suffix}", f"snippet-{suffix}"}
    assert {k for k in mobile if k.endswith(suffix)} == {f"mobile-{suffix}", f"snippet-{suffix}"}


def test_availability__patch__served_and_version_raised(
    http: httpx.Client, live: LiveServer, env: Environment
) -> None:
    key = f"late-{uuid.uuid4().hex[:6]}"
    created = create_flag(live, key)
    assert created["clientSideAvailability"] == {
        "usingEnvironmentId": False,
        "usingMobileKey": True,
    }
    path = f"/sdk/evalx/{env.id}/contexts/{b64({'key': 'x'})}"
    assert key not in http.get(path).json()
    with rest(live) as client:
        patched = client.patch(
            f"/api/v2/flags/default/{key}",
            json=[
                {
                    "op": "replace",
                    "path": "/clientSideAvailability/usingEnvironmentId",
                    "value": True,
                }
            ],
        )
    assert patched.status_code == 200, patched.text
    assert patched.json()["includeInSnippet"] is True
    assert patched.json()["environments"][env.key]["version"] == 2
    assert http.get(path).json()[key]["flagVersion"] == 2


def test_off_flag__off_variation_and_reason(
    http: httpx.Client, live: LiveServer, env: Environment
) -> None:
    key = f"off-{uuid.uuid4().hex[:6]}"
    create_flag(live, key, **BOTH)
    flag = http.get(
        f"/sdk/evalx/{env.id}/contexts/{b64({'key': 'x'})}", params={"withReasons": "true"}
    ).json()[key]
    assert flag["value"] is False
    assert flag["variation"] == 1
    assert flag["reason"] == {"kind": "OFF"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/sdk/evalx/nope/contexts/{ctx}", 404, id="unknown client-side id"),
        pytest.param("/sdk/evalx/{env}/contexts/!!!", 400, id="not base64"),
        pytest.param("/sdk/evalx/{env}/contexts/" + b64({"kind": "user"}), 400, id="no key"),
        pytest.param("/sdk/evalx/{env}/contexts/" + b64([1]), 400, id="not an object"),
        pytest.param("/msdk/evalx/contexts/{ctx}", 401, id="no mobile key"),
    ],
)
def test_errors__launchdarkly_error_body(
    http: httpx.Client, env: Environment, path: str, status: int
) -> None:
    answer = http.get(path.format(env=env.id, ctx=b64({"key": "x"})))
    assert answer.status_code == status
    assert set(answer.json()) == {"code", "message", "id"}


def test_errors__wrong_credentials(http: httpx.Client, env: Environment) -> None:
    context = b64({"key": "x"})
    for header in (env.sdk_key, env.id, "", "two words"):
        answer = http.get(f"/msdk/evalx/contexts/{context}", headers={"Authorization": header})
        assert answer.status_code == 401
    bad_body = http.request("REPORT", f"/sdk/evalx/{env.id}/context", content=b"{")
    assert bad_body.status_code == 400
    assert set(bad_body.json()) == {"code", "message", "id"}


def test_cors__preflight_and_answers(http: httpx.Client, env: Environment) -> None:
    origin = "http://app.example"
    preflight = http.options(
        f"/sdk/evalx/{env.id}/context",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "REPORT",
            "Access-Control-Request-Headers": "content-type,x-launchdarkly-user-agent",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "REPORT" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in (
        "content-type",
        "x-launchdarkly-user-agent",
        "x-launchdarkly-wrapper",
        "x-launchdarkly-payload-id",
        "x-launchdarkly-event-schema",
        "x-launchdarkly-tags",
    ):
        assert header in allowed
    answer = http.get(
        f"/sdk/evalx/{env.id}/contexts/{b64({'key': 'x'})}", headers={"Origin": origin}
    )
    assert answer.headers["access-control-allow-origin"] == origin
    missing = http.get("/sdk/evalx/nope/contexts/x", headers={"Origin": origin})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == origin
    rest_api = http.get("/api/v2/projects", headers={"Origin": origin})
    assert "access-control-allow-origin" not in rest_api.headers


def test_secure_mode__hash_required(http: httpx.Client, live: LiveServer, env: Environment) -> None:
    from dataclasses import replace

    secure = replace(env, secure_mode=True)
    context = live.services.client_sdk
    from segmentd.domain.shared.context import parse_context

    alice = parse_context({"key": "alice"})
    good = hmac.new(env.sdk_key.encode(), b"alice", hashlib.sha256).hexdigest()
    context.check_secure_mode(secure, alice, good)
    from segmentd.errors import Forbidden

    with pytest.raises(Forbidden):
        context.check_secure_mode(secure, alice, None)
    with pytest.raises(Forbidden):
        context.check_secure_mode(secure, alice, "0" * 64)
    context.check_secure_mode(env, alice, None)  # secure mode off: no hash needed


def test_events__accepted_and_counted(
    live: LiveServer, http: httpx.Client, env: Environment
) -> None:
    assert live.app is not None
    before = getattr(live.app.state, "events_received", 0)
    events = orjson.dumps([{"kind": "identify"}, {"kind": "custom"}])
    headers = {"content-type": "application/json", "Origin": "http://app.example"}
    assert http.post(f"/events/bulk/{env.id}", content=events, headers=headers).status_code == 202
    assert (
        http.post(f"/events/diagnostic/{env.id}", content=b"{}", headers=headers).status_code == 202
    )
    mobile = {"Authorization": env.mobile_key, "content-type": "application/json"}
    for path in ("/mobile", "/mobile/events", "/mobile/events/bulk", "/mobile/events/diagnostic"):
        assert http.post(path, content=events, headers=mobile).status_code == 202
    zipped = {**mobile, "content-encoding": "gzip"}
    assert http.post("/mobile", content=gzip.compress(events), headers=zipped).status_code == 202
    assert live.app.state.events_received - before == 2 + 1 + 4 * 2 + 2
    assert http.post("/mobile", content=events).status_code == 401
    assert http.post("/events/bulk/nope", content=events).status_code == 404
