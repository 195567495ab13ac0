"""The counts and lists of the README (and docs) agree with the code: instruction kinds and
operators, the API table, the configuration table and the commands."""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from segmentd.config import Settings
from tests.docs.names import (
    routes,
    segment_instruction_kinds,
    setting_field,
    settings_variables,
)
from tests.docs.project import ROOT, code_spans, docs, section, the
from tests.docs.test_docs_name_real_things import ENDPOINT, VARIABLE, path_fits

README = ROOT / "README.md"
LIFECYCLE = ROOT / "docs" / "lifecycle.md"
EVALUATION = ROOT / "docs" / "evaluation.md"


def _all_docs_text() -> Iterator[tuple[Path, str]]:
    for path in docs():
        yield path, path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- counts


def test_docs__count_of_instruction_kinds__matches_the_code() -> None:
    expected = len(segment_instruction_kinds())
    counts = [
        (path.name, int(n))
        for path, text in _all_docs_text()
        for n in re.findall(r"(\d+) (?:segment )?instruction kinds", text)
    ]
    assert counts, "the docs no longer say how many instruction kinds there are"
    assert [(name, n) for name, n in counts if n != expected] == []


def clause_operators() -> set[str]:
    """Every operator name the code knows: the one list that validation and the evaluator's
    table follow (tests/unit/test_operator_list.py)."""
    operators = the("OPERATORS")
    assert isinstance(operators, tuple)
    return {str(name) for name in operators}


def test_docs__count_of_clause_operators__matches_the_code() -> None:
    counts = [
        (path.name, int(n))
        for path, text in _all_docs_text()
        for n in re.findall(r"(\d+) clause operators", text)
    ]
    assert counts, "the docs no longer say how many clause operators there are"
    assert [(name, n) for name, n in counts if n != len(clause_operators())] == []


def test_evaluation__operator_table__lists_every_operator() -> None:
    rows = section(EVALUATION, "operators").splitlines()
    listed = [
        span for row in rows if row.startswith("| `") for span in code_spans(row.split("|")[1])
    ]
    assert sorted(listed) == sorted(clause_operators())


def test_lifecycle__instruction_table__lists_every_segment_kind_once() -> None:
    rows = [
        line
        for line in section(LIFECYCLE, "semantic-patch-instructions").splitlines()
        if line.startswith("| `")
    ]
    listed = [span for row in rows for span in code_spans(row.split("|")[1])]
    assert sorted(listed) == sorted(segment_instruction_kinds())


# ---------------------------------------------------------------- the API table


def readme_endpoints() -> list[tuple[str, str]]:
    table = section(README, "the-api")
    return [
        (method, path.rstrip(".,;:)"))
        for methods, path in ENDPOINT.findall(table)
        for method in methods.split("/")
    ]


def test_readme__api_table__names_every_route() -> None:
    named = readme_endpoints()
    missing = sorted(
        f"{route.method} {route.path}"
        for route in routes()
        if not any(
            method == route.method
            and path_fits(path.lstrip("…"), route.template, suffix=path.startswith("…"))
            for method, path in named
        )
    )
    assert missing == [], "routes the README's API table does not name"


# ---------------------------------------------------------------- the configuration table


def configuration_rows() -> dict[str, str]:
    """Each variable of the README's configuration table and the default column of its row."""
    rows: dict[str, str] = {}
    for line in section(README, "configuration").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            for variable in VARIABLE.findall(cells[0]):
                rows[variable] = cells[2]
    return rows


def test_readme__configuration_table__lists_exactly_the_variables_settings_read() -> None:
    assert sorted(configuration_rows()) == sorted(settings_variables())


@pytest.mark.parametrize("variable", settings_variables())
def test_readme__configuration_table__default_matches_settings(variable: str) -> None:
    default = getattr(Settings.from_env({}), setting_field(variable))
    if default is None:
        pytest.skip(f"{variable} has no value by default; the table says what that means")
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    assert str(default) in configuration_rows()[variable]


# ---------------------------------------------------------------- the commands


def cli_group() -> click.Group:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["segmentd"].partition(":")
    group = getattr(importlib.import_module(module), name)
    assert isinstance(group, click.Group)
    return group


def leaf_commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= leaf_commands(command, f"{prefix}{name} ")
        else:
            found[prefix + name] = command
    return found


def readme_commands() -> dict[str, set[str]]:
    """``segmentd …`` lines of the README's command list: command path -> options named."""
    block = section(README, "commands").split("```")[1]
    commands: dict[str, set[str]] = {}
    for line in block.splitlines():
        line = re.split(r"\s{2,}", line.strip())[0]  # the description starts after a gap
        words = line.split()
        if not words or words[0] != "segmentd":
            continue
        path = []
        for word in words[1:]:
            if not re.fullmatch(r"[a-z]+", word):
                break
            path.append(word)
        options = set(re.findall(r"--[a-z-]+", line))
        commands[" ".join(path)] = options
        for alternative in re.findall(r"\| ([a-z]+)", line):
            commands[" ".join([*path[:-1], alternative])] = set()
    return commands


def test_readme__commands__are_exactly_the_cli_commands() -> None:
    assert sorted(readme_commands()) == sorted(leaf_commands(cli_group()))


def test_readme__command_options__exist() -> None:
    commands = leaf_commands(cli_group())
    problems = []
    for path, options in readme_commands().items():
        known = {opt for param in commands[path].params for opt in getattr(param, "opts", ())}
        problems += [f"segmentd {path} {option}" for option in sorted(options - known)]
    assert problems == []


# ---------------------------------------------------------------- error codes


def client_error_codes() -> dict[str, int]:
    """``code`` -> status of every error a client can get: the leaves of the ServiceError tree,
    less the start-up errors, which end the process before any client is served."""
    base, startup = the("ServiceError"), the("StartupError")
    assert isinstance(base, type)
    assert isinstance(startup, type)
    leaves: dict[str, int] = {}
    pending: list[type[Any]] = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        if issubclass(cls, startup):
            continue
        if cls.__subclasses__():
            pending += cls.__subclasses__()
        else:
            leaves[cls.code] = cls.status
    return leaves


def readme_error_codes() -> dict[str, int]:
    """The README's "Status codes:" sentence, read as status numbers each followed by codes."""
    text = README.read_text(encoding="utf-8")
    sentence = text[text.index("Status codes:") :].split(".\n")[0]
    codes: dict[str, int] = {}
    status = 0
    for number, code in re.findall(r"\b(\d{3})\b|`(\w+)`", sentence):
        if number:
            status = int(number)
        else:
            codes[code] = status
    return codes


def test_readme__status_codes__every_error_code_with_its_status() -> None:
    assert readme_error_codes() == client_error_codes()
