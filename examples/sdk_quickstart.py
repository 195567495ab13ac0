"""Evaluate a segment-targeting flag with LaunchDarkly's unmodified Python SDK against segmentd.

Run segmentd (``segmentd serve``), then:

    SEGMENTD_URL=http://127.0.0.1:8080 SEGMENTD_TOKEN=api-... python examples/sdk_quickstart.py

The script uses the REST API (access token) to create a segment and a flag that serves
``true`` to the segment's members in environment ``production`` of project ``default``,
reads that environment's SDK key, and then evaluates the flag with the SDK, which streams
its data from segmentd (``stream_uri``), or polls it (``base_uri``) with ``stream=False``.
"""

from __future__ import annotations

import os
import time
import uuid

import httpx
import ldclient
from ldclient import Context
from ldclient.config import Config

URL = os.environ.get("SEGMENTD_URL", "http://127.0.0.1:8080")
SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch"


def setup(api: httpx.Client, segment: str, flag: str) -> str:
    """Create the segment and the flag; return the SDK key of ``production``."""
    api.post(
        "/api/v2/segments/default/production", json={"key": segment, "name": "Beta testers"}
    ).raise_for_status()
    created = api.post("/api/v2/flags/default", json={"key": flag, "name": "New checkout"})
    created.raise_for_status()
    true_id, false_id = (v["_id"] for v in created.json()["variations"])
    api.patch(
        f"/api/v2/flags/default/{flag}",
        headers={"Content-Type": SEMANTIC},
        json={
            "environmentKey": "production",
            "instructions": [
                {"kind": "turnFlagOn"},
                {
                    "kind": "addRule",
                    "clauses": [{"attribute": "", "op": "segmentMatch", "values": [segment]}],
                    "variationId": true_id,
                },
                {"kind": "updateFallthroughVariationOrRollout", "variationId": false_id},
            ],
        },
    ).raise_for_status()
    environment = api.get("/api/v2/projects/default/environments/production").json()
    return str(environment["apiKey"])


def main() -> None:
    segment, flag = f"beta-{uuid.uuid4().hex[:6]}", f"new-checkout-{uuid.uuid4().hex[:6]}"
    token = os.environ["SEGMENTD_TOKEN"]
    with httpx.Client(base_url=URL, headers={"Authorization": token}) as api:
        sdk_key = setup(api, segment, flag)
        config = Config(
            sdk_key,
            base_uri=URL,  # polling:  GET {base_uri}/sdk/latest-all
            stream_uri=URL,  # streaming: GET {stream_uri}/all
            events_uri=URL,  # events:   POST {events_uri}/bulk and /diagnostic
        )
        client = ldclient.LDClient(config, start_wait=5)
        try:
            alice = Context.builder("alice").set("email", "alice@example.com").build()
            print("initialised:", client.is_initialized())
            print("alice before:", client.variation(flag, alice, False))
            # Include alice in the segment through the REST API (semantic patch).
            api.patch(
                f"/api/v2/segments/default/production/{segment}",
                headers={"Content-Type": SEMANTIC},
                json={"instructions": [{"kind": "addIncludedTargets", "contextKind": "user",
                                        "values": ["alice"]}]},
            ).raise_for_status()  # fmt: skip
            time.sleep(0.5)  # the change arrives on the stream within milliseconds
            print("alice after: ", client.variation(flag, alice, False))
        finally:
            client.close()


if __name__ == "__main__":
    main()
