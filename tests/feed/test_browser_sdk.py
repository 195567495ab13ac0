"""LaunchDarkly's real browser SDK (``@launchdarkly/js-client-sdk``, the npm package's own
ES module bundle, served as-is) in a real headless Chromium, against a live segmentd.

The page is served from another origin than segmentd, so every request the SDK makes goes
through CORS as it would in production.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from segmentd.domain.projects.model import Environment
from tests import jsparts
from tests.live import LiveServer

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>segmentd browser SDK test</title></head>
<body>
<script type="module">
import { createClient } from './sdk.js';
const q = new URLSearchParams(location.search);
const base = q.get('base');
const flag = q.get('flag');
const state = window.__ld = { status: 'starting', value: undefined, changes: 0, error: null };
try {
  const client = createClient(q.get('id'), JSON.parse(q.get('context')), {
    baseUri: base, streamUri: base, eventsUri: base, streaming: true,
    diagnosticOptOut: true, flushInterval: 1,
  });
  client.on('change', () => { state.value = client.variation(flag, null); state.changes += 1; });
  const result = await client.start({ timeout: 10 });
  state.value = client.variation(flag, null);
  state.status = result.status;
} catch (e) {
  state.status = 'error';
  state.error = String(e);
}
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """A static server for the test page and the SDK bundle (another origin than segmentd)."""
    jsparts.require_chromium()
    bundle = jsparts.node_modules() / "@launchdarkly" / "js-client-sdk" / "dist" / "index.js"
    root = Path(tempfile.mkdtemp(prefix="segmentd-page-"))
    shutil.copy(bundle, root / "sdk.js")
    (root / "index.html").write_text(PAGE)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".js": "text/javascript", ".html": "text/html"}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser(page_origin: str) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="segmentd-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = jsparts.CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(jsparts.CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _rest(live: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token})


def _ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def beta_flag(live: LiveServer, env: Environment) -> str:
    """Segment ``beta`` (alice included, bob excluded, plan=gold by rule) and a flag, on and
    available to browsers, serving true to its members."""
    flag = f"browser-{uuid.uuid4().hex[:8]}"
    with _rest(live) as rest:
        _ok(rest.post(f"/api/v2/segments/default/{env.key}", json={"key": "beta", "name": "Beta"}))
        segment_patch = [
            {"op": "replace", "path": "/included", "value": ["alice"]},
            {"op": "replace", "path": "/excluded", "value": ["bob"]},
            {
                "op": "replace",
                "path": "/rules",
                "value": [{"clauses": [{"attribute": "plan", "op": "in", "values": ["gold"]}]}],
            },
        ]
        _ok(rest.patch(f"/api/v2/segments/default/{env.key}/beta", json=segment_patch))
        body = {"key": flag, "name": flag, "clientSideAvailability": {"usingEnvironmentId": True}}
        _ok(rest.post("/api/v2/flags/default", json=body))
        rule = {"clauses": [{"attribute": "", "op": "segmentMatch", "values": ["beta"]}]}
        flag_patch = [
            {"op": "replace", "path": f"/environments/{env.key}/on", "value": True},
            {
                "op": "replace",
                "path": f"/environments/{env.key}/rules",
                "value": [{**rule, "variation": 0}],
            },
            {
                "op": "replace",
                "path": f"/environments/{env.key}/fallthrough",
                "value": {"variation": 1},
            },
        ]
        _ok(rest.patch(f"/api/v2/flags/default/{flag}", json=flag_patch))
    return flag


def _open(
    browser: Any, page_origin: str, live: LiveServer, env: Environment, flag: str, context: object
) -> dict[str, Any]:
    query = urlencode(
        {
            "base": live.base_url,
            "id": env.id,
            "flag": flag,
            "context": orjson.dumps(context).decode(),
        }
    )
    browser.get(f"{page_origin}/index.html?{query}")
    return _wait_for(browser, lambda s: s["status"] != "starting", timeout=20)


def _state(browser: Any) -> dict[str, Any]:
    state: dict[str, Any] | None = browser.execute_script("return window.__ld || null;")
    return state or {"status": "starting"}


def _wait_for(browser: Any, condition: Any, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = _state(browser)
        if condition(state):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"browser state not reached within {timeout} s: {state}")
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param({"kind": "user", "key": "alice"}, True, id="included"),
        pytest.param(
            {"kind": "user", "key": "bob", "plan": "gold"}, False, id="excluded beats rule"
        ),
        pytest.param({"kind": "user", "key": "carol", "plan": "gold"}, True, id="rule match"),
        pytest.param({"kind": "user", "key": "dave"}, False, id="not a member"),
    ],
)
def test_browser_sdk__segment_membership__right_variation(
    browser: Any,
    page_origin: str,
    live: LiveServer,
    env: Environment,
    beta_flag: str,
    context: object,
    expected: bool,
) -> None:
    state = _open(browser, page_origin, live, env, beta_flag, context)
    assert state["status"] == "complete", state
    assert state["value"] is expected


def test_browser_sdk__segment_and_flag_changes__seen_live(
    browser: Any, page_origin: str, live: LiveServer, env: Environment, beta_flag: str
) -> None:
    assert live.app is not None
    events_before = getattr(live.app.state, "events_received", 0)
    state = _open(browser, page_origin, live, env, beta_flag, {"kind": "user", "key": "dave"})
    assert state["status"] == "complete", state
    assert state["value"] is False
    time.sleep(0.5)  # let the stream connect after the initial poll
    with _rest(live) as rest:
        _ok(
            rest.patch(
                f"/api/v2/segments/default/{env.key}/beta",
                json=[{"op": "add", "path": "/included/-", "value": "dave"}],
            )
        )
        # The stream delivers within a second (test_client_sdk_stream.py); the page's
        # polling and a loaded machine get some slack here.
        _wait_for(browser, lambda s: s["value"] is True, timeout=3)
        _ok(
            rest.patch(
                f"/api/v2/flags/default/{beta_flag}",
                json=[{"op": "replace", "path": f"/environments/{env.key}/on", "value": False}],
            )
        )
        _wait_for(browser, lambda s: s["value"] is False, timeout=3)
    # Evaluation events reach segmentd through CORS (flushed every second).
    deadline = time.monotonic() + 10
    while getattr(live.app.state, "events_received", 0) <= events_before:
        assert time.monotonic() < deadline, "no events from the browser SDK"
        time.sleep(0.05)
