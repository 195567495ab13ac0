"""What the doc tests compare the docs against, all found at test time (never hard-coded):
the Markdown files and their headings, the modules of ``segmentd`` and the objects they define.

Modules move between packages; nothing here names a module path, so a doc test keeps working
after a move and fails only where a doc names something the code no longer has.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import segmentd

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "src" / "segmentd"
#: Directories that hold no project text (tools, caches, runtime data).
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__", "data", ".mypy_cache"})
#: Modules that do something when imported (run the CLI, drive Alembic).
NOT_IMPORTED = ("segmentd.__main__", "segmentd.store.migrations")


def docs() -> list[Path]:
    """The user-facing documents: the README and every Markdown file in ``docs/``."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def project_files(*suffixes: str) -> Iterator[Path]:
    """Every file of the repository with one of ``suffixes``, outside tool directories."""
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS for part in relative.parts):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield path


def outside_code_fences(text: str) -> str:
    """``text`` with fenced code blocks blanked out (their lines kept, so line numbers hold)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return "\n".join(lines)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub renders it: lower case, punctuation dropped, spaces to ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of every heading in a Markdown file."""
    text = outside_code_fences(path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def section(path: Path, anchor: str) -> str:
    """The text under the heading with ``anchor``, up to the next heading of the same level."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        heading = re.match(r"^(#{1,6})\s+(.+?)\s*$", line)
        if heading and slug(heading.group(2)) == anchor:
            level = len(heading.group(1))
            body = []
            for following in lines[start + 1 :]:
                other = re.match(r"^(#{1,6})\s", following)
                if other and len(other.group(1)) <= level:
                    break
                body.append(following)
            return "\n".join(body)
    raise LookupError(f"{path.name} has no heading with anchor {anchor!r}")


def code_spans(text: str) -> list[str]:
    """The contents of inline code spans (single backticks)."""
    return re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)


@cache
def modules() -> tuple[ModuleType, ...]:
    """Every module of the ``segmentd`` package, imported (imports have no side effects)."""
    found = [segmentd]
    for info in pkgutil.walk_packages(segmentd.__path__, prefix="segmentd."):
        if info.name.startswith(NOT_IMPORTED):
            continue
        found.append(importlib.import_module(info.name))
    return tuple(found)


def module_named(dotted: str) -> ModuleType | None:
    """The ``segmentd`` module with this dotted name, if there is one."""
    return next((m for m in modules() if m.__name__ == dotted), None)


def has_attribute_path(obj: object, names: list[str]) -> bool:
    """Whether ``obj.a.b…`` exists for the attribute names given."""
    for name in names:
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def defined(name: str) -> list[object]:
    """Every object called ``name`` at module level anywhere in ``segmentd``."""
    return [vars(m)[name] for m in modules() if name in vars(m)]


def the(name: str) -> object:
    """The object called ``name`` in ``segmentd``; fails clearly if the code no longer has it."""
    found = defined(name)
    if not found:
        raise LookupError(f"no module of segmentd defines {name!r}; update tests/docs")
    return found[0]
