"""Run Unleash (``unleash-server`` 8.2.0, npm) locally as a benchmark peer.

    from bench.peers.unleash import running_unleash, create_segment, update_segment

    with running_unleash(4243) as peer, peer.client() as client:
        seg = create_segment(client, "beta", ["u1", "u2"])
        update_segment(client, seg["id"], ["u1", "u2", "u3"], name="beta")

    # with run_load (bench/load.py), build raw request tuples instead:
    #   run_load_sync(lambda i: create_segment_request(peer, f"s{i}", ["u1"]), connections=8, ...)

What ``running_unleash`` does, each time, bounded in time:

1. ``npm ci`` (or ``npm install``) in ``bench/peers/unleash`` if its
   ``node_modules`` lacks ``unleash-server`` (needs the npm registry only);
2. drops and recreates the PostgreSQL database (default ``unleash_bench`` on
   127.0.0.1:5432, user ``postgres`` then ``root``; trust auth) with
   ``dropdb``/``createdb``;
3. starts ``node server.js`` on 127.0.0.1:<port> in its own process group,
   waits for ``GET /health`` to answer 200 (fresh migrations take ~5-10 s);
4. yields an :class:`UnleashPeer`; on exit sends SIGTERM to the group, then
   SIGKILL after a grace period.

Auth: the server is seeded with an admin API token (``INIT_ADMIN_API_TOKENS``),
sent as the raw ``Authorization`` header value (no "Bearer").

Stdlib + httpx only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PEER_DIR = Path(__file__).resolve().parent / "unleash"
UNLEASH_VERSION = "8.2.0"
DEFAULT_DB_NAME = "unleash_bench"
DEFAULT_ADMIN_TOKEN = "*:*.segmentd-bench-admin-token"

NPM_INSTALL_TIMEOUT = 600.0
STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0


class UnleashPeerError(RuntimeError):
    pass


@dataclass(frozen=True)
class UnleashPeer:
    base_url: str
    headers: dict[str, str]
    admin_token: str
    port: int
    db_name: str
    pid: int
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` with base_url and auth headers set."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.base_url, headers=self.headers, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("timeout", 30.0)
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, **kwargs)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


# --------------------------------------------------------------------------- setup


def _run(
    cmd: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        output = f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        raise UnleashPeerError(f"{' '.join(cmd)} exited {proc.returncode}:\n{output}")
    return proc


def ensure_installed(peer_dir: Path = PEER_DIR) -> None:
    """Install node_modules (pinned by package-lock.json) if unleash-server is missing."""
    marker = peer_dir / "node_modules" / "unleash-server" / "package.json"
    if marker.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise UnleashPeerError("npm not found on PATH")
    verb = "ci" if (peer_dir / "package-lock.json").exists() else "install"
    env = dict(os.environ)
    # No install script is needed by the peer; some (e.g. @scarf/scarf) would phone home.
    env.update(SCARF_ANALYTICS="false", DO_NOT_TRACK="1", npm_config_update_notifier="false")
    _run(
        [npm, verb, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=peer_dir,
        env=env,
        timeout=NPM_INSTALL_TIMEOUT,
    )
    if not marker.exists():
        raise UnleashPeerError(f"npm {verb} finished but {marker} is missing")


def recreate_database(
    db_name: str = DEFAULT_DB_NAME,
    *,
    host: str = "127.0.0.1",
    port: int = 5432,
    users: Sequence[str] = ("postgres", "root"),
) -> str:
    """Drop (forcing off other sessions) and create ``db_name``; returns the user that worked."""
    for tool in ("dropdb", "createdb"):
        if shutil.which(tool) is None:
            raise UnleashPeerError(f"{tool} not found on PATH (Debian: postgresql-client)")
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    failures: list[str] = []
    for user in users:
        common = ["-h", host, "-p", str(port), "-U", user, "-w"]
        dropped = _run(
            ["dropdb", *common, "--if-exists", "--force", db_name], env=env, timeout=60, check=False
        )
        if dropped.returncode != 0:
            failures.append(f"{user}: {dropped.stderr.strip()}")
            continue
        _run(["createdb", *common, db_name], env=env, timeout=60)
        return user
    raise UnleashPeerError("could not recreate database: " + "; ".join(failures))


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_healthy(
    base_url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise UnleashPeerError(
                    f"unleash exited with {proc.returncode} during startup:\n{_tail(log_path, 40)}"
                )
            try:
                if client.get(f"{base_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
    raise UnleashPeerError(f"unleash not healthy after {timeout:.0f}s:\n{_tail(log_path, 40)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT)
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()


@contextlib.contextmanager
def running_unleash(
    port: int,
    *,
    db_name: str = DEFAULT_DB_NAME,
    db_host: str = "127.0.0.1",
    db_port: int = 5432,
    admin_token: str = DEFAULT_ADMIN_TOKEN,
    auth: str = "open-source",
    db_pool_max: int | None = None,
    env: Mapping[str, str] | None = None,
    node_args: Sequence[str] = (),
    log_path: Path | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    max_lifetime: float = 3600.0,
) -> Iterator[UnleashPeer]:
    """Start a fresh Unleash 8.2.0 on 127.0.0.1:``port`` backed by a recreated ``db_name``.

    ``auth`` is ``"open-source"`` (admin API token checked on every request) or ``"none"``.
    ``db_pool_max`` sets Unleash's ``DATABASE_POOL_MAX`` (Unleash's default is 4).
    ``env`` adds/overrides environment variables of the node process (any Unleash env option).
    ``node_args`` go before ``server.js`` (e.g. ``["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]``).
    The node log goes to ``log_path`` (default: a temp file, kept after exit).
    The server exits by itself after ``max_lifetime`` seconds, or as soon as this
    process dies (its stdin is a pipe from us).
    """
    if auth not in ("open-source", "none"):
        raise ValueError("auth must be 'open-source' or 'none'")
    if _port_in_use(port):
        raise UnleashPeerError(f"127.0.0.1:{port} is already in use")
    node = os.environ.get("UNLEASH_BENCH_NODE") or shutil.which("node")
    if node is None:
        raise UnleashPeerError("node not found on PATH (set UNLEASH_BENCH_NODE)")
    ensure_installed()
    db_user = recreate_database(db_name, host=db_host, port=db_port)

    child_env = {
        **os.environ,
        "UNLEASH_BENCH_PORT": str(port),
        "UNLEASH_BENCH_DB_HOST": db_host,
        "UNLEASH_BENCH_DB_PORT": str(db_port),
        "UNLEASH_BENCH_DB_NAME": db_name,
        "UNLEASH_BENCH_DB_USER": db_user,
        "UNLEASH_BENCH_ADMIN_TOKEN": admin_token,
        "UNLEASH_BENCH_AUTH": auth,
        "NODE_ENV": "production",
        "UNLEASH_BENCH_EXIT_ON_STDIN_EOF": "1",
        "UNLEASH_BENCH_MAX_SECONDS": str(int(max_lifetime)),
    }
    if db_pool_max is not None:
        child_env["DATABASE_POOL_MAX"] = str(db_pool_max)
    child_env.update(env or {})
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix=f"unleash-{port}-", suffix=".log")
        os.close(fd)
        log_path = Path(name)

    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [node, *node_args, "server.js"],
            cwd=PEER_DIR,
            env=child_env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(base_url, proc, log_path, startup_timeout)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth == "open-source":
            headers["Authorization"] = admin_token
        yield UnleashPeer(
            base_url=base_url,
            headers=headers,
            admin_token=admin_token,
            port=port,
            db_name=db_name,
            pid=proc.pid,
            log_path=log_path,
            extra={"db_user": db_user, "version": UNLEASH_VERSION},
        )
    finally:
        _stop(proc)


# ------------------------------------------------------------------------ segments


def segment_body(
    name: str,
    values: Sequence[str],
    *,
    context_name: str = "userId",
    description: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """Body for POST/PUT /api/admin/segments (Unleash ``upsertSegmentSchema``).

    One ``IN`` constraint on ``context_name`` holding ``values`` - the closest
    Unleash shape to a LaunchDarkly segment's included-keys list.
    """
    body: dict[str, Any] = {
        "name": name,
        "constraints": [
            {
                "contextName": context_name,
                "operator": "IN",
                "values": list(values),
                "inverted": False,
                "caseInsensitive": False,
            }
        ],
    }
    if description is not None:
        body["description"] = description
    if project is not None:
        body["project"] = project
    return body


def _url(client: httpx.Client | httpx.AsyncClient, base_url: str | None, path: str) -> str:
    if base_url is None:
        if not str(client.base_url):
            raise ValueError("pass base_url or use a client with base_url set")
        return path
    return base_url.rstrip("/") + path


def _check(response: httpx.Response, expected: int) -> None:
    if response.status_code != expected:
        raise UnleashPeerError(
            f"{response.request.method} {response.request.url} -> "
            f"{response.status_code}: {response.text[:500]}"
        )


def create_segment(
    client: httpx.Client,
    name: str,
    values: Sequence[str],
    *,
    base_url: str | None = None,
    context_name: str = "userId",
) -> dict[str, Any]:
    """POST /api/admin/segments; returns the created segment (``id``, ``name``, ...). 201 expected.

    ``client`` must carry the auth headers (``peer.client()`` does); give ``base_url``
    if the client has none.
    """
    response = client.post(
        _url(client, base_url, "/api/admin/segments"),
        json=segment_body(name, values, context_name=context_name),
    )
    _check(response, 201)
    created: dict[str, Any] = response.json()
    return created


def update_segment(
    client: httpx.Client,
    segment_id: int,
    values: Sequence[str],
    *,
    name: str | None = None,
    base_url: str | None = None,
    context_name: str = "userId",
) -> None:
    """PUT /api/admin/segments/{id} replacing the constraint values. 204 expected.

    Unleash's PUT needs the full body including ``name``; without ``name`` the
    segment is fetched first (an extra GET - pass ``name`` when benchmarking).
    """
    path = f"/api/admin/segments/{segment_id}"
    if name is None:
        current = client.get(_url(client, base_url, path))
        _check(current, 200)
        name = str(current.json()["name"])
    response = client.put(
        _url(client, base_url, path), json=segment_body(name, values, context_name=context_name)
    )
    _check(response, 204)


async def acreate_segment(
    client: httpx.AsyncClient,
    name: str,
    values: Sequence[str],
    *,
    base_url: str | None = None,
    context_name: str = "userId",
) -> dict[str, Any]:
    """Async :func:`create_segment`."""
    response = await client.post(
        _url(client, base_url, "/api/admin/segments"),
        json=segment_body(name, values, context_name=context_name),
    )
    _check(response, 201)
    created: dict[str, Any] = response.json()
    return created


async def aupdate_segment(
    client: httpx.AsyncClient,
    segment_id: int,
    values: Sequence[str],
    *,
    name: str,
    base_url: str | None = None,
    context_name: str = "userId",
) -> None:
    """Async :func:`update_segment` (``name`` required)."""
    response = await client.put(
        _url(client, base_url, f"/api/admin/segments/{segment_id}"),
        json=segment_body(name, values, context_name=context_name),
    )
    _check(response, 204)


def create_segment_request(
    peer: UnleashPeer, name: str, values: Sequence[str], *, context_name: str = "userId"
) -> tuple[str, str, dict[str, str], bytes]:
    """The same create as a ``bench.load`` request tuple (method, url, headers, body)."""
    body = json.dumps(
        segment_body(name, values, context_name=context_name), separators=(",", ":")
    ).encode()
    return ("POST", f"{peer.base_url}/api/admin/segments", peer.headers, body)


def update_segment_request(
    peer: UnleashPeer,
    segment_id: int,
    name: str,
    values: Sequence[str],
    *,
    context_name: str = "userId",
) -> tuple[str, str, dict[str, str], bytes]:
    """The same update as a ``bench.load`` request tuple (method, url, headers, body)."""
    body = json.dumps(
        segment_body(name, values, context_name=context_name), separators=(",", ":")
    ).encode()
    return ("PUT", f"{peer.base_url}/api/admin/segments/{segment_id}", peer.headers, body)
