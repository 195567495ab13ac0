"""The README and docs/*.md name only things the code has: Python modules and objects,
endpoints, semantic-patch instruction kinds and ``SEGMENTD_*`` environment variables.

Each check reads the docs and the code at test time, so moving a module or renaming a route
fails here until the docs follow.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from segmentd.errors import InvalidRequest
from tests.docs.names import (
    HTTP_METHODS,
    audit_actions,
    code_text,
    dotted_name_exists,
    instruction_kinds,
    normalise_path,
    python_path_exists,
    routes,
    short_reference_problem,
)
from tests.docs.project import ROOT, anchors, code_spans, docs, outside_code_fences, the

DOCS = [pytest.param(path, id=path.relative_to(ROOT).as_posix()) for path in docs()]

DOTTED = re.compile(r"\bsegmentd(?:\.[A-Za-z_]\w*)+")
SOURCE_PATH = re.compile(r"\bsrc/segmentd(?:/[\w.-]+)*/?")
PY_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.py)\b")
SHORT_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?")
METHODS = "|".join(HTTP_METHODS)
ENDPOINT = re.compile(rf"\b((?:{METHODS})(?:/(?:{METHODS}))*) +(…?/[\w{{}}./…-]*)")
API_PATH = re.compile(r"/api/v2/[\w{}./…-]*")
VERB_LIKE = re.compile(r"(?:add|remove|update|replace|reorder|turn|process)[A-Z]\w*")
GLOB = re.compile(r"\*\w+\*")
VARIABLE = re.compile(r"\bSEGMENTD_[A-Z][A-Z0-9_]*[A-Z0-9]\b")

#: LaunchDarkly instruction kinds a doc names as *not* implemented; the code must refuse them.
NOT_IMPLEMENTED_FLAG_KINDS = ("addTargets",)


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _strip(path: str) -> str:
    return path.split("?")[0].rstrip(".,;:)")


# ---------------------------------------------------------------- modules


def module_problems(text: str) -> list[str]:
    problems = [
        f"{name}: no such module or object"
        for name in DOTTED.findall(text)
        if not dotted_name_exists(name)
    ]
    for path in SOURCE_PATH.findall(text):
        if not (ROOT / path).exists():
            problems.append(f"{path}: no such file or directory")
    for path in PY_PATH.findall(text):
        if not python_path_exists(path):
            problems.append(f"{path}: no such Python file")
    for span in code_spans(text):
        if SHORT_REFERENCE.fullmatch(span) and (problem := short_reference_problem(span)):
            problems.append(f"`{span}`: {problem}")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_doc__python_modules_and_objects__exist(doc: Path) -> None:
    problems = module_problems(text_of(doc))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- endpoints


def path_fits(path: str, template: str, *, suffix: bool = False) -> bool:
    """Whether a doc's path fits a route template. A template (``/segments/{p}/{e}``) must
    match part for part, parameters in the same places; a concrete path (``/segments/shop/prod``)
    may fill a parameter with any value. With ``suffix`` the doc names the template's end
    (``…/{key}/contexts``)."""
    parts = normalise_path(path).strip("/").split("/")
    wanted = normalise_path(template).strip("/").split("/")
    if suffix and all(part == "{}" for part in parts):
        return False  # ``…/{env}`` fits too many routes to name one
    if suffix:
        wanted = wanted[-len(parts) :] if len(parts) <= len(wanted) else []
    concrete = "{}" not in parts
    return len(parts) == len(wanted) and all(
        a == b or (concrete and b == "{}") for a, b in zip(parts, wanted, strict=True)
    )


def endpoint_problems(text: str) -> list[str]:
    served = routes()
    problems = []
    for methods, raw in ENDPOINT.findall(text):
        path = normalise_path(_strip(raw))
        suffix = path.startswith("…")
        for method in methods.split("/"):
            if not any(
                r.method == method and path_fits(path.lstrip("…"), r.template, suffix=suffix)
                for r in served
            ):
                problems.append(f"{method} {_strip(raw)}: no such route")
    for raw in API_PATH.findall(text):
        path = normalise_path(_strip(raw))
        if "…" not in path and not any(path_fits(path, r.template) for r in served):
            problems.append(f"{_strip(raw)}: no route has this path")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_doc__endpoints__served_by_the_app(doc: Path) -> None:
    problems = endpoint_problems(text_of(doc))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- instruction kinds


def kind_problems(text: str) -> list[str]:
    known = instruction_kinds() | audit_actions() | set(NOT_IMPLEMENTED_FLAG_KINDS)
    named = [*code_spans(text), *re.findall(r'"kind":\s*"(\w+)"', text)]
    problems = [
        f"`{kind}`: no such instruction kind"
        for kind in named
        if VERB_LIKE.fullmatch(kind) and kind not in known
    ]
    for span in code_spans(text):
        if GLOB.fullmatch(span) and not fnmatch.filter(instruction_kinds(), span):
            problems.append(f"`{span}`: matches no instruction kind")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_doc__instruction_kinds__parsed_by_the_code(doc: Path) -> None:
    problems = kind_problems(text_of(doc))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", NOT_IMPLEMENTED_FLAG_KINDS)
def test_flag_instructions__kind_documented_as_not_implemented__refused(kind: str) -> None:
    parse = the("parse_flag_instructions")
    assert callable(parse)
    with pytest.raises(InvalidRequest, match=kind):
        parse([{"kind": kind, "values": ["a"], "variationId": "v"}])


# ---------------------------------------------------------------- environment variables


def variable_problems(text: str) -> list[str]:
    code = code_text()
    return [f"{v}: not read anywhere in the code" for v in VARIABLE.findall(text) if v not in code]


@pytest.mark.parametrize("doc", DOCS)
def test_doc__environment_variables__read_by_the_code(doc: Path) -> None:
    problems = variable_problems(text_of(doc))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- links


def link_problems(doc: Path, text: str) -> list[str]:
    """Relative Markdown links whose file or heading anchor does not exist."""
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", outside_code_fences(text)):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            problems.append(f"({target}): no such file")
        elif anchor and (path.suffix != ".md" or anchor not in anchors(path)):
            problems.append(f"({target}): no heading with that anchor")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_doc__relative_links__resolve(doc: Path) -> None:
    problems = link_problems(doc, text_of(doc))
    assert not problems, "\n".join(problems)


def test_link_problems__dangling_links__reported() -> None:
    doc = ROOT / "README.md"
    assert link_problems(doc, "[a](docs/nowhere.md) [b](docs/evaluation.md#nowhere) [c](#x)")
    assert len(link_problems(doc, "[a](docs/nowhere.md) [b](docs/evaluation.md#nowhere)")) == 2
    assert link_problems(doc, "[a](docs/evaluation.md#operators) [b](https://x.org/#y)") == []


# ---------------------------------------------------------------- the checks can fail


@pytest.mark.parametrize(
    ("check", "text"),
    [
        pytest.param(module_problems, "`segmentd.domain.nowhere`", id="dotted module"),
        pytest.param(module_problems, "see src/segmentd/nowhere.py", id="source path"),
        pytest.param(module_problems, "`api/nowhere.py`", id="package-relative path"),
        pytest.param(module_problems, "`operators.no_such_thing`", id="module attribute"),
        pytest.param(module_problems, "`Settings.no_such_field`", id="class attribute"),
        pytest.param(endpoint_problems, "`GET /api/v2/nowhere`", id="unknown path"),
        pytest.param(endpoint_problems, "`PUT /api/v2/segments/{p}/{e}`", id="wrong method"),
        pytest.param(endpoint_problems, "`DELETE …/{key}/contexts`", id="suffix, wrong method"),
        pytest.param(endpoint_problems, "`GET …/{env}`", id="suffix of parameters only"),
        pytest.param(endpoint_problems, "curl localhost:8080/api/v2/nothing", id="curl URL"),
        pytest.param(kind_problems, "`addSomething`", id="unknown kind"),
        pytest.param(kind_problems, '{"kind": "updateEverything"}', id="kind in JSON"),
        pytest.param(kind_problems, "`*Nothing*`", id="glob"),
        pytest.param(variable_problems, "`SEGMENTD_NO_SUCH_THING`", id="variable"),
    ],
)
def test_doc_checks__name_the_code_lacks__reported(check: object, text: str) -> None:
    assert callable(check)
    assert check(text)


@pytest.mark.parametrize(
    ("check", "text"),
    [
        pytest.param(module_problems, "`segmentd.config.Settings`", id="dotted object"),
        pytest.param(module_problems, "`Settings.from_env`, `config.py`", id="short forms"),
        pytest.param(endpoint_problems, "`GET/PATCH /api/v2/segments/{a}/{b}/{c}`", id="methods"),
        pytest.param(endpoint_problems, "`POST …/{key}/contexts`", id="suffix"),
        pytest.param(kind_problems, "`addRule`, `*BigSegment*`", id="kinds"),
        pytest.param(variable_problems, "`SEGMENTD_DATA_DIR`", id="variable"),
    ],
)
def test_doc_checks__real_names__accepted(check: object, text: str) -> None:
    assert callable(check)
    assert check(text) == []


def test_outside_code_fences__fenced_block__blanked() -> None:
    assert outside_code_fences("a\n```\nb\n```\nc") == "a\n\n\n\nc"
