"""Big-segment membership in Redis, in LaunchDarkly's layout (docs/big-segments.md §redis-for-sdks).

The only module that imports ``redis``. For each environment, under its prefix:

* ``<prefix>:big_segment_include:<hash>`` / ``…_exclude:<hash>``: SETs of segment refs
  ``<segment key>.g<generation>``, where ``<hash>`` is base64(SHA-256(context key));
* ``<prefix>:big_segments_synchronized_on``: epoch milliseconds of the last time the
  store was known to match the database.

Bulk writes (imports, resyncs) skip redis-py's per-command packing: they write RESP
``SADD``/``SREM`` commands straight to the connection's socket in 20,000-command batches
and count the replies afterwards, which is several times faster for millions of keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import redis

from segmentd.domain.big_segments.model import TargetChanges
from segmentd.domain.projects.model import Environment
from segmentd.errors import BadRedisUrl

log = logging.getLogger("segmentd.redis")

_BATCH = 20_000
_DRAIN_EVERY = 500_000
_SCAN_COUNT = 5_000


def environment_prefix(template: str, environment: Environment) -> str:
    """The prefix for one environment: ``{env}`` and ``{project}`` replaced by its keys."""
    return template.replace("{env}", environment.key).replace("{project}", environment.project_key)


def _hash(key: str) -> bytes:
    return base64.b64encode(hashlib.sha256(key.encode()).digest())


class RedisPublisher:
    """Writes big-segment membership for SDKs; every failure is logged and returns False."""

    def __init__(self, url: str, prefix_template: str) -> None:
        try:
            self._client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
        except ValueError as error:
            scheme = url.split("://", 1)[0] if "://" in url else url[:20]
            raise BadRedisUrl(
                f"SEGMENTD_REDIS_URL ({scheme}://…) is not a Redis URL ({error}): "
                "write redis://host:6379/0, rediss://… or unix:///path"
            ) from None
        self._template = prefix_template

    @property
    def enabled(self) -> bool:
        return True

    def prefix(self, environment: Environment) -> str:
        return environment_prefix(self._template, environment)

    def close(self) -> None:
        self._client.close()

    def apply(self, environment: Environment, ref: str, changes: TargetChanges) -> bool:
        prefix = self.prefix(environment)
        try:
            pipe = self._client.pipeline(transaction=False)
            for keys, which, add in (
                (changes.included_add, "include", True),
                (changes.included_remove, "include", False),
                (changes.excluded_add, "exclude", True),
                (changes.excluded_remove, "exclude", False),
            ):
                for key in keys:
                    name = f"{prefix}:big_segment_{which}:{_hash(key).decode()}"
                    if add:
                        pipe.sadd(name, ref)
                    else:
                        pipe.srem(name, ref)
            pipe.execute()
        except redis.RedisError as error:
            log.warning("redis: could not publish to %s (%s)", prefix, error)
            return False
        return True

    def add_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool:
        return self._bulk(environment, ref, chunks, excluded=excluded, command=b"SADD")

    def remove_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool:
        return self._bulk(environment, ref, chunks, excluded=excluded, command=b"SREM")

    def _bulk(
        self,
        environment: Environment,
        ref: str,
        chunks: Iterable[Sequence[str]],
        *,
        excluded: bool,
        command: bytes,
    ) -> bool:
        prefix = self.prefix(environment)
        which = b"exclude" if excluded else b"include"
        name = prefix.encode() + b":big_segment_" + which + b":"
        ref_bytes = ref.encode()
        head = b"*3\r\n$4\r\n%s\r\n$%d\r\n%s" % (command, len(name) + 44, name)
        tail = b"\r\n$%d\r\n%s\r\n" % (len(ref_bytes), ref_bytes)
        sha, b64 = hashlib.sha256, binascii.b2a_base64
        pool = self._client.connection_pool
        try:
            connection = pool.get_connection()
        except redis.RedisError as error:
            log.warning("redis: could not connect for %s (%s)", prefix, error)
            return False
        healthy = True
        clean = False  # every reply read: the connection may go back to the pool
        try:
            sent = 0
            for chunk in chunks:
                for start in range(0, len(chunk), _BATCH):
                    part = chunk[start : start + _BATCH]
                    payload = b"".join(
                        [head + b64(sha(k.encode()).digest(), newline=False) + tail for k in part]
                    )
                    connection.send_packed_command([payload], check_health=False)  # type: ignore[no-untyped-call]
                    sent += len(part)
                    if sent >= _DRAIN_EVERY:  # bound Redis's reply buffer
                        healthy = self._read_replies(connection, sent) and healthy
                        sent = 0
            healthy = self._read_replies(connection, sent) and healthy
            clean = True
        except (redis.RedisError, OSError) as error:
            log.warning("redis: bulk write to %s failed (%s)", prefix, error)
            return False
        finally:
            if not clean:
                connection.disconnect()  # type: ignore[no-untyped-call]
            pool.release(connection)
        return healthy

    @staticmethod
    def _read_replies(connection: Any, expected: int) -> bool:
        """Count ``expected`` one-line replies straight off the socket; any error reply fails."""
        sock = connection._sock  # the bulk path reads the socket itself (module docstring)
        seen = 0
        failed = False
        previous = b"\n"
        while seen < expected:
            data = sock.recv(1 << 20)
            if not data:
                raise OSError("connection closed by Redis")
            seen += data.count(b"\r\n")
            if (previous.endswith(b"\n") and data.startswith(b"-")) or b"\n-" in data:
                failed = True
            previous = data
        if failed:
            log.warning("redis: a bulk command answered with an error")
        return not failed

    def clear(self, environment: Environment) -> bool:
        prefix = self.prefix(environment)
        try:
            self._client.delete(f"{prefix}:big_segments_synchronized_on")
            for which in ("include", "exclude"):
                batch: list[bytes] = []
                for name in self._client.scan_iter(
                    match=f"{_glob_escape(prefix)}:big_segment_{which}:*", count=_SCAN_COUNT
                ):
                    batch.append(name)
                    if len(batch) >= _SCAN_COUNT:
                        self._client.unlink(*batch)
                        batch = []
                if batch:
                    self._client.unlink(*batch)
        except redis.RedisError as error:
            log.warning("redis: could not clear %s (%s)", prefix, error)
            return False
        return True

    def sweep(self, environment: Environment, current_refs: frozenset[str]) -> bool:
        """Remove every ref that is not in ``current_refs`` (old generations, deleted
        segments) from the environment's sets, without touching current memberships."""
        prefix = self.prefix(environment)
        try:
            for which in ("include", "exclude"):
                names: list[bytes] = []
                pattern = f"{_glob_escape(prefix)}:big_segment_{which}:*"
                for name in self._client.scan_iter(match=pattern, count=_SCAN_COUNT):
                    names.append(name)
                    if len(names) >= _SCAN_COUNT:
                        self._sweep_batch(names, current_refs)
                        names = []
                if names:
                    self._sweep_batch(names, current_refs)
        except redis.RedisError as error:
            log.warning("redis: could not sweep %s (%s)", prefix, error)
            return False
        return True

    def _sweep_batch(self, names: list[bytes], current_refs: frozenset[str]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for name in names:
            pipe.smembers(name)
        members = pipe.execute()
        pipe = self._client.pipeline(transaction=False)
        for name, refs in zip(names, members, strict=True):
            stale = [r for r in refs if r.decode() not in current_refs]
            if stale:
                pipe.srem(name, *stale)
        pipe.execute()

    def mark_synchronized(
        self, environment: Environment, now_ms: int, *, refresh_only: bool = False
    ) -> bool:
        prefix = self.prefix(environment)
        try:
            # XX: a missing record means Redis lost the data since the last write
            done = self._client.set(
                f"{prefix}:big_segments_synchronized_on", str(now_ms), xx=refresh_only
            )
        except redis.RedisError as error:
            log.warning("redis: could not refresh %s (%s)", prefix, error)
            return False
        if not done:
            log.warning("redis: %s lost its big-segment data; repairing", prefix)
            return False
        return True


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class NoPublisher:
    """Used when ``SEGMENTD_REDIS_URL`` is unset: nothing to keep in sync."""

    @property
    def enabled(self) -> bool:
        return False

    def apply(self, environment: Environment, ref: str, changes: TargetChanges) -> bool:
        del environment, ref, changes
        return True

    def add_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool:
        del environment, ref, chunks, excluded
        return True

    def remove_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool:
        del environment, ref, chunks, excluded
        return True

    def clear(self, environment: Environment) -> bool:
        del environment
        return True

    def sweep(self, environment: Environment, current_refs: frozenset[str]) -> bool:
        del environment, current_refs
        return True

    def mark_synchronized(
        self, environment: Environment, now_ms: int, *, refresh_only: bool = False
    ) -> bool:
        del environment, now_ms, refresh_only
        return True

    def close(self) -> None:
        return None
