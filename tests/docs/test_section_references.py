"""Every section reference (the section sign) in the repository points at a heading in ``docs/``.

A reference is written ``docs/<file>.md`` followed by the section sign and the heading's anchor
(as GitHub renders it), for example ``docs/evaluation.md`` + ``operators``. Only references to
published standards (``RFC 6902`` + ``4.6``) may point elsewhere.
"""

from __future__ import annotations

import re

import pytest

from tests.docs.project import ROOT, anchors, project_files

SIGN = "\N{SECTION SIGN}"
DOC_REFERENCE = re.compile(rf"(?P<file>docs/[\w.-]+\.md) {SIGN}(?P<anchor>[a-z0-9][a-z0-9_-]*)")
STANDARD_REFERENCE = re.compile(rf"RFC \d+ {SIGN}\d+(\.\d+)*")
TEXT_SUFFIXES = (".py", ".md", ".toml", ".txt", ".yaml", ".yml", ".cfg", ".ini", ".mako")


def problems_in(where: str, text: str) -> list[str]:
    """Each section sign in ``text`` that is not part of a reference resolving into docs/."""
    problems: list[str] = []
    allowed = {m.start() + m.group(0).index(SIGN) for m in STANDARD_REFERENCE.finditer(text)}
    for match in DOC_REFERENCE.finditer(text):
        allowed.add(match.start() + match.group(0).index(SIGN))
        target = ROOT / match.group("file")
        if not target.is_file():
            problems.append(f"{where}: {match.group(0)!r}: no such file")
        elif match.group("anchor") not in anchors(target):
            problems.append(f"{where}: {match.group(0)!r}: no heading with that anchor")
    for index in (i for i, char in enumerate(text) if char == SIGN and i not in allowed):
        line = text.count("\n", 0, index) + 1
        problems.append(f"{where}:{line}: a section reference that does not point into docs/")
    return problems


def test_section_references__every_one__names_a_heading_in_docs() -> None:
    problems = [
        problem
        for path in project_files(*TEXT_SUFFIXES)
        for problem in problems_in(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(f"(evaluation.md {SIGN}7)", "does not point into docs/", id="outside docs"),
        pytest.param(f"docs/evaluation.md {SIGN}7", "no heading", id="number, not anchor"),
        pytest.param(f"docs/evaluation.md {SIGN}nowhere", "no heading", id="unknown anchor"),
        pytest.param(f"docs/missing.md {SIGN}operators", "no such file", id="unknown file"),
        pytest.param(f"docs/evaluation.md {SIGN}operators", None, id="resolves"),
        pytest.param(f"RFC 6902 {SIGN}4.6", None, id="a standard"),
    ],
)
def test_problems_in__reference__reported_unless_it_resolves(
    text: str, problem: str | None
) -> None:
    found = problems_in("x.md", text)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1
        assert problem in found[0]
