"""Token authentication (from the database on every call) and role checks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from segmentd.bootstrap import Services
from segmentd.domain.projects.model import Role
from segmentd.errors import Forbidden, Unauthorized
from segmentd.services.projects.access import hash_token


def test_authenticate__bearer_prefix_and_whitespace__accepted(services: Services) -> None:
    created = services.access.create(name="t", role=Role.READER)
    assert services.access.authenticate(f"  Bearer {created.secret} ") == created.token
    assert services.access.authenticate(f"bearer {created.secret}") == created.token


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("sdk-0000", id="sdk key"),
        pytest.param("api-unknown", id="unknown"),
    ],
)
def test_authenticate__bad_header__unauthorized(services: Services, header: str | None) -> None:
    with pytest.raises(Unauthorized):
        services.access.authenticate(header)


def test_authenticate__deleted_here__refused_at_once(services: Services) -> None:
    created = services.access.create(name="t", role=Role.ADMIN)
    services.access.authenticate(created.secret)
    services.access.delete(created.token.id)
    with pytest.raises(Unauthorized):
        services.access.authenticate(created.secret)


def test_authenticate__deleted_or_lowered_elsewhere__applies_at_once(services: Services) -> None:
    created = services.access.create(name="t", role=Role.ADMIN)
    services.access.authenticate(created.secret)
    with services.uow(write=True) as uow:  # another instance lowers the role
        uow.tokens.update(replace(created.token, role=Role.READER))
        uow.commit()
    assert services.access.authenticate(created.secret).role == Role.READER
    with services.uow(write=True) as uow:  # ... and deletes the token
        uow.tokens.delete(created.token.id)
        uow.commit()
    with pytest.raises(Unauthorized):
        services.access.authenticate(created.secret)
    assert hash_token(created.secret) != created.secret


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        pytest.param(Role.READER, Role.READER, True, id="reader reads"),
        pytest.param(Role.READER, Role.WRITER, False, id="reader cannot write"),
        pytest.param(Role.WRITER, Role.WRITER, True, id="writer writes"),
        pytest.param(Role.WRITER, Role.ADMIN, False, id="writer cannot administer"),
        pytest.param(Role.ADMIN, Role.WRITER, True, id="admin writes"),
    ],
)
def test_require__roles__ordered(
    services: Services, role: Role, needed: Role, allowed: bool
) -> None:
    token = services.access.create(name="t", role=role).token
    if allowed:
        services.access.require(token, needed)
    else:
        with pytest.raises(Forbidden):
            services.access.require(token, needed)
