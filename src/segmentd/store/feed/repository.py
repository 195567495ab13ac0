"""The SDK data feed's bulk reads: every live segment and flag of an environment, as SDK JSON."""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segmentd.domain.flags.codec import (
    flag_to_sdk_json,
    variations_from_json,
)
from segmentd.domain.flags.model import Flag
from segmentd.store import schema
from segmentd.store.flags.repository import (
    archived_from_row,
    client_side_from_row,
    config_from_row,
)

flags = schema.flags
flag_configs = schema.flag_configs

_TRUE, _FALSE = b"true", b"false"


def segment_sdk_bytes(
    key: str,
    version: int,
    salt: str,
    unbounded: bool,
    unbounded_context_kind: str | None,
    generation: int | None,
    deleted: bool,
    targeting: str,
) -> bytes:
    """A segment's columns spliced into its SDK JSON without parsing the targeting (bulk
    reads of thousands of segments).

    The stored targeting is the codec's REST form, whose only differences from the SDK form
    are the ``_id`` keys (renamed ``id`` here) and rule descriptions (left in: SDKs ignore
    unknown fields). The rename is a byte replacement of the key ``"_id":``, which cannot
    occur inside a string (a quote inside a JSON string is escaped) and names no other key.
    A test pins the result against :func:`codec.segment_to_sdk_json`.
    """
    parts = [
        b'{"key":',
        orjson.dumps(key),
        b',"version":',
        str(version).encode(),
        b",",
        targeting.encode()[1:-1].replace(b'"_id":', b'"id":'),
        b',"salt":',
        orjson.dumps(salt),
        b',"unbounded":',
        _TRUE if unbounded else _FALSE,
    ]
    if unbounded:
        if unbounded_context_kind is not None:
            parts += (b',"unboundedContextKind":', orjson.dumps(unbounded_context_kind))
        parts += (b',"generation":', orjson.dumps(generation))
    parts += (b',"deleted":', _TRUE if deleted else _FALSE, b"}")
    return b"".join(parts)


class SqlFeedRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def segments(self, *, environment_id: str) -> dict[str, bytes]:
        segments = schema.segments
        rows = self.connection.execute(
            sa.select(
                segments.c.key,
                segments.c.version,
                segments.c.salt,
                segments.c.unbounded,
                segments.c.unbounded_context_kind,
                segments.c.generation,
                segments.c.deleted,
                segments.c.targeting,
            ).where(segments.c.environment_id == environment_id, segments.c.deleted.is_(False))
        ).all()
        return {row[0]: segment_sdk_bytes(*row) for row in rows}

    def flags(self, *, environment_id: str) -> dict[str, bytes]:
        rows = self.connection.execute(
            sa.select(
                flags.c.key,
                flags.c.variations,
                flags.c.using_environment_id,
                flags.c.using_mobile_key,
                flags.c.settings,
                flag_configs.c.version,
                flag_configs.c.deleted,
                flag_configs.c.config,
            )
            .join(flag_configs, flag_configs.c.flag_id == flags.c.id)
            .where(
                flag_configs.c.environment_id == environment_id, flag_configs.c.deleted.is_(False)
            )
        ).all()
        out = {}
        for row in rows:
            m = row._mapping
            if archived_from_row(m):
                continue  # LaunchDarkly serves an archived flag's fallback value
            flag = Flag(
                key=m["key"],
                name="",
                variations=variations_from_json(orjson.loads(m["variations"])),
                creation_date=0,
                client_side=client_side_from_row(m),
            )
            out[flag.key] = orjson.dumps(flag_to_sdk_json(flag, config_from_row(m)))
        return out
