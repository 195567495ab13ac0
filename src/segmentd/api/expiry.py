"""Background work run by the app's lifespan: big-segment workers and target expiry.

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

from segmentd.api.app_services import AppServices
from segmentd.services.expiring.service import ExpiringTargetService

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


def background_lifespan(
    services: AppServices, expiry_interval: float | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that runs the services' background work while the app is up: big-segment
    import workers and the Redis heartbeat (``start_background``), and
    :func:`expire_periodically` (``expiry_interval`` ``None`` or ``0`` turns expiry off)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(services.start_background)
        task = None
        if expiry_interval:
            task = asyncio.create_task(expire_periodically(services.expiring, expiry_interval))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(services.stop_background)

    return lifespan
