"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from segmentd.api.responses import JsonResponse

router = APIRouter(tags=["Health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> JsonResponse:
    return JsonResponse({"status": "ok"})


@router.get("/readyz", summary="Readiness: the database answers")
def readyz(request: Request) -> JsonResponse:
    if request.app.state.services.database_ready():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
