"""Wire models of the flag routes: ``FeatureFlagBody`` in (the fields segmentd uses)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from segmentd.api.schemas import RequestModel


class VariationIn(RequestModel):
    value: Any = Field(description="The value served (any JSON)")
    name: str | None = None
    description: str | None = None


class DefaultsIn(RequestModel):
    onVariation: int
    offVariation: int


class ClientSideAvailabilityIn(RequestModel):
    usingEnvironmentId: bool | None = None
    usingMobileKey: bool | None = None


class FeatureFlagBody(RequestModel):
    """LaunchDarkly's ``FeatureFlagBody`` (the fields segmentd uses)."""

    name: str
    key: str
    description: str | None = None
    tags: list[str] | None = None
    temporary: bool | None = None
    variations: list[VariationIn] | None = None
    defaults: DefaultsIn | None = None
    isFlagOn: bool | None = None
    clientSideAvailability: ClientSideAvailabilityIn | None = None
    includeInSnippet: bool | None = Field(
        default=None, description="Legacy: clientSideAvailability.usingEnvironmentId"
    )
