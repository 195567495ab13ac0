"""What the SDK data feed needs from a store."""

from __future__ import annotations

from typing import Protocol


class FeedRepository(Protocol):
    """Bulk reads of one environment's data, each item encoded as the SDK feed's JSON
    (docs/sdk-feed.md §item-shape), keyed by item key."""

    def segments(self, *, environment_id: str) -> dict[str, bytes]:
        """Every live segment of the environment."""
        ...

    def flags(self, *, environment_id: str) -> dict[str, bytes]:
        """Every live flag's configuration in the environment."""
        ...
