"""Client-side and mobile SDK streams: each open stream holds one context, and every change
to its environment re-evaluates that context's flags and sends what changed.

A stream starts with a ``put`` (every served flag, the ``evalx`` body), then gets a
``patch`` (``{"key", "version", "value", "variation", …}``) for each flag whose answer
changed and a ``delete`` (``{"key", "version"}``) for each flag no longer served, as
LaunchDarkly's client SDKs expect. ``ping`` streams get only ``event: ping`` and poll.

Changes arrive on the change hub (any thread, other instances included through the relays)
and are coalesced per environment: one worker task re-evaluates all streams of a changed
environment in one threadpool call, so a burst of writes costs one evaluation per stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from segmentd.domain.projects.model import Environment
from segmentd.domain.shared.context import Context
from segmentd.services.changes import ChangeHub
from segmentd.services.client_sdk.service import ClientFlag, ClientSdkService, client_flag_json
from segmentd.services.ports import ItemChange

log = logging.getLogger("segmentd.stream")

HEARTBEAT = b":\n\n"
PING = b"event: ping\ndata: \n\n"
#: Events a stream may fall behind by before it is closed (the SDK reconnects).
MAX_BACKLOG = 1000


def sse(name: str, data: object) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


@dataclass(eq=False)
class ClientStream:
    """One connected SDK: its context, what it was last sent, and its outgoing queue."""

    environment: Environment
    context: Context | None  # None: a ping stream
    mobile: bool
    with_reasons: bool
    queue: asyncio.Queue[bytes | None] = field(default_factory=lambda: asyncio.Queue(MAX_BACKLOG))
    sent: dict[str, ClientFlag] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    ready: bool = False
    missed: bool = False

    def put_event(self, flags: dict[str, ClientFlag]) -> bytes:
        self.sent = dict(flags)
        self.versions = {k: f.version for k, f in flags.items()}
        body = {k: client_flag_json(f, with_reasons=self.with_reasons) for k, f in flags.items()}
        return sse("put", body)

    def changes(self, flags: dict[str, ClientFlag]) -> list[bytes]:
        """``patch``/``delete`` events for what differs from what was sent; versions never
        go backwards on a stream, so the SDK applies every one of them."""
        events = []
        for key, flag in flags.items():
            before = self.sent.get(key)
            if before is not None and _same_answer(before, flag):
                continue
            version = max(flag.version, self.versions.get(key, 0) + 1)
            self.versions[key] = version
            self.sent[key] = flag
            body = {"key": key, **client_flag_json(flag, with_reasons=self.with_reasons)}
            body["version"] = version
            events.append(sse("patch", body))
        for key in [k for k in self.sent if k not in flags]:
            del self.sent[key]
            version = self.versions.get(key, 0) + 1
            self.versions[key] = version
            events.append(sse("delete", {"key": key, "version": version}))
        return events

    def offer(self, data: bytes | None) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)  # too far behind: end the stream


def _same_answer(a: ClientFlag, b: ClientFlag) -> bool:
    return (a.value, a.variation, a.reason, a.flag_version, a.track_events) == (
        b.value,
        b.variation,
        b.reason,
        b.flag_version,
        b.track_events,
    )


class ClientStreams:
    """Every open client-side stream of this process, by environment."""

    def __init__(self, service: ClientSdkService, hub: ChangeHub, heartbeat: float) -> None:
        self._service = service
        self._hub = hub
        self._heartbeat = heartbeat
        self._streams: dict[str, set[ClientStream]] = {}
        self._pending: set[str] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None

    def _start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._tasks = [
                self._loop.create_task(self._work()),
                self._loop.create_task(self._heartbeats()),
            ]
            self._unsubscribe = self._hub.subscribe(self._on_change)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for task in self._tasks:
            task.cancel()

    def _on_change(self, change: ItemChange) -> None:
        """Any thread: mark the environment for re-evaluation if it has streams."""
        loop = self._loop
        if loop is None or loop.is_closed() or change.environment_id not in self._streams:
            return
        if change.kind == "environments":  # changed or gone: end its streams (SDKs reconnect)
            loop.call_soon_threadsafe(self._end, change.environment_id)
            return
        loop.call_soon_threadsafe(self._mark, change.environment_id)

    def _end(self, environment_id: str) -> None:
        for stream in list(self._streams.get(environment_id, ())):
            stream.offer(None)

    def _mark(self, environment_id: str) -> None:
        self._pending.add(environment_id)
        if self._wake is not None:
            self._wake.set()

    async def _work(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            pending, self._pending = self._pending, set()
            for environment_id in pending:
                streams = list(self._streams.get(environment_id, ()))
                try:
                    await run_in_threadpool(self._refresh, streams)
                except Exception:
                    log.exception("could not re-evaluate client streams of %s", environment_id)

    def _refresh(self, streams: list[ClientStream]) -> None:
        """Re-evaluate each stream's context (in a worker thread) and queue the events."""
        loop = self._loop
        assert loop is not None
        for stream in streams:
            if stream.context is None:
                events = [PING]
            elif not stream.ready:
                stream.missed = True
                continue
            else:
                flags = self._service.evaluate_all(
                    stream.environment, stream.context, mobile=stream.mobile
                )
                events = stream.changes(flags)
            for event in events:
                loop.call_soon_threadsafe(stream.offer, event)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            for streams in list(self._streams.values()):
                for stream in list(streams):
                    stream.offer(HEARTBEAT)

    def response(self, stream: ClientStream) -> ClientSseResponse:
        return ClientSseResponse(self, stream)

    async def run(self, stream: ClientStream, receive: Receive, send: Send) -> None:
        """Register the stream, send its ``put`` and then its queue until it ends."""
        self._start()
        environment_id = stream.environment.id
        self._streams.setdefault(environment_id, set()).add(stream)

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            stream.offer(None)

        watcher = asyncio.get_running_loop().create_task(watch())
        try:
            first = PING
            if stream.context is not None:
                context = stream.context
                flags = await run_in_threadpool(
                    self._service.evaluate_all, stream.environment, context, mobile=stream.mobile
                )
                first = stream.put_event(flags)
                stream.ready = True
                if stream.missed:  # a change arrived while the put was computed
                    self._mark(environment_id)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while (item := await stream.queue.get()) is not None:
                await send({"type": "http.response.body", "body": item, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            streams = self._streams.get(environment_id)
            if streams is not None:
                streams.discard(stream)
                if not streams:
                    del self._streams[environment_id]


class ClientSseResponse(Response):
    """The ASGI response of one client stream (chunked ``text/event-stream``)."""

    def __init__(self, streams: ClientStreams, stream: ClientStream) -> None:
        self.background = None
        self.status_code = 200
        self._streams = streams
        self._stream = stream

    async def __call__(self, _scope: Scope, receive: Receive, send: Send) -> None:
        await self._streams.run(self._stream, receive, send)
