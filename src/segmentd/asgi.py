"""ASGI entry point for process managers: ``uvicorn --factory segmentd.asgi:app_from_env``.

Each worker process builds its own services from ``SEGMENTD_*`` variables (migrations have
already run in the parent, ``segmentd serve``).
"""

from __future__ import annotations

from fastapi import FastAPI

from segmentd.api.app import create_app
from segmentd.bootstrap import build_services, freeze_startup_heap
from segmentd.config import Settings


def app_from_env() -> FastAPI:
    app = create_app(build_services(Settings.from_env(), run_migrations=False))
    freeze_startup_heap()
    return app
