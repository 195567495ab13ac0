"""The SDK data feed's use cases: authenticate an SDK key, build an environment's full data
set, and turn one committed change into the ``patch``/``delete`` event SDKs apply.

The full data set of an environment is built once and cached as JSON bytes until a change
to that environment is announced; polls and new streams share it (sdk-feed.md §3, §4).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import orjson

from segmentd.domain import codec
from segmentd.domain.flag_codec import flag_to_sdk_json
from segmentd.domain.model import Environment
from segmentd.errors import Unauthorized
from segmentd.services.changes import ChangeHub
from segmentd.services.ports import ItemChange, UnitOfWorkFactory

#: Longest SDK key SDKs send (sdk-feed.md §2).
MAX_SDK_KEY = 8192


@dataclass(frozen=True, slots=True)
class Payload:
    """``{"flags": {...}, "segments": {...}}`` as JSON bytes, and its entity tag."""

    body: bytes
    etag: str


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


class FeedService:
    def __init__(self, uow: UnitOfWorkFactory, changes: ChangeHub) -> None:
        self._uow = uow
        self._lock = threading.Lock()
        self._cache: dict[str, Payload] = {}
        self._generation: dict[str, int] = {}
        changes.subscribe(self._invalidate)

    def _invalidate(self, change: ItemChange) -> None:
        with self._lock:
            self._generation[change.environment_id] = (
                self._generation.get(change.environment_id, 0) + 1
            )
            self._cache.pop(change.environment_id, None)

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

    def build_payload(self, environment_id: str) -> Payload:
        """Read and encode the environment's live flags and segments (no cache)."""
        with self._uow() as uow:
            flags = uow.feed.flags(environment_id=environment_id)
            segments = uow.feed.segments(environment_id=environment_id)
        body = orjson.dumps(
            {"flags": {f["key"]: f for f in flags}, "segments": {s["key"]: s for s in segments}}
        )
        return Payload(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')

    def payload(self, environment_id: str) -> Payload:
        """The environment's full data set, from the cache when no change came since."""
        with self._lock:
            cached = self._cache.get(environment_id)
            generation = self._generation.get(environment_id, 0)
        if cached is not None:
            return cached
        built = self.build_payload(environment_id)
        with self._lock:
            if self._generation.get(environment_id, 0) == generation:
                self._cache[environment_id] = built
        return built

    def put_event(self, environment_id: str) -> FeedEvent:
        body = self.payload(environment_id).body
        return FeedEvent("put", b'{"path":"/","data":' + body + b"}")

    def change_event(self, change: ItemChange) -> FeedEvent:
        """The event for a change, carrying the item as it is now in the store.

        Reading the item again (rather than trusting the change) means a late or repeated
        change still sends current data; SDKs drop whatever is not newer than what they have.
        A deleted item becomes a ``delete`` at its tombstone's version.
        """
        path = f"/{change.kind}/{change.key}"
        with self._uow() as uow:
            item: dict[str, object] | None = None
            version = change.version
            if change.kind == "segments":
                segment = uow.segments.get(environment_id=change.environment_id, key=change.key)
                if segment is not None:
                    item = dict(codec.segment_to_sdk_json(segment))
            else:
                found = uow.flags.for_environment(
                    environment_id=change.environment_id, key=change.key
                )
                if found is not None:
                    flag, config = found
                    if config.deleted:
                        version = max(version, config.version)
                    else:
                        item = dict(flag_to_sdk_json(flag, config))
        if item is None:
            return FeedEvent("delete", orjson.dumps({"path": path, "version": version}))
        return FeedEvent("patch", orjson.dumps({"path": path, "data": item}))
