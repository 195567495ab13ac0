"""Fan-out of committed changes to the open SDK streams of this process.

One :class:`StreamBroadcaster` per app listens to the change hub. A change arrives on
whichever thread committed it (or on the PostgreSQL listener thread) and is handed to the
event loop; a single worker task reads the changed item once, encodes its event once, and
puts the bytes on the queue of every stream of that environment. Streams are plain asyncio
queues, so an idle stream costs a queue and a suspended generator, not a thread. One timer
task puts a heartbeat comment on every queue each interval (no timer per stream).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from segmentd.services.changes import ChangeHub
from segmentd.services.feed.service import FeedService
from segmentd.services.ports import ItemChange

log = logging.getLogger("segmentd.stream")

#: Events a stream may fall behind by before it is closed (the SDK reconnects and gets a put).
MAX_BACKLOG = 1000

HEARTBEAT = b":\n\n"

#: How often the heartbeat timer also checks whether the feed asked streams to restart.
EPOCH_CHECK_SECONDS = 5.0

StreamQueue = asyncio.Queue[bytes | None]


class StreamBroadcaster:
    def __init__(self, feed: FeedService, hub: ChangeHub, heartbeat_seconds: float) -> None:
        self._feed = feed
        self._hub = hub
        self._heartbeat_seconds = heartbeat_seconds
        self._ticker: asyncio.Task[None] | None = None
        self._last_beat = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changes: asyncio.Queue[ItemChange] | None = None
        self._streams: dict[str, set[StreamQueue]] = {}
        self._worker: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def stream_count(self) -> int:
        return sum(len(s) for s in self._streams.values())

    def streams_of(self, environment_id: str) -> int:
        """Open streams of one environment in this process."""
        return len(self._streams.get(environment_id, ()))

    def _start(self) -> asyncio.Queue[ItemChange]:
        if self._changes is None:
            self._loop = asyncio.get_running_loop()
            self._changes = asyncio.Queue()
            self._worker = self._loop.create_task(self._work(self._changes))
            self._ticker = self._loop.create_task(self._heartbeats())
            self._unsubscribe = self._hub.subscribe(self._on_change)
        return self._changes

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for task in (self._worker, self._ticker):
            if task is not None:
                task.cancel()

    def _on_change(self, change: ItemChange) -> None:
        """Called on any thread: hand the change to the event loop if anyone listens."""
        loop, changes = self._loop, self._changes
        if loop is None or changes is None or loop.is_closed():
            return
        if change.environment_id not in self._streams:
            return
        if change.kind == "environments":
            # The environment changed or is gone: its streams end, and the SDKs reconnect
            # (authenticating their key again: a deleted environment's key gets 401).
            loop.call_soon_threadsafe(self._end, change.environment_id)
            return
        loop.call_soon_threadsafe(changes.put_nowait, change)

    def _end(self, environment_id: str) -> None:
        self._send(self._streams.get(environment_id, ()), None)

    async def _work(self, changes: asyncio.Queue[ItemChange]) -> None:
        while True:
            change = await changes.get()
            if not self._streams.get(change.environment_id):
                continue
            try:
                event = await run_in_threadpool(self._feed.change_event, change)
            except Exception:
                log.exception("could not build the stream event for %s", change)
                continue
            self._send(self._streams.get(change.environment_id, ()), event.encode())

    @staticmethod
    def _send(queues: Iterable[StreamQueue], data: bytes | None) -> None:
        for queue in list(queues):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)  # too far behind: end the stream

    async def _heartbeats(self) -> None:
        epoch = self._feed.epoch
        while True:
            await asyncio.sleep(min(self._heartbeat_seconds, EPOCH_CHECK_SECONDS))
            if self._feed.epoch != epoch:
                # Changes may have been missed: end every stream; SDKs reconnect to a new put.
                epoch = self._feed.epoch
                for streams in list(self._streams.values()):
                    self._send(streams, None)
            beat = asyncio.get_running_loop().time()
            if beat - self._last_beat >= self._heartbeat_seconds:
                self._last_beat = beat
                for streams in list(self._streams.values()):
                    self._send(streams, HEARTBEAT)

    @asynccontextmanager
    async def subscribe(self, environment_id: str) -> AsyncIterator[StreamQueue]:
        """A queue receiving the encoded events of the environment (``None``: stop)."""
        self._start()
        queue: StreamQueue = asyncio.Queue(MAX_BACKLOG)
        self._streams.setdefault(environment_id, set()).add(queue)
        try:
            yield queue
        finally:
            streams = self._streams.get(environment_id)
            if streams is not None:
                streams.discard(queue)
                if not streams:
                    del self._streams[environment_id]

    def response(self, environment_id: str, headers: dict[str, str]) -> SseResponse:
        """The ASGI response of one stream (see :class:`SseResponse`)."""
        return SseResponse(self, environment_id, headers)

    @property
    def feed(self) -> FeedService:
        return self._feed


class SseResponse(Response):
    """A streaming ASGI response that sends a stream's queue straight to the connection.

    Leaner than a generator behind ``StreamingResponse``: per event, one queue wake-up and one
    ``send``. A small watcher task turns the client's disconnect into the end of the queue.
    Uvicorn sends the body chunked (HTTP/1.1, no ``Content-Length``), one chunk per event.
    """

    def __init__(
        self, broadcaster: StreamBroadcaster, environment_id: str, headers: dict[str, str]
    ) -> None:
        self.background = None
        self.status_code = 200
        self._broadcaster = broadcaster
        self._environment_id = environment_id
        self._sse_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, _scope: Scope, receive: Receive, send: Send) -> None:
        feed = self._broadcaster.feed
        async with self._broadcaster.subscribe(self._environment_id) as queue:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                StreamBroadcaster._send((queue,), None)

            watcher = asyncio.get_running_loop().create_task(watch())
            try:
                put = await run_in_threadpool(feed.put_bytes, self._environment_id)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"text/event-stream; charset=utf-8"),
                            *self._sse_headers,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": put, "more_body": True})
                del put
                while True:
                    item = await queue.get()
                    if item is None:
                        break
                    await send({"type": "http.response.body", "body": item, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                watcher.cancel()
