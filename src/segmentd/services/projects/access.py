"""Access tokens: minting, authentication and role checks.

A token is shown once, at creation; only its SHA-256 is stored. SDK keys are credentials of
an environment for the SDK feed and are refused here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from segmentd.domain.patch.json_patch import PatchOperation
from segmentd.domain.projects.model import AccessToken, Role
from segmentd.domain.shared.validate import check_name
from segmentd.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from segmentd.services.ports import Clock, IdFactory, Page
from segmentd.services.projects.ports import TokenFinder
from segmentd.services.unit_of_work import UnitOfWorkFactory

TOKEN_PREFIX = "api"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidRequest(
            f"role: must be one of {', '.join(r.value for r in Role)}, got {value!r}"
        ) from None


@dataclass(frozen=True, slots=True)
class TokenChanges:
    """What a ``PATCH`` of a token changes; ``None`` leaves a field as it is."""

    name: str | None = None
    role: Role | None = None
    description: str | None = None
    description_set: bool = False


def token_changes(operations: tuple[PatchOperation, ...]) -> TokenChanges:
    """The changes of a JSON Patch on a token: ``replace`` (or ``add``) of ``/name``,
    ``/role`` or ``/description``, and ``remove`` of ``/description``; anything else is a 400
    naming the operation."""
    changes = TokenChanges()
    for index, operation in enumerate(operations):
        where = f"patch[{index}]"
        field = operation.path
        if operation.op == "remove" and field == "/description":
            changes = replace(changes, description=None, description_set=True)
            continue
        if operation.op not in ("replace", "add") or field not in _PATCHABLE:
            raise InvalidRequest(
                f"{where}: only replace of /name, /role or /description is supported on a "
                f"token, not {operation.op} {field!r}"
            )
        value = operation.value
        if not isinstance(value, str):
            raise InvalidRequest(f"{where}.value: expected a string")
        if field == "/role":
            changes = replace(changes, role=parse_role(value))
        elif field == "/name":
            changes = replace(changes, name=value)
        else:
            changes = replace(changes, description=value, description_set=True)
    return changes


_PATCHABLE = frozenset(("/name", "/role", "/description"))


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly minted token and its secret, which is never available again."""

    token: AccessToken
    secret: str


class AccessService:
    """Tokens: every request is authenticated against the database.

    A token is found by the SHA-256 of its value (one indexed look-up), never by comparing
    secrets, so the time a look-up takes says nothing about how much of a guess was right.
    Nothing is cached between requests: a token deleted or given another role through any
    process, on any instance, is refused (or restricted) by every process on its very next
    request. ``bench/auth.py`` measures what this costs per request.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory, finder: TokenFinder
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._finder = finder

    @staticmethod
    def _digest(authorization: str | None) -> str:
        if not authorization:
            raise Unauthorized()
        secret = authorization.strip()
        if secret[:7].lower() == "bearer ":
            secret = secret[7:].strip()
        if not secret.startswith(TOKEN_PREFIX + "-"):
            raise Unauthorized()
        return hash_token(secret)

    def authenticate(self, authorization: str | None) -> AccessToken:
        """The token named by an ``Authorization`` header (raw, or with ``Bearer ``), as the
        database holds it now."""
        token = self._finder.find_by_hash(self._digest(authorization))
        if token is None:
            raise Unauthorized()
        return token

    @staticmethod
    def require(token: AccessToken, role: Role) -> None:
        """Refuse with 403 unless the token's role includes ``role``."""
        if not token.role.allows(role):
            raise Forbidden(
                f"Forbidden. The {token.role.value} role may not perform this action "
                f"(needs {role.value})."
            )

    def create(self, *, name: str, role: Role, description: str | None = None) -> NewToken:
        check_name(name)
        secret = self._ids.new_secret(TOKEN_PREFIX)
        token = AccessToken(
            id=self._ids.new_id(),
            name=name,
            description=description,
            role=role,
            token_hash=hash_token(secret),
            last_four=secret[-4:],
            creation_date=self._clock.now_ms(),
        )
        with self._uow(write=True) as uow:
            uow.tokens.add(token)
            uow.commit()
        return NewToken(token, secret)

    def list(self, *, limit: int, offset: int) -> Page[AccessToken]:
        with self._uow() as uow:
            return uow.tokens.list(limit=limit, offset=offset)

    def get(self, token_id: str) -> AccessToken:
        with self._uow() as uow:
            token = uow.tokens.get(token_id)
        if token is None:
            raise NotFound()
        return token

    def delete(self, token_id: str) -> None:
        with self._uow(write=True) as uow:
            if not uow.tokens.delete(token_id):
                raise NotFound()
            uow.commit()

    def update(self, token_id: str, changes: TokenChanges) -> AccessToken:
        """Rename, redescribe or change the role of a token; the new role applies to the
        token's next request on every process."""
        with self._uow(write=True) as uow:
            token = uow.tokens.get(token_id)
            if token is None:
                raise NotFound()
            if changes.name is not None:
                check_name(changes.name)
            updated = replace(
                token,
                name=token.name if changes.name is None else changes.name,
                role=token.role if changes.role is None else changes.role,
                description=(changes.description if changes.description_set else token.description),
            )
            uow.tokens.update(updated)
            uow.commit()
        return updated
