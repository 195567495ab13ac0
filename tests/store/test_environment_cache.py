"""Environments never change once created, so a process remembers the ones it has read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from segmentd.bootstrap import Services
from segmentd.services.projects.service import ProjectDraft


def _statements(engine: sa.Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(*args: Any) -> None:
        seen.append(args[2])

    return seen


def test_environment_get__read_before__answered_without_a_query(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    with services.uow() as uow:
        first = uow.environments.get(project_key="p", key="production")
    statements = _statements(services.engine)
    with services.uow() as uow:
        again = uow.environments.get(project_key="p", key="production")
    assert first is not None
    assert again == first
    assert not [s for s in statements if "environments" in s]


def test_environment_get__unknown__not_remembered(services: Services) -> None:
    with services.uow() as uow:
        assert uow.environments.get(project_key="p", key="production") is None
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    with services.uow() as uow:
        assert uow.environments.get(project_key="p", key="production") is not None


def test_environment_get__in_a_transaction_that_added_it_and_rolled_back__not_remembered(
    services: Services,
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    production = services.projects.get_environment("p", "production")
    staging = replace(
        production, id="staging-id", key="staging", sdk_key="sdk-x", mobile_key="mob-x"
    )
    with services.uow(write=True) as uow:
        uow.environments.add(staging)
        assert uow.environments.get(project_key="p", key="staging") == staging
        # no commit: rolled back
    with services.uow() as uow:
        assert uow.environments.get(project_key="p", key="staging") is None
