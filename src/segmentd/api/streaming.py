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

from segmentd.services.changes import ChangeHub
from segmentd.services.feed import FeedService
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
        loop.call_soon_threadsafe(changes.put_nowait, change)

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

    async def events(self, environment_id: str) -> AsyncIterator[bytes]:
        """A stream's bytes: the ``put`` first, then each change, and heartbeat comments.

        Subscribing comes before reading the ``put``, so a change committed meanwhile is
        sent after it (at worst twice; SDKs ignore versions they already have). The ``put``
        bytes are shared between streams and not kept once sent.
        """
        async with self.subscribe(environment_id) as queue:
            yield await run_in_threadpool(self._feed.put_bytes, environment_id)
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
