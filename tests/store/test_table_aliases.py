"""A table goes by one name in every store module: its own (``segmentd.store``'s docstring).

Store modules write ``schema.<table>`` or bind a module-level (or local) alias with the same
name, ``segments = schema.segments``; never ``t``, ``S`` or ``SEG`` for one table in one module
and another table in the next. These tests read every store module's source (and the names
its imported form holds) and name each binding that breaks the convention.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import segmentd.store
from segmentd.store import schema

STORE = Path(segmentd.store.__file__).parent
TABLES = frozenset(name for name, value in vars(schema).items() if isinstance(value, sa.Table))


def store_modules() -> list[Path]:
    return sorted(path for path in STORE.rglob("*.py") if path.name != "schema.py")


def misnamed_tables(source: str) -> list[str]:
    """Each ``name = schema.<table>`` (also in tuples) whose name is not the table's, and each
    import of a table from :mod:`segmentd.store.schema` under another name."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "segmentd.store.schema":
            problems += [
                f"line {node.lineno}: {alias.name} imported as {alias.asname}"
                for alias in node.names
                if alias.asname and alias.asname != alias.name
            ]
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            pairs = (
                zip(target.elts, node.value.elts, strict=False)
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                else [(target, node.value)]
            )
            for bound, value in pairs:
                if (
                    isinstance(value, ast.Attribute)
                    and isinstance(value.value, ast.Name)
                    and value.value.id == "schema"
                    and value.attr in TABLES
                    and not (isinstance(bound, ast.Name) and bound.id == value.attr)
                ):
                    problems.append(
                        f"line {node.lineno}: {ast.unparse(bound)} = schema.{value.attr}"
                    )
    return problems


@pytest.mark.parametrize("path", store_modules(), ids=lambda path: str(path.relative_to(STORE)))
def test_store_module__table_aliases__are_the_tables_names(path: Path) -> None:
    assert misnamed_tables(path.read_text(encoding="utf-8")) == []


def test_store_modules__imported__hold_tables_only_under_their_names() -> None:
    """Catches a table alias imported from another store module (``from … import F``)."""
    problems = []
    for info in pkgutil.walk_packages(segmentd.store.__path__, "segmentd.store."):
        if info.name.startswith("segmentd.store.migrations"):
            continue  # Alembic's env.py runs migrations when imported
        module = importlib.import_module(info.name)
        problems += [
            f"{info.name}.{name} is table {value.name}"
            for name, value in vars(module).items()
            if isinstance(value, sa.Table) and name != value.name
        ]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        pytest.param("t = schema.segments", ["line 1: t = schema.segments"], id="short alias"),
        pytest.param(
            "F, flag_configs = schema.flags, schema.flag_configs",
            ["line 1: F = schema.flags"],
            id="one of a tuple",
        ),
        pytest.param(
            "def f():\n    SEG = schema.segments",
            ["line 2: SEG = schema.segments"],
            id="local alias",
        ),
        pytest.param(
            "from segmentd.store.schema import segments as s",
            ["line 1: segments imported as s"],
            id="import as",
        ),
        pytest.param("segments = schema.segments", [], id="the table's name"),
        pytest.param("INSERT = schema.segment_tags.insert()", [], id="a statement, not an alias"),
        pytest.param("metadata = schema.metadata", [], id="not a table"),
    ],
)
def test_misnamed_tables__source__finds_each_alias_under_another_name(
    source: str, found: list[str]
) -> None:
    assert misnamed_tables(source) == found
