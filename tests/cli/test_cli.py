"""The ``segmentd`` command through click's CliRunner: exit codes, stdout and stderr apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from segmentd.bootstrap import build_services
from segmentd.cli import main
from segmentd.config import Settings
from segmentd.services.projects.access import hash_token


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_tokens_create__fresh_data_dir__prints_only_the_token(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "tokens", "create", "--name", "ci", "--role", "admin")
    assert code == 0, err
    secret = out.strip()
    assert out == secret + "\n"
    assert secret.startswith("api-")
    services = build_services(Settings(data_dir=tmp_path))
    with services.uow() as uow:
        token = uow.tokens.find_by_hash(hash_token(secret))
    services.close()
    assert token is not None
    assert token.role.value == "admin"


def test_tokens_create__bad_role__usage_error(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "tokens", "create", "--name", "x", "--role", "owner")
    assert code == 2
    assert out == ""
    assert "owner" in err


def test_tokens_list_and_delete__round_trip(tmp_path: Path) -> None:
    _run(tmp_path, "tokens", "create", "--name", "listed")
    code, out, _ = _run(tmp_path, "tokens", "list")
    assert code == 0
    assert "\twriter\tlisted\t" in out
    token_id = out.split("\t", 1)[0]
    assert _run(tmp_path, "tokens", "delete", token_id)[0] == 0
    code, out, err = _run(tmp_path, "tokens", "delete", token_id)
    assert code == 4
    assert out == ""
    assert "error:" in err


def test_migrate__fresh_data_dir__creates_database(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "migrate")
    assert code == 0
    assert "up to date" in err
    assert (tmp_path / "segmentd.sqlite3").exists()


def test_cli__bad_database_url__clear_error(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "--database-url", "mysql://x", "migrate")
    assert code == 10
    assert out == ""
    assert "unsupported database URL" in err


def test_evaluate__sdk_payload__one_line_per_segment(tmp_path: Path) -> None:
    import json

    payload = {
        "segments": {
            "vips": {"key": "vips", "version": 1, "included": ["alice"]},
            "doctors": {
                "key": "doctors",
                "version": 1,
                "rules": [
                    {"id": "r", "clauses": [{"attribute": "job", "op": "in", "values": ["doctor"]}]}
                ],
            },
        }
    }
    path = tmp_path / "segments.json"
    path.write_text(json.dumps(payload))
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            "--segments",
            str(path),
            "--context",
            '{"kind": "user", "key": "alice", "job": "doctor"}',
        ],
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {
            "segment": "doctors",
            "isMember": True,
            "reason": {"kind": "rule", "ruleIndex": 0, "ruleId": "r"},
        },
        {"segment": "vips", "isMember": True, "reason": {"kind": "included"}},
    ]


def test_evaluate__bad_context__exit_2_message(tmp_path: Path) -> None:
    path = tmp_path / "segments.json"
    path.write_text('[{"key": "s", "version": 1}]')
    result = CliRunner().invoke(
        main, ["evaluate", "--segments", str(path), "--context", '{"kind": "user"}']
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "key" in result.stderr


def test_evaluate__unknown_segment__exit_4_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "segments.json"
    path.write_text('{"key": "s", "version": 1}')
    result = CliRunner().invoke(
        main,
        ["evaluate", "--segments", str(path), "--context", '{"key": "k"}', "--segment", "nope"],
    )
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == f"error: --segment: no segment 'nope' in {path}\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("", "is not JSON", id="empty file"),
        pytest.param("[]", "holds no segments", id="empty list"),
        pytest.param('{"segments": {}}', "holds no segments", id="empty SDK payload"),
        pytest.param('[{"key": "ok"}, {"key": 5}]', "segment #1: key", id="bad segment"),
    ],
)
def test_evaluate__unusable_segments_file__exit_2_naming_the_file(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "segments.json"
    path.write_text(content)
    result = CliRunner().invoke(
        main, ["evaluate", "--segments", str(path), "--context", '{"key": "k"}']
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: --segments: {path}")
    assert problem in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_evaluate__missing_file__exit_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    result = CliRunner().invoke(
        main, ["evaluate", "--segments", str(path), "--context", '{"key": "k"}']
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: --segments: cannot read {path}: No such file or directory\n"
