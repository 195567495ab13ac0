"""A process remembers the environments it has read, and forgets one as soon as it changes
or is deleted (by this process, or another one through the change relays)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from segmentd.bootstrap import Services
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.services.ports import ItemChange
from segmentd.services.projects.service import ProjectDraft
from segmentd.store.driver import Prepared
from segmentd.store.projects.repository import EnvironmentCache


def _statements(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL sent from now on: through SQLAlchemy and at the driver level (``Prepared``)."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(*args: Any) -> None:
        seen.append(args[2])

    run = Prepared._run

    def recording(self: Prepared, connection: Any, form: Any, args: Any, **kw: Any) -> Any:
        seen.append(form.sql)
        return run(self, connection, form, args, **kw)

    monkeypatch.setattr(Prepared, "_run", recording)
    return seen


def test_environment_get__read_before__answered_without_a_query(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    with services.uow() as uow:
        first = uow.environments.get(project_key="p", key="production")
    statements = _statements(services.engine, monkeypatch)
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


def test_environment_get__after_a_patch__the_new_settings(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.projects.get_environment("p", "production")  # cached
    ops = [{"op": "replace", "path": "/secureMode", "value": True}]
    services.projects.patch_environment("p", "production", parse_patch_document(ops))
    assert services.projects.get_environment("p", "production").secure_mode


def test_environment_get__after_a_delete__none(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    with services.uow() as uow:
        assert uow.environments.get(project_key="p", key="production") is not None
    services.projects.delete_environment("p", "production")
    with services.uow() as uow:
        assert uow.environments.get(project_key="p", key="production") is None


def test_environment_get__notice_from_another_process__forgotten(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    production = services.projects.get_environment("p", "production")
    statements = _statements(services.engine, monkeypatch)
    services.changes.publish(ItemChange(production.id, "environments", "production", 0))
    services.projects.get_environment("p", "production")
    assert [s for s in statements if "environments" in s]


def test_environment_cache__row_read_before_a_forget__not_kept(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    production = services.projects.get_environment("p", "production")
    cache = EnvironmentCache()
    generation = cache.generation  # a reader starts its query ...
    cache.forget(production.id)  # ... a writer commits a change and forgets ...
    cache.put(production, generation)  # ... and the reader's old row arrives
    assert cache.get("p", "production") is None
    cache.put(production, cache.generation)
    assert cache.get("p", "production") == production
