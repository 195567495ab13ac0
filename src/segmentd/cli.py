"""The ``segmentd`` command: serve, migrate and manage tokens. ``ServiceError`` → exit code."""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
import orjson

from segmentd import __version__
from segmentd.bootstrap import Services, build_services, freeze_startup_heap
from segmentd.config import Settings
from segmentd.domain.segments import codec
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.context import parse_context
from segmentd.errors import CannotListen, InvalidRequest, NotFound, ServiceError, StartupError
from segmentd.evaluation.evaluator import StaticSegments, reason_to_json
from segmentd.evaluation.evaluator import evaluate as run_evaluation
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.projects.access import parse_role

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a ``ServiceError`` to stderr and exit with its class's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ServiceError as error:
            click.echo(f"error: {error.message}", err=True)
            sys.exit(error.exit_code)

    return wrapper


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def _services(ctx: click.Context) -> Services:
    services = build_services(_settings(ctx))
    _say_database(services)
    return services


@click.group()
@click.version_option(__version__, prog_name="segmentd")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory.")
@click.option("--database-url", help="sqlite:///path or postgresql://user:pass@host/db")
@click.pass_context
@reports_errors
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """segmentd: self-hosted feature-flag segments with LaunchDarkly's REST API."""
    ctx.obj = Settings.from_env().with_overrides(data_dir=data_dir, database_url=database_url)
    ctx.meta["data_dir_source"] = (
        "--data-dir"
        if data_dir is not None
        else "SEGMENTD_DATA_DIR"
        if os.environ.get("SEGMENTD_DATA_DIR")
        else "default"
    )


def listen(host: str, port: int, *, workers: int = 1) -> socket.socket:
    """Bind ``host:port`` before anything else runs (``CannotListen`` if not).

    One process listens on the socket itself. Several (``serve --workers N``) each listen
    on their own socket of one ``SO_REUSEPORT`` group where the system has it (Linux), so
    the kernel spreads new connections over the workers: on a shared socket one worker can
    accept every connection of a burst (measured, docs/performance.md). The socket bound
    here then only holds the port, and each worker process gets its own listening socket
    in its place (:class:`_PerWorkerSocket`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    per_worker = workers > 1 and sys.platform == "linux"
    sock = socket.socket(family)
    try:
        # A plain listening socket first, even for workers: it fails if any server listens
        # on the port. The SO_REUSEPORT socket alone would join another `serve --workers N`
        # of this user on the port (the kernel would split clients between two servers).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
        if per_worker:
            address = sock.getsockname()  # the port it really got, if asked for 0
            sock.close()
            sock = _bind_reuse_port(_PerWorkerSocket(family, socket.SOCK_STREAM), address)
    except OSError as error:
        sock.close()
        hint = (
            "stop the other process or choose another --port / SEGMENTD_PORT"
            if error.errno == errno.EADDRINUSE
            else "check --host / SEGMENTD_HOST and --port / SEGMENTD_PORT"
        )
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror}; {hint}") from None
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


_BACKLOG = 2048


class _PerWorkerSocket(socket.socket):
    """A bound, not listening, ``SO_REUSEPORT`` socket that a worker process receives as a
    listening socket of its own on the same address: uvicorn hands its sockets to the
    workers it spawns by pickling them, and this one pickles as "bind another"."""

    def __reduce__(
        self,
    ) -> tuple[Callable[[int, tuple[str, int]], socket.socket], tuple[object, ...]]:
        return _worker_listener, (int(self.family), self.getsockname()[:2])


def _worker_listener(family: int, address: tuple[str, int]) -> socket.socket:
    """In a worker process: its own listening socket in the port's ``SO_REUSEPORT`` group."""
    sock = _bind_reuse_port(socket.socket(family, socket.SOCK_STREAM), address)
    sock.listen(_BACKLOG)
    return sock


def _bind_reuse_port(sock: socket.socket, address: tuple[str, int]) -> socket.socket:
    """``sock`` bound to ``address`` as a member of the port's ``SO_REUSEPORT`` group."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _say_database(services: Services) -> None:
    """On stderr, which database a command has just created (so a stray one is noticed)."""
    if not services.created_database:
        return
    settings = services.settings
    where = ""
    if not settings.database_url:
        source = click.get_current_context().meta.get("data_dir_source", "default")
        where = f" in data directory {settings.data_path.resolve()} ({source})"
    click.echo(f"segmentd: created a new database {services.database_shown}{where}", err=True)


@main.command()
@click.option("--host", help="Listen address (default 127.0.0.1).")
@click.option("--port", type=int, help="Listen port (default 8080; 0 picks a free one).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.pass_context
@reports_errors
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int) -> None:
    """Run the API server: bind the port, migrate the database, then serve."""
    settings = _settings(ctx).with_overrides(host=host, port=port)
    sock = listen(settings.host, settings.port, workers=workers)
    try:
        _serve(settings, sock, workers)
    finally:
        sock.close()


def _serve(settings: Settings, sock: socket.socket, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    bound = sock.getsockname()
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{shown_host}:{bound[1]}"
    click.echo(f"segmentd {__version__} listening on {base} (API docs at {base}/docs)")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    services = build_services(settings)
    _say_database(services)
    first = initialise_if_empty(services.uow, services.projects, services.access)
    if first is not None:
        click.echo("segmentd: first run. Created project 'default' (production, test).")
        click.echo(f"Admin access token (shown once): {first.secret}")
        click.echo("Create a segment:")
        click.echo(
            f"  curl -X POST {base}/api/v2/segments/default/production \\\n"
            f"    -H 'Authorization: {first.secret}' -H 'Content-Type: application/json' \\\n"
            '    -d \'{"key": "beta-testers", "name": "Beta testers"}\''
        )
    log_config = {"version": 1, "disable_existing_loggers": False}
    if workers > 1:
        services.close()
        os.environ["SEGMENTD_DATABASE_URL"] = settings.resolved_database_url
        os.environ["SEGMENTD_DATA_DIR"] = str(settings.data_path.resolve())
        os.environ["SEGMENTD_WORKERS"] = str(workers)  # each worker relays its changes
        config = uvicorn.Config(
            "segmentd.asgi:app_from_env",
            factory=True,
            workers=workers,
            access_log=False,
            log_config=log_config,
        )
        Multiprocess(config, sockets=[sock]).run()
        return
    from segmentd.api.app import create_app

    app = create_app(services)
    freeze_startup_heap()
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_config=log_config))
    server.run(sockets=[sock])
    if not server.started:
        raise StartupError("the server did not start; see the log above")


@main.command()
@click.pass_context
@reports_errors
def migrate(ctx: click.Context) -> None:
    """Bring the database schema up to date."""
    _services(ctx).close()
    click.echo("database is up to date", err=True)


def _read_segments(path: Path) -> list[Segment]:
    """LaunchDarkly segment JSON from a file: one segment, a list of them, an SDK payload
    (``{"segments": {key: segment}}``) or a REST list (``{"items": [...]}``). Every problem
    names the file; a file without segments is refused."""
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as error:
        raise InvalidRequest(f"--segments: cannot read {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise InvalidRequest(f"--segments: {path} is not JSON: {error}") from None
    if isinstance(document, dict) and isinstance(document.get("segments"), dict):
        items = list(document["segments"].values())
    elif isinstance(document, dict) and isinstance(document.get("items"), list):
        items = document["items"]
    else:
        items = document if isinstance(document, list) else [document]
    if not items:
        raise InvalidRequest(f"--segments: {path} holds no segments")
    segments = []
    for index, item in enumerate(items):
        try:
            segments.append(codec.segment_from_json(item))
        except ServiceError as error:
            raise InvalidRequest(f"--segments: {path}: segment #{index}: {error.message}") from None
    return segments


@main.command()
@click.option(
    "--segments",
    "segments_file",
    required=True,
    type=click.Path(path_type=Path),
    help="JSON file of LaunchDarkly segments.",
)
@click.option("--context", "context_json", required=True, help="The context, as JSON.")
@click.option("--segment", "only", help="Evaluate only this segment key.")
@reports_errors
def evaluate(segments_file: Path, context_json: str, only: str | None) -> None:
    """Evaluate a context against segments offline; one JSON line per segment on stdout."""
    try:
        raw_context = orjson.loads(context_json)
    except orjson.JSONDecodeError as error:
        raise InvalidRequest(f"--context: not JSON: {error}") from None
    context = parse_context(raw_context)
    segments = _read_segments(segments_file)
    provider = StaticSegments(segments)
    if only is not None and all(s.key != only for s in segments):
        raise NotFound(f"--segment: no segment {only!r} in {segments_file}")
    keys = [only] if only else sorted(s.key for s in segments)
    for key in keys:
        result = run_evaluation(key, context, provider)
        line = {"segment": key, "isMember": result.is_member}
        line["reason"] = reason_to_json(result.reason)
        click.echo(orjson.dumps(line).decode())


@main.group()
def tokens() -> None:
    """Manage API access tokens."""


@tokens.command("create")
@click.option("--name", required=True, help="A name for the token.")
@click.option(
    "--role",
    default="writer",
    show_default=True,
    type=click.Choice(["reader", "writer", "admin"]),
)
@click.pass_context
@reports_errors
def tokens_create(ctx: click.Context, name: str, role: str) -> None:
    """Create an access token and print it (only the token) on stdout."""
    services = _services(ctx)
    try:
        created = services.access.create(name=name, role=parse_role(role))
    finally:
        services.close()
    click.echo(created.secret)


@tokens.command("list")
@click.pass_context
@reports_errors
def tokens_list(ctx: click.Context) -> None:
    """List tokens (id, role, name, last four characters)."""
    services = _services(ctx)
    try:
        page = services.access.list(limit=100_000, offset=0)
    finally:
        services.close()
    for token in page.items:
        click.echo(f"{token.id}\t{token.role.value}\t{token.name}\t…{token.last_four}")


@tokens.command("delete")
@click.argument("token_id")
@click.pass_context
@reports_errors
def tokens_delete(ctx: click.Context, token_id: str) -> None:
    """Delete a token by id."""
    services = _services(ctx)
    try:
        services.access.delete(token_id)
    finally:
        services.close()


@main.group("bigsegments")
def bigsegments() -> None:
    """Big segments: Redis publication for SDKs."""


@bigsegments.command("resync")
@click.option("--project", "project_key", help="Only this project.")
@click.option("--environment", "environment_key", help="Only this environment (needs --project).")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Clear the environment's Redis data first (exact, but SDKs see a gap; default: repair).",
)
@click.pass_context
@reports_errors
def bigsegments_resync(
    ctx: click.Context, project_key: str | None, environment_key: str | None, rebuild: bool
) -> None:
    """Rewrite big-segment membership in Redis from the database (SEGMENTD_REDIS_URL)."""
    services = _services(ctx)
    try:
        done = services.big_segments.resync(
            project_key=project_key, environment_key=environment_key, rebuild=rebuild
        )
    finally:
        services.close()
    if not done:
        click.echo("no environment holds big segments: nothing to resync", err=True)
    for environment, ok in done:
        state = "in sync" if ok else "FAILED (is Redis reachable?)"
        click.echo(f"{environment.project_key}/{environment.key}: {state}")
    if any(not ok for _, ok in done):
        sys.exit(7)
