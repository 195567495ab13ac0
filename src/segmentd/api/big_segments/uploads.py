"""Streaming ``multipart/form-data`` reader for big-segment imports.

The ``file`` part goes straight to a file under ``<data dir>/imports/`` as the request
body arrives (never held in memory, whatever its size); the small text fields (``mode``,
``waitOnApprovals``) are collected in memory, capped at 1 KB each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from segmentd.errors import InvalidRequest, PayloadTooLarge

MAX_FIELD_BYTES = 1024


@dataclass
class Upload:
    """The parsed form: the uploaded file's path on disk and the text fields."""

    path: Path | None = None
    file_name: str = ""
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    directory: Path
    max_bytes: int
    upload: Upload = field(default_factory=Upload)
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    is_file: bool = False
    out: BinaryIO | None = None
    text: bytearray = field(default_factory=bytearray)

    def on_part_begin(self) -> None:
        self.headers = {}
        self.text = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("latin-1")
        self.is_file = self.name == "file"
        if self.is_file:
            if self.upload.path is not None:
                raise InvalidRequest("file: send exactly one file")
            self.directory.mkdir(parents=True, exist_ok=True)
            self.upload.path = self.directory / f"upload-{uuid.uuid4().hex}.part"
            self.upload.file_name = options.get(b"filename", b"file").decode("utf-8", "replace")
            self.out = self.upload.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_file:
            assert self.out is not None
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise PayloadTooLarge(f"file: larger than {self.max_bytes} bytes")
            self.out.write(data[start:end])
        else:
            self.text += data[start:end]
            if len(self.text) > MAX_FIELD_BYTES:
                raise InvalidRequest(f"{self.name}: field too long")

    def on_part_end(self) -> None:
        if self.is_file:
            assert self.out is not None
            self.out.close()
            self.out = None
        elif self.name:
            self.upload.fields[self.name] = self.text.decode("utf-8", "replace")


async def receive_upload(request: Request, directory: Path, *, max_bytes: int) -> Upload:
    """Stream the request's multipart body; the file part lands in ``directory``.

    Raises 400 for a body that is not multipart or has no ``file`` part, 413 for a file
    over ``max_bytes``; a partly written file is removed on any failure.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidRequest("Content-Type: send multipart/form-data with a 'file' part")
    state = _State(directory, max_bytes)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": state.on_part_begin,
            "on_part_data": state.on_part_data,
            "on_part_end": state.on_part_end,
            "on_header_field": state.on_header_field,
            "on_header_value": state.on_header_value,
            "on_header_end": state.on_header_end,
            "on_headers_finished": state.on_headers_finished,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except BaseException as error:
        if state.out is not None:
            state.out.close()
        if state.upload.path is not None:
            state.upload.path.unlink(missing_ok=True)
        if isinstance(error, Exception) and not isinstance(error, InvalidRequest | PayloadTooLarge):
            raise InvalidRequest(f"malformed multipart body ({error})") from None
        raise
    if state.upload.path is None:
        raise InvalidRequest("file: a CSV file part named 'file' is required")
    return state.upload
