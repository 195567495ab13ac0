"""The background task that removes expired targets, run by the app's lifespan.

It starts when the ASGI server starts the app (never at import), runs
:meth:`ExpiringTargetService.expire_due` in a worker thread every ``interval`` seconds, and
stops with the server. Several instances may run it at once; the service locks each segment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from segmentd.services.expiring import ExpiringTargetService

log = logging.getLogger("segmentd.expiry")

#: Seconds between two expiry passes of a running server.
DEFAULT_EXPIRY_INTERVAL = 15.0


async def expire_periodically(service: ExpiringTargetService, interval: float) -> None:
    """Run expiry passes forever; a failing pass is logged and the next one still runs."""
    while True:
        try:
            removed = await run_in_threadpool(service.expire_due)
            if removed:
                log.info("removed %d expired segment target(s)", removed)
        except Exception:
            log.exception("expiry pass failed")
        await asyncio.sleep(interval)


def expiry_lifespan(
    service: ExpiringTargetService, interval: float | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that runs :func:`expire_periodically` while the app is up (``interval``
    ``None`` or ``0`` turns it off)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        if interval:
            task = asyncio.create_task(expire_periodically(service, interval))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    return lifespan
