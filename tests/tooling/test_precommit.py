"""The pre-commit hooks run exactly the steps of ``scripts/check``, through ``scripts/check``."""

from __future__ import annotations

import re

from tests.docs.project import ROOT


def check_steps() -> list[str]:
    """The steps ``scripts/check`` runs when called without arguments."""
    script = (ROOT / "scripts" / "check").read_text(encoding="utf-8")
    default = re.search(r"^\s*set -- (.+)$", script, re.MULTILINE)
    assert default, "scripts/check no longer lists its default steps with `set --`"
    return default.group(1).split()


def hook_entries() -> list[str]:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    return re.findall(r"^\s*entry:\s*(.+?)\s*$", config, re.MULTILINE)


def test_precommit__hooks__are_the_steps_of_scripts_check() -> None:
    assert hook_entries() == [f"scripts/check {step}" for step in check_steps()]


def test_precommit__hooks__run_locally_without_a_network() -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    repos = re.findall(r"^\s*- repo:\s*(\S+)", config, re.MULTILINE)
    languages = re.findall(r"^\s*language:\s*(\S+)", config, re.MULTILINE)
    assert repos == ["local"]
    assert languages
    assert set(languages) == {"system"}
