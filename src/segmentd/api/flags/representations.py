"""Flags → LaunchDarkly REST representations (``FeatureFlag``, ``FeatureFlagConfig``,
``FlagListingRep``), with every field the official client requires."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from segmentd.api.responses import API, link
from segmentd.domain.flags.codec import client_side_to_json, config_to_json, variation_to_json
from segmentd.domain.flags.model import Flag, FlagConfig
from segmentd.domain.flags.settings import settings_to_json
from segmentd.domain.projects.model import Environment
from segmentd.services.flags.ports import FlagListing


def flag_path(project_key: str, key: str | None = None) -> str:
    base = f"{API}/flags/{project_key}"
    return base if key is None else f"{base}/{key}"


def config_rep(
    config: FlagConfig, *, flag: Flag, project_key: str, environment: Environment
) -> dict[str, Any]:
    flag_key = flag.key
    body: dict[str, Any] = dict(config_to_json(config))
    body.update(
        {
            "archived": flag.settings.archived,
            "sel": "",
            "_site": {
                "href": f"/{project_key}/{environment.key}/features/{flag_key}",
                "type": "text/html",
            },
            "_environmentName": environment.name,
        }
    )
    if config.off_variation is None:
        del body["offVariation"]
    return body


def flag_rep(
    flag: Flag,
    *,
    project_key: str,
    environments: Collection[Environment],
    only: Collection[str] | None = None,
) -> dict[str, Any]:
    """A ``FeatureFlag``; ``only`` limits ``environments`` to those keys (the ``env`` query)."""
    shown = [e for e in environments if e.key in flag.environments and (not only or e.key in only)]
    body: dict[str, Any] = {
        "name": flag.name,
        "kind": flag.kind,
        "key": flag.key,
        "_version": flag.version,
        "creationDate": flag.creation_date,
        "variations": [variation_to_json(v) for v in flag.variations],
        "temporary": flag.temporary,
        "tags": list(flag.tags),
        "_links": {
            "self": link(flag_path(project_key, flag.key)),
            "parent": link(flag_path(project_key)),
        },
        "experiments": {"baselineIdx": 0, "items": []},
        **settings_to_json(flag.settings),
        "includeInSnippet": flag.client_side.using_environment_id,
        "clientSideAvailability": client_side_to_json(flag.client_side),
        "environments": {
            e.key: config_rep(
                flag.environments[e.key], flag=flag, project_key=project_key, environment=e
            )
            for e in shown
        },
    }
    if flag.description is not None:
        body["description"] = flag.description
    return body


def flag_listing_rep(listing: FlagListing, *, project_key: str) -> dict[str, Any]:
    """A ``FlagListingRep`` for a segment's ``_flags``."""
    return {
        "name": listing.name,
        "key": listing.key,
        "_links": {"self": link(flag_path(project_key, listing.key))},
    }
