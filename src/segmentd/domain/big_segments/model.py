"""Big-segment value objects and the import-file reader (pure: no database, no network).

An import file is a CSV whose first column holds context keys (docs/big-segments.md §imports): no
header, extra columns ignored, blank lines skipped, a UTF-8 byte-order mark tolerated, quoted fields
allowed. :func:`read_key_chunks` turns such a file into chunks of checked keys and raises
:class:`InvalidRequest` naming the first bad row, so a bad file changes nothing.
"""

from __future__ import annotations

import base64
import codecs
import csv
import enum
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from segmentd.domain.shared.json_types import JsonObject
from segmentd.errors import InvalidRequest

#: Keys an audit entry lists per list and operation; its ``count`` says how many in all.
AUDIT_KEYS = 100

#: Longest context key an import or a target change may carry.
MAX_CONTEXT_KEY_LENGTH = 256
#: Control characters (C0 and DEL) never appear in a context key we store.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ImportMode(enum.StrEnum):
    MERGE = "merge"
    REPLACE = "replace"


class ImportStatus(enum.StrEnum):
    """The states the official client accepts (``Import.status``); we use four of them."""

    PREPARING = "preparing"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    STOPPED = "stopped"


ACTIVE_IMPORT_STATUSES = frozenset(
    (ImportStatus.PREPARING, ImportStatus.READY, ImportStatus.IN_PROGRESS)
)


@dataclass(frozen=True, slots=True)
class Membership:
    """Whether one context key is in a big segment's included and excluded lists."""

    included: bool
    excluded: bool


@dataclass(frozen=True, slots=True)
class MembershipCounts:
    included: int = 0
    excluded: int = 0


@dataclass(frozen=True, slots=True)
class TargetChanges:
    """Keys to add to and remove from each list (a ``SegmentUserState`` body)."""

    included_add: tuple[str, ...] = ()
    included_remove: tuple[str, ...] = ()
    excluded_add: tuple[str, ...] = ()
    excluded_remove: tuple[str, ...] = ()

    def audit_changes(self) -> tuple[JsonObject, ...]:
        """What an audit entry says about these changes: one JSON Patch-like operation per
        non-empty list, ``{"op", "path": "/included" | "/excluded", "value": [keys],
        "count"}``, listing at most :data:`AUDIT_KEYS` keys of each."""
        parts = (
            ("add", "/included", self.included_add),
            ("remove", "/included", self.included_remove),
            ("add", "/excluded", self.excluded_add),
            ("remove", "/excluded", self.excluded_remove),
        )
        return tuple(
            {"op": op, "path": path, "value": list(keys[:AUDIT_KEYS]), "count": len(keys)}
            for op, path, keys in parts
            if keys
        )

    @property
    def is_empty(self) -> bool:
        return not (
            self.included_add or self.included_remove or self.excluded_add or self.excluded_remove
        )


@dataclass(frozen=True, slots=True)
class ImportRecord:
    id: str
    environment_id: str
    segment_key: str
    mode: ImportMode
    status: ImportStatus
    creation_time: int
    file_name: str
    size_bytes: int
    rows: int = 0
    keys_added: int = 0
    finished_time: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExportRecord:
    id: str
    environment_id: str
    segment_key: str
    status: str
    creation_time: int
    size_bytes: int
    initiator_name: str
    error: str | None = None


def segment_ref(segment_key: str, generation: int) -> str:
    """LaunchDarkly's big-segment reference ``<key>.g<generation>``.

    See docs/big-segments.md §redis-for-sdks.
    """
    return f"{segment_key}.g{generation}"


def context_key_hash(key: str) -> str:
    """Base64 (standard, padded) of SHA-256 of the UTF-8 key: the SDKs' Redis lookup key."""
    return base64.b64encode(hashlib.sha256(key.encode()).digest()).decode()


def check_context_key(key: str, *, field: str) -> str:
    """A context key we store: non-empty, at most 256 characters, no control characters."""
    if not key:
        raise InvalidRequest(f"{field}: a context key must not be empty")
    if len(key) > MAX_CONTEXT_KEY_LENGTH:
        raise InvalidRequest(
            f"{field}: a context key must be at most {MAX_CONTEXT_KEY_LENGTH} characters"
        )
    if _CONTROL.search(key):
        raise InvalidRequest(f"{field}: a context key must not contain control characters")
    return key


def check_target_changes(changes: TargetChanges) -> TargetChanges:
    """Check every key, refuse a key added to both lists in one request, and return the
    change normalised (duplicates dropped; add beats remove on one list).

    The rules: docs/big-segments.md §endpoints.
    """
    for name, keys in (
        ("included.add", changes.included_add),
        ("included.remove", changes.included_remove),
        ("excluded.add", changes.excluded_add),
        ("excluded.remove", changes.excluded_remove),
    ):
        for i, key in enumerate(keys):
            check_context_key(key, field=f"{name}[{i}]")
    both = sorted(set(changes.included_add).intersection(changes.excluded_add))
    if both:
        raise InvalidRequest(f"keys both included and excluded: {both[:10]}")
    # A key both added to and removed from the same list stays in it (the add wins), so
    # the removal is dropped: the store and Redis then agree whatever order they apply.
    return TargetChanges(
        included_add=tuple(dict.fromkeys(changes.included_add)),
        included_remove=_without(changes.included_remove, changes.included_add),
        excluded_add=tuple(dict.fromkeys(changes.excluded_add)),
        excluded_remove=_without(changes.excluded_remove, changes.excluded_add),
    )


def _without(keys: tuple[str, ...], dropped: tuple[str, ...]) -> tuple[str, ...]:
    drop = set(dropped)
    return tuple(k for k in dict.fromkeys(keys) if k not in drop)


_BLOCK_BYTES = 4 << 20
#: Control characters other than the line breaks and tabs a CSV file may contain.
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_blocks(raw: BinaryIO) -> Iterator[tuple[str, int]]:
    """Decoded blocks that end at a line break, with the row number of their first line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    pending = ""
    row = 1
    first = True
    while True:
        data = raw.read(_BLOCK_BYTES)
        nul = data.find(b"\x00")
        if nul >= 0:
            raise InvalidRequest(
                f"file: NUL byte at offset {offset + nul}; a CSV of context keys is text"
            )
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise InvalidRequest(f"file: invalid UTF-8 near byte {offset + error.start}") from None
        offset += len(data)
        if first and text.startswith("\ufeff"):
            text = text[1:]
        first = False
        text = pending + text
        if not data:
            if text:
                yield text, row
            return
        cut = text.rfind("\n") + 1
        pending = text[cut:]
        if cut:
            yield text[:cut], row
            row += text.count("\n", 0, cut)


def _block_keys(block: str, first_row: int) -> list[str]:
    """The first-column keys of the non-blank rows of one block."""
    if '"' in block:
        rows = csv.reader(io.StringIO(block, newline=""))
        keys = [r[0].strip() for r in rows if r and any(c.strip() for c in r)]
    else:
        keys = [
            line.split(",", 1)[0].strip()
            for line in block.splitlines()
            if line.strip() and line.strip(", \t")
        ]
    if "" in keys or _BAD_TEXT.search(block) or "\t" in block:
        for i, key in enumerate(keys):
            if not key or _CONTROL.search(key):
                check_context_key(key, field=f"file row {first_row + _row_of(block, i)}")
    if keys and max(map(len, keys)) > MAX_CONTEXT_KEY_LENGTH:
        at = next(i for i, k in enumerate(keys) if len(k) > MAX_CONTEXT_KEY_LENGTH)
        check_context_key(keys[at], field=f"file row {first_row + _row_of(block, at)}")
    return keys


def _row_of(block: str, index: int) -> int:
    """The 0-based line of the ``index``-th non-blank row of a block (for error messages)."""
    seen = -1
    for line_number, line in enumerate(block.splitlines()):
        if line.strip(", \t"):
            seen += 1
            if seen == index:
                return line_number
    return 0


def read_key_chunks(
    raw: BinaryIO, *, max_rows: int, chunk_size: int = 100_000
) -> Iterator[list[str]]:
    """Yield the keys of a CSV import file in chunks of about ``chunk_size``.

    Promises: every yielded key passed :func:`check_context_key` (surrounding whitespace
    removed); a first row is a key like any other (there is no header); duplicates are
    passed through (the store ignores them). Raises :class:`InvalidRequest` for binary
    content, invalid UTF-8, a bad key (naming its row) or more than ``max_rows`` rows, in
    which case the caller must discard whatever it did with earlier chunks. Reads the file
    in 4 MB blocks, so memory stays flat whatever the file size.
    """
    chunk: list[str] = []
    rows = 0
    try:
        for block, first_row in _text_blocks(raw):
            keys = _block_keys(block, first_row)
            rows += len(keys)
            if rows > max_rows:
                raise InvalidRequest(f"file: more than {max_rows} rows")
            chunk.extend(keys)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    except csv.Error as error:
        raise InvalidRequest(f"file: not a valid CSV file ({error})") from None
    if chunk:
        yield chunk
