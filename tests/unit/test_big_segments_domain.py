"""Pure parts of big segments: the CSV reader, key hashes, refs, sizes and prefixes."""

from __future__ import annotations

import io

import pytest

from segmentd.api.big_segments.representations import human_size
from segmentd.domain.big_segments.model import context_key_hash, read_key_chunks, segment_ref
from segmentd.domain.projects.model import Environment
from segmentd.errors import InvalidRequest
from segmentd.export.redis import environment_prefix


def _keys(data: bytes, max_rows: int = 100) -> list[str]:
    return [k for chunk in read_key_chunks(io.BytesIO(data), max_rows=max_rows) for k in chunk]


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        pytest.param(b"a\nb\n", ["a", "b"], id="plain"),
        pytest.param(b"\xef\xbb\xbfa\n", ["a"], id="byte-order mark"),
        pytest.param(b"a,1,2\r\nb,3\r\n", ["a", "b"], id="extra columns, CRLF"),
        pytest.param(b"a\n\n  \n,\nb", ["a", "b"], id="blank lines, no final newline"),
        pytest.param(b'"x,y",1\n"q""z"\n', ["x,y", 'q"z'], id="quoted fields"),
        pytest.param(b"key\nk1\n", ["key", "k1"], id="header-like first row is a key"),
        pytest.param(b" padded \n", ["padded"], id="whitespace trimmed"),
        pytest.param("ünï,x\n".encode(), ["ünï"], id="utf-8"),
        pytest.param(b"", [], id="empty"),
    ],
)
def test_read_key_chunks__valid_csv__first_column_keys(data: bytes, keys: list[str]) -> None:
    assert _keys(data) == keys


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"a\x00\n", "NUL byte", id="NUL"),
        pytest.param(b"\xff\n", "invalid UTF-8", id="latin-1"),
        pytest.param(b"a\n,b\n", "row 2: a context key must not be empty", id="empty key"),
        pytest.param(b"k" * 257, "row 1", id="257 characters"),
        pytest.param(b"a\nb\nc\n", "more than 2 rows", id="rows"),
    ],
)
def test_read_key_chunks__bad_file__invalid_request(data: bytes, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        _keys(data, max_rows=2)


def test_read_key_chunks__large_file__chunked() -> None:
    data = b"".join(b"k%d\n" % i for i in range(250_000))
    chunks = list(read_key_chunks(io.BytesIO(data), max_rows=250_000, chunk_size=100_000))
    assert sum(map(len, chunks)) == 250_000
    assert chunks[0][0] == "k0"


def test_context_key_hash__spec_examples__match_sdk_hashes() -> None:
    assert context_key_hash("user-key") == "CEXjZY7cHJG/ydFy7q4+YEFwVrG3/pkJwA4FAjrbfx0="
    assert context_key_hash("user1") == "CgQblGLKpKMbrDVn4Lbm/ZEAeH2yq0M9lvbReMq/zpA="
    assert segment_ref("big1", 3) == "big1.g3"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        pytest.param(18, "18 B", id="bytes"),
        pytest.param(1536, "1.5 KB", id="kilobytes"),
        pytest.param(40 * 1024 * 1024, "40.0 MB", id="megabytes"),
    ],
)
def test_human_size__sizes__ld_style(size: int, text: str) -> None:
    assert human_size(size) == text


def test_environment_prefix__placeholders__replaced_by_keys() -> None:
    environment = Environment(
        id="e1",
        project_key="shop",
        key="production",
        name="P",
        color="000000",
        sdk_key="s",
        mobile_key="m",
        creation_date=0,
    )
    assert environment_prefix("ld:{project}:{env}", environment) == "ld:shop:production"
    assert environment_prefix("fixed", environment) == "fixed"
