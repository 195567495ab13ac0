"""Token values never reach the logs, and a token is found by its hash, never by comparing
secrets.

The log test runs a real ``segmentd serve`` at ``DEBUG`` and sends it a run of requests
with good, bad, wrongly placed and lower-privileged credentials, including ones that fail;
afterwards no secret (access tokens, SDK keys, mobile keys, the bad tokens tried) occurs in
what the process logged.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import httpx
import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.projects.model import AccessToken, Role
from segmentd.errors import Unauthorized
from segmentd.services.projects.access import AccessService, hash_token
from segmentd.services.projects.ports import TokenFinder
from tests.faults.server import SegmentdProcess

SEGMENTS = "/api/v2/segments/default/production"


def _requests_with_errors(base_url: str, admin: str) -> list[str]:
    """Send a mix of successful and failing requests; the secrets used."""
    used = [admin]
    with httpx.Client(base_url=base_url, headers={"Authorization": admin}) as http:
        reader = http.post("/api/v2/tokens", json={"name": "r", "role": "reader"}).json()
        writer = http.post("/api/v2/tokens", json={"name": "w", "role": "writer"}).json()
        used += [reader["token"], writer["token"]]
        env = http.get("/api/v2/projects/default/environments/production").json()
        used += [env["apiKey"], env["mobileKey"]]
        assert http.post(SEGMENTS, json={"key": "s", "name": "s"}).status_code == 201
        assert http.post(SEGMENTS, json={"key": "s", "name": "s"}).status_code == 409
        json_type = {"Content-Type": "application/json"}
        assert http.post(SEGMENTS, content=b"{not", headers=json_type).status_code == 400
        assert http.post(SEGMENTS, content=b"{}").status_code == 415
        assert http.get(f"{SEGMENTS}/missing").status_code == 404
        as_reader = {"Authorization": reader["token"]}
        assert http.post(SEGMENTS, json={"key": "t"}, headers=as_reader).status_code == 403
        bearer = {"Authorization": f"Bearer {writer['token']}"}
        assert http.get(SEGMENTS, headers=bearer).status_code == 200
        for _ in range(5):
            bad = f"api-{secrets.token_hex(16)}"
            used.append(bad)
            assert http.get(SEGMENTS, headers={"Authorization": bad}).status_code == 401
        assert http.get(SEGMENTS, headers={"Authorization": env["apiKey"]}).status_code == 401
        feed = {"Authorization": env["apiKey"]}
        assert http.get("/sdk/latest-all", headers=feed).status_code == 200
        assert http.get("/sdk/latest-all", headers=as_reader).status_code == 401
        assert http.delete(f"/api/v2/tokens/{writer['_id']}").status_code == 204
        assert http.get(SEGMENTS, headers=bearer).status_code == 401
    return used


def test_logs_of_a_run_with_errors__contain_no_credential(tmp_path: Path) -> None:
    server = SegmentdProcess(tmp_path, env={"SEGMENTD_LOG_LEVEL": "DEBUG"})
    admin = server.admin_token()
    server.start()
    try:
        used = _requests_with_errors(server.base_url, admin)
    finally:
        server.stop()
    log = server.log()
    assert "refused" in log  # the errors were logged ...
    assert " 401 " in log or "unauthorized" in log
    for secret in used:  # ... without the credentials
        assert secret not in log
        assert secret[-12:] not in log


class _RecordingFinder:
    """Records every token look-up the service makes, and passes it on."""

    def __init__(self, inner: TokenFinder) -> None:
        self.inner = inner
        self.hashes: list[str] = []

    def find_by_hash(self, token_hash: str) -> AccessToken | None:
        self.hashes.append(token_hash)
        return self.inner.find_by_hash(token_hash)


def test_authenticate__looks_the_token_up_by_its_sha256_only(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    try:
        created = services.access.create(name="t", role=Role.WRITER)
        assert services.token_finder is not None
        finder = _RecordingFinder(services.token_finder)
        access = AccessService(services.uow, services.clock, services.access._ids, finder)
        assert access.authenticate(created.secret).id == created.token.id
        near_miss = created.secret[:-1] + ("0" if created.secret[-1] != "0" else "1")
        for wrong in (near_miss, "api-" + "x" * 40):
            with pytest.raises(Unauthorized):
                access.authenticate(wrong)
    finally:
        services.close()
    # The only question asked of the store is "which token has this digest?": the secret
    # is never compared, so no timing reveals how much of a guess was right.
    secrets_tried = (created.secret, near_miss, "api-" + "x" * 40)
    assert finder.hashes == [hashlib.sha256(s.encode()).hexdigest() for s in secrets_tried]
    assert created.token.token_hash == hash_token(created.secret)
