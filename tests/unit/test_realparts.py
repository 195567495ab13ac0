"""The store tests' access to PostgreSQL: an ordinary local server that refuses a
password-less login, or lacks database ``test``, skips them with a reason; CI fails them."""

from __future__ import annotations

import psycopg
import pytest
from _pytest.outcomes import Failed, Skipped

from tests import realparts


@pytest.fixture
def refusing_server(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    attempts: list[tuple[str, str]] = []

    def refuse(**kwargs: object) -> None:
        attempts.append((str(kwargs["user"]), str(kwargs["dbname"])))
        raise psycopg.OperationalError(
            'connection failed: FATAL:  password authentication failed for user "x"'
        )

    monkeypatch.setattr(psycopg, "connect", refuse)
    return attempts


def test_postgres_database__login_refused__skips_with_reason_locally(
    refusing_server: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="refuses a password-less admin connection") as caught:
        realparts.postgres_database("never_created").__enter__()
    assert "password authentication failed" in str(caught.value)
    # every user is tried on database test and, for servers without it, on postgres
    assert refusing_server == [
        ("postgres", "test"),
        ("postgres", "postgres"),
        ("root", "test"),
        ("root", "postgres"),
    ]


def test_postgres_database__login_refused__fails_under_ci(
    refusing_server: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI=true requires it"):
        realparts.postgres_database("never_created").__enter__()
