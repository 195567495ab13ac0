"""The interfaces the services need from the outside world.

Stores (:mod:`segmentd.store`) and publishers (:mod:`segmentd.export`) implement these
Protocols; services never import an adapter, and :mod:`segmentd.bootstrap` wires them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection, and how many items the whole collection holds."""

    items: tuple[T, ...]
    total: int


class Clock(Protocol):
    def now_ms(self) -> int:
        """The current time as integer Unix milliseconds."""
        ...


class IdFactory(Protocol):
    """Makes the ids of resources (projects, environments, tokens) and their secrets.

    A service port, so tests can make them predictable. The ``_id`` of a nested rule,
    clause or variation comes from a domain function instead
    (:data:`segmentd.domain.shared.ids.NewId`).
    """

    def new_id(self) -> str:
        """A fresh 24-hex-digit identifier (LaunchDarkly's ``_id`` style)."""
        ...

    def new_secret(self, prefix: str) -> str:
        """A fresh unguessable secret such as an SDK key or an access token."""
        ...


#: What an :class:`ItemChange` is about.
ChangeKind = Literal["segments", "flags", "environments"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("segments", "flags", "environments")


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A committed change to one flag or segment of an environment, for data feeds.

    ``version`` is the item's version after the change (a tombstone's version for deletes).
    Kind ``environments`` says the environment itself changed or was deleted (``key`` is
    its key, ``version`` 0): listeners drop what they cached of it and end its streams.
    """

    environment_id: str
    kind: ChangeKind
    key: str
    version: int


class ChangeNotifier(Protocol):
    def publish(self, change: ItemChange) -> None:
        """Announce a change after its transaction committed. Must not raise or block long:
        the write has already succeeded, and a feed that misses a change catches up on
        reconnect."""
        ...
