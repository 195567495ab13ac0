"""The names the docs may use, read from the code at test time: routes, instruction kinds,
environment variables and Python objects."""

from __future__ import annotations

import enum
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from segmentd.config import Settings
from tests.docs.project import (
    PACKAGE_DIR,
    ROOT,
    has_attribute_path,
    module_named,
    modules,
    project_files,
    the,
)

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, order=True)
class Route:
    method: str
    path: str

    @property
    def template(self) -> str:
        """The path with every ``{parameter}`` written ``{}``: docs name parameters freely."""
        return normalise_path(self.path)


def normalise_path(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


@cache
def routes() -> frozenset[Route]:
    """Every (method, path) of the app's OpenAPI document, from the app ``segmentd.asgi`` builds."""
    factory = the("app_from_env")
    assert callable(factory)
    with pytest.MonkeyPatch.context() as env, tempfile.TemporaryDirectory() as data_dir:
        env.setenv("SEGMENTD_DATA_DIR", data_dir)
        app = factory()
        try:
            paths = app.openapi()["paths"]
        finally:
            app.state.services.close()
    return frozenset(
        Route(method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method.upper() in HTTP_METHODS
    )


def _values(obj: object) -> set[str]:
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        return {str(member.value) for member in obj}
    if isinstance(obj, Mapping):
        return {str(key) for key in obj}
    assert isinstance(obj, Iterable), obj
    return {str(item) for item in obj}


def segment_instruction_kinds() -> set[str]:
    """Every segment semantic-patch ``kind`` the code parses."""
    return _values(the("InstructionKind"))


def instruction_kinds() -> set[str]:
    """Every semantic-patch ``kind`` of any resource: segments, flags, expiring targets."""
    parse_expiring = the("parse_expiring_patch")
    expiring = vars(module_named(getattr(parse_expiring, "__module__", "")) or object())
    return (
        segment_instruction_kinds()
        | _values(the("FLAG_INSTRUCTION_KINDS"))
        | _values(expiring["CONTEXT_KINDS"])
        | _values(expiring["USER_KINDS"])
    )


def audit_actions() -> set[str]:
    """The audit log's action names (``createSegment``, …), which read like instruction kinds."""
    return _values(the("Action"))


class _Recorder(dict[str, str]):
    """An environment that records every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]  # noqa: ARG002
        self.asked.append(key)
        return None


def settings_variables() -> list[str]:
    """The ``SEGMENTD_*`` variables :meth:`Settings.from_env` reads, in the order it reads them."""
    recorder = _Recorder()
    Settings.from_env(recorder)
    return list(dict.fromkeys(recorder.asked))


def setting_field(variable: str) -> str:
    """The :class:`Settings` field a variable sets: the one that changes when it is set."""
    default = Settings.from_env({})
    for probe in ("7", "probe-value"):
        try:
            changed = Settings.from_env({variable: probe})
        except Exception:  # a probe of the wrong type; try the next one
            continue
        fields = [
            f for f in Settings.__dataclass_fields__ if getattr(changed, f) != getattr(default, f)
        ]
        if len(fields) == 1:
            return fields[0]
    raise LookupError(f"cannot tell which Settings field {variable} sets")


@cache
def code_text() -> str:
    """All code of the repository (package, scripts, examples, benchmarks, CI), as one text."""
    paths: Iterator[Path] = project_files(".py", ".sh")
    scripts = [p for p in (ROOT / "scripts").iterdir() if p.is_file()]
    ci = [p for p in (ROOT / ".ci").iterdir() if p.is_file()] if (ROOT / ".ci").is_dir() else []
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*paths, *scripts, *ci]
        if "tests" not in p.relative_to(ROOT).parts
    )


@cache
def python_files() -> tuple[str, ...]:
    """Every ``.py`` file of the repository, relative to the root."""
    return tuple(str(p.relative_to(ROOT)) for p in project_files(".py"))


def python_path_exists(path: str) -> bool:
    """Whether a doc's ``x/y.py`` (or bare ``y.py``) names a file of the repository: relative to
    the root, or a trailing part of a path inside the package (``api/errors.py``)."""
    path = path.removeprefix("./")
    if (ROOT / path).is_file():
        return True
    package = str(PACKAGE_DIR.relative_to(ROOT))
    inside = [f for f in python_files() if f.startswith(package + "/")]
    if "/" in path:
        return any(f.endswith("/" + path) for f in inside)
    return any(f.endswith("/" + path) or f == path for f in python_files())


def dotted_name_exists(dotted: str) -> bool:
    """Whether ``segmentd.a.b.c`` names a module, or an object inside one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module = module_named(".".join(parts[:split]))
        if module is not None:
            return has_attribute_path(module, parts[split:])
    return False


@cache
def _short_names() -> dict[str, list[object]]:
    """Module basenames and class names of the package: what ``x.y`` in a doc may start with."""
    index: dict[str, list[object]] = {}
    for module in modules():
        index.setdefault(module.__name__.rsplit(".", 1)[-1], []).append(module)
        for name, obj in vars(module).items():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                index.setdefault(name, []).append(obj)
    return index


def short_reference_problem(span: str) -> str | None:
    """For a doc's ``module.name`` or ``Class.attribute`` (``operators.scalar_key``), why it
    does not resolve; ``None`` when it does or when it does not start with a package name."""
    if re.search(r"\.(py|md|json|toml|txt|csv|lock|ya?ml)$", span):
        return None  # a file name, checked as a path
    parts = span.removesuffix("()").split(".")
    owners = _short_names().get(parts[0])
    if not owners or parts[0] == "segmentd":
        return None
    if any(has_attribute_path(owner, parts[1:]) for owner in owners):
        return None
    return f"no {parts[0]!r} in segmentd has {'.'.join(parts[1:])!r}"
