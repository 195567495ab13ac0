"""Big-segment imports and exports → LaunchDarkly REST representations."""

from __future__ import annotations

from typing import Any

from segmentd.api.responses import link
from segmentd.api.segments.representations import segment_path
from segmentd.domain.big_segments.model import ExportRecord, ImportRecord


def import_rep(record: ImportRecord, *, project_key: str, environment_key: str) -> dict[str, Any]:
    """An ``Import``; counts and any error ride along in extra fields the client ignores."""
    path = f"{segment_path(project_key, environment_key, record.segment_key)}/imports/{record.id}"
    body: dict[str, Any] = {
        "id": record.id,
        "segmentKey": record.segment_key,
        "creationTime": record.creation_time,
        "mode": record.mode.value,
        "status": record.status.value,
        "files": [{"filename": record.file_name, "status": record.status.value}],
        "_links": {"self": link(path)},
        "rows": record.rows,
        "keysAdded": record.keys_added,
        "sizeBytes": record.size_bytes,
    }
    if record.finished_time is not None:
        body["finishedTime"] = record.finished_time
    if record.error is not None:
        body["error"] = record.error
    return body


def human_size(size_bytes: int) -> str:
    """``18 B``, ``1.5 KB``, ``38.2 MB``: the ``size`` field of an ``Export``."""
    value = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size_bytes} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def export_rep(record: ExportRecord, *, project_key: str, environment_key: str) -> dict[str, Any]:
    path = f"{segment_path(project_key, environment_key, record.segment_key)}/exports/{record.id}"
    body: dict[str, Any] = {
        "id": record.id,
        "segmentKey": record.segment_key,
        "creationTime": record.creation_time,
        "status": record.status,
        "sizeBytes": record.size_bytes,
        "size": human_size(record.size_bytes),
        "initiator": {"name": record.initiator_name},
        "_links": {
            "self": link(path),
            "download": {"href": f"{path}/download", "type": "text/csv"},
        },
    }
    if record.error is not None:
        body["error"] = record.error
    return body
