"""Access tokens: minting, authentication and role checks.

A token is shown once, at creation; only its SHA-256 is stored. SDK keys are credentials of
an environment for the SDK feed and are refused here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from segmentd.domain.projects.model import AccessToken, Role
from segmentd.domain.shared.validate import check_name
from segmentd.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from segmentd.services.ports import Clock, IdFactory, Page
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
class NewToken:
    """A freshly minted token and its secret, which is never available again."""

    token: AccessToken
    secret: str


class AccessService:
    """Tokens, with a short-lived in-process cache of successful look-ups.

    Every API request authenticates, so the cache keeps a database round trip off the hot
    path. A token deleted through this process stops working at once; one deleted through
    another instance stops working there within ``cache_ms`` (5 s by default).
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory, *, cache_ms: int = 5_000
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._cache_ms = cache_ms
        self._cache: dict[str, tuple[AccessToken, int]] = {}

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

    def from_cache(self, authorization: str | None) -> AccessToken | None:
        """The token if it was authenticated recently (no I/O); ``None`` when not cached."""
        cached = self._cache.get(self._digest(authorization))
        if cached is not None and cached[1] > self._clock.now_ms():
            return cached[0]
        return None

    def authenticate(self, authorization: str | None) -> AccessToken:
        """The token named by an ``Authorization`` header (raw, or with ``Bearer ``)."""
        token = self.from_cache(authorization)
        if token is not None:
            return token
        digest = self._digest(authorization)
        with self._uow() as uow:
            token = uow.tokens.find_by_hash(digest)
        if token is None:
            raise Unauthorized()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (token, self._clock.now_ms() + self._cache_ms)
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
        self._cache = {k: v for k, v in self._cache.items() if v[0].id != token_id}
