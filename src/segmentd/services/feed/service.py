"""The SDK data feed's use cases: authenticate an SDK key, build an environment's full data
set, and turn one committed change into the ``patch``/``delete`` event SDKs apply.

The full data set of an environment is built once and cached as JSON bytes until a change to that
environment is announced; polls and new streams share it (docs/sdk-feed.md §the-sdk-endpoints).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass, field
from functools import cached_property

import orjson

from segmentd.domain.flags.codec import flag_to_sdk_json
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments import codec
from segmentd.errors import Unauthorized
from segmentd.services.changes import ChangeHub
from segmentd.services.ports import ItemChange
from segmentd.services.unit_of_work import UnitOfWorkFactory

#: Longest SDK key SDKs send (docs/sdk-feed.md §sdk-keys).
MAX_SDK_KEY = 8192


@dataclass(frozen=True)
class Payload:
    """``{"flags": {...}, "segments": {...}}`` as JSON bytes, and its entity tag."""

    body: bytes
    etag: str

    @cached_property
    def gzipped(self) -> bytes:
        """The body gzip-compressed (fast level), computed once per payload."""
        return gzip.compress(self.body, compresslevel=1)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One Server-Sent Event: ``name`` is ``put``, ``patch`` or ``delete``."""

    name: str
    data: bytes

    def encode(self) -> bytes:
        return b"event: " + self.name.encode() + b"\ndata: " + self.data + b"\n\n"


def sdk_key_from_header(authorization: str | None) -> str | None:
    """The SDK key of an ``Authorization`` header: raw, or after ``api_key ``; ``None`` if
    empty or containing a space (as LaunchDarkly's Relay does)."""
    if not authorization:
        return None
    value = authorization.strip()
    if value[:8].lower() == "api_key ":
        value = value[8:].strip()
    if not value or " " in value or len(value) > MAX_SDK_KEY:
        return None
    return value


@dataclass
class _Items:
    """One environment's items as encoded JSON, and the keys changed since (to re-read)."""

    flags: dict[str, bytes]
    segments: dict[str, bytes]
    dirty: set[tuple[str, str]] = field(default_factory=set)
    payload: Payload | None = None
    put: bytes | None = None


def _join(items: dict[str, bytes]) -> bytes:
    return b",".join(orjson.dumps(k) + b":" + v for k, v in items.items())


class FeedService:
    def __init__(self, uow: UnitOfWorkFactory, changes: ChangeHub) -> None:
        self._uow = uow
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._cache: dict[str, _Items] = {}
        self._reading: dict[str, set[tuple[str, str]]] = {}
        self.epoch = 0
        changes.subscribe(self._invalidate)

    def reset(self) -> None:
        """Forget every cached payload and start a new epoch: called when changes may have
        been missed (the PostgreSQL relay reconnected), so that open streams restart too."""
        with self._lock:
            self._cache.clear()
            self.epoch += 1

    def _invalidate(self, change: ItemChange) -> None:
        if change.kind == "environments":  # changed or deleted: nothing of it is kept
            with self._lock:
                self._cache.pop(change.environment_id, None)
            return
        with self._lock:
            items = self._cache.get(change.environment_id)
            if items is not None:
                items.dirty.add((change.kind, change.key))
                items.payload = items.put = None
            elif change.environment_id in self._reading:
                # A first full read is under way and may have missed this change.
                self._reading[change.environment_id].add((change.kind, change.key))

    def authenticate(self, authorization: str | None) -> Environment:
        """The environment whose SDK key the header carries; 401 for anything else
        (access tokens included: they are not SDK credentials)."""
        key = sdk_key_from_header(authorization)
        if key is None:
            raise Unauthorized("Invalid SDK key")
        with self._uow() as uow:
            environment = uow.environments.find_by_sdk_key(key)
        if environment is None:
            raise Unauthorized("Invalid SDK key")
        return environment

    def _read_all(self, environment_id: str) -> _Items:
        with self._uow() as uow:
            flags = uow.feed.flags(environment_id=environment_id)
            segments = uow.feed.segments(environment_id=environment_id)
        return _Items(flags=flags, segments=segments)

    @staticmethod
    def _encode(items: _Items) -> Payload:
        body = b"".join(
            (b'{"flags":{', _join(items.flags), b'},"segments":{', _join(items.segments), b"}}")
        )
        return Payload(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')

    def build_payload(self, environment_id: str) -> Payload:
        """Read and encode the environment's live flags and segments (no cache)."""
        return self._encode(self._read_all(environment_id))

    def _refresh(self, environment_id: str, items: _Items, dirty: set[tuple[str, str]]) -> None:
        """Re-read the changed items (outside the lock) and update their encoded JSON."""
        for kind, key in dirty:
            event = self.item_json(environment_id, kind, key)
            target = items.flags if kind == "flags" else items.segments
            if event is None:
                target.pop(key, None)
            else:
                target[key] = orjson.dumps(event)

    def payload(self, environment_id: str) -> Payload:
        """The environment's full data set. The first call reads everything; later calls
        re-read only the items changed since and re-join the encoded items."""
        with self._lock:
            items = self._cache.get(environment_id)
            if items is not None and items.payload is not None:
                return items.payload
        with self._build_lock:
            with self._lock:
                items = self._cache.get(environment_id)
                if items is not None and items.payload is not None:
                    return items.payload
                dirty: set[tuple[str, str]] = set()
                if items is not None:
                    dirty, items.dirty = items.dirty, set()
                else:
                    self._reading[environment_id] = set()
            if items is None:
                try:
                    items = self._read_all(environment_id)
                finally:
                    with self._lock:
                        missed = self._reading.pop(environment_id, set())
                items.dirty |= missed
            else:
                self._refresh(environment_id, items, dirty)
            payload = self._encode(items)
            with self._lock:
                self._cache[environment_id] = items
                if not items.dirty:
                    items.payload = payload
        return payload

    def put_bytes(self, environment_id: str) -> bytes:
        """The encoded ``put`` event, shared by every stream until the next change."""
        payload = self.payload(environment_id)
        with self._lock:
            items = self._cache.get(environment_id)
            if items is not None and items.payload is payload and items.put is not None:
                return items.put
        encoded = FeedEvent("put", b'{"path":"/","data":' + payload.body + b"}").encode()
        with self._lock:
            if items is not None and items.payload is payload:
                items.put = encoded
        return encoded

    def item_json(self, environment_id: str, kind: str, key: str) -> dict[str, object] | None:
        """A live item's SDK JSON, or ``None`` if it does not exist or is deleted."""
        with self._uow() as uow:
            if kind == "segments":
                segment = uow.segments.get(environment_id=environment_id, key=key)
                return None if segment is None else dict(codec.segment_to_sdk_json(segment))
            found = uow.flags.for_environment(environment_id=environment_id, key=key)
        if found is None or found[1].deleted or found[0].settings.archived:
            return None  # LaunchDarkly serves an archived flag's fallback value
        return dict(flag_to_sdk_json(*found))

    def change_event(self, change: ItemChange) -> FeedEvent:
        """The event for a change, carrying the item as it is now in the store.

        Reading the item again (rather than trusting the change) means a late or repeated
        change still sends current data; SDKs drop whatever is not newer than what they have.
        A deleted item becomes a ``delete`` at its tombstone's version.
        """
        path = f"/{change.kind}/{change.key}"
        item = self.item_json(change.environment_id, change.kind, change.key)
        if item is None:
            return FeedEvent("delete", orjson.dumps({"path": path, "version": change.version}))
        return FeedEvent("patch", orjson.dumps({"path": path, "data": item}))
