"""A flag's lifecycle and ownership settings: archived, deprecated, custom properties,
maintainer and the defaults new environments get.

LaunchDarkly's Terraform provider replaces every one of them on each apply of a
``launchdarkly_feature_flag`` (docs/compatibility.md), so segmentd stores them as
LaunchDarkly does and answers them in the flag's representation. Only ``archived`` changes
what SDKs see: an archived flag leaves their feeds, so they serve its fallback value, as
LaunchDarkly's do (docs/compatibility.md). Stored as one JSON object per flag, in the REST
names (:func:`settings_to_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from segmentd.domain.segments.codec import as_object, get_str
from segmentd.domain.shared.json_types import JsonObject
from segmentd.domain.shared.validate import check_name
from segmentd.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class CustomProperty:
    """A named list of strings attached to a flag (integrations read them)."""

    name: str
    value: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlagDefaults:
    """Variation indexes a new environment's configuration serves when on and when off."""

    on_variation: int
    off_variation: int


@dataclass(frozen=True, slots=True)
class FlagSettings:
    """Lifecycle and ownership fields; dates are Unix milliseconds set by the service."""

    archived: bool = False
    archived_date: int | None = None
    deprecated: bool = False
    deprecated_date: int | None = None
    custom_properties: Mapping[str, CustomProperty] = field(default_factory=dict)
    maintainer_id: str | None = None
    maintainer_team_key: str | None = None
    defaults: FlagDefaults | None = None


#: The settings of a flag nobody has archived, deprecated or described further.
NO_SETTINGS = FlagSettings()


def _bool(obj: Mapping[str, object], name: str) -> bool:
    value = obj.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name}: expected a boolean")
    return value


def _int(obj: Mapping[str, object], name: str, where: str) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{where}{name}: expected an integer")
    return value


def _custom_properties(value: object) -> dict[str, CustomProperty]:
    if value is None:
        return {}
    out = {}
    for key, item in as_object(value, "customProperties").items():
        where = f"customProperties.{key}"
        obj = as_object(item, where)
        name = check_name(get_str(obj, "name", where, required=True) or "", field=f"{where}.name")
        values = obj.get("value")
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidRequest(f"{where}.value: expected an array of strings")
        out[key] = CustomProperty(name, tuple(values))
    return out


def _defaults(value: object, variation_count: int) -> FlagDefaults | None:
    if value is None:
        return None
    obj = as_object(value, "defaults")
    indexes = []
    for name in ("onVariation", "offVariation"):
        index = _int(obj, name, "defaults.")
        if index is None:
            raise InvalidRequest(f"defaults.{name}: is required")
        if not 0 <= index < variation_count:
            raise InvalidRequest(f"defaults.{name}: no variation {index}")
        indexes.append(index)
    return FlagDefaults(on_variation=indexes[0], off_variation=indexes[1])


def settings_from_json(
    doc: Mapping[str, object], *, variation_count: int, stored: FlagSettings
) -> FlagSettings:
    """Read the settings from a flag's REST JSON (a patched document or a stored row).

    The dates are not read: they are the server's (``stored``'s, or set by the service when
    ``archived``/``deprecated`` change). A ``null`` or missing member means its empty value.
    """
    return FlagSettings(
        archived=_bool(doc, "archived"),
        archived_date=stored.archived_date,
        deprecated=_bool(doc, "deprecated"),
        deprecated_date=stored.deprecated_date,
        custom_properties=_custom_properties(doc.get("customProperties")),
        maintainer_id=get_str(doc, "maintainerId"),
        maintainer_team_key=get_str(doc, "maintainerTeamKey"),
        defaults=_defaults(doc.get("defaults"), variation_count),
    )


def settings_to_json(settings: FlagSettings) -> JsonObject:
    """The settings in their REST names; dates, maintainers and defaults only when set."""
    out: JsonObject = {
        "archived": settings.archived,
        "deprecated": settings.deprecated,
        "customProperties": {
            key: {"name": p.name, "value": list(p.value)}
            for key, p in settings.custom_properties.items()
        },
    }
    optional: dict[str, object] = {
        "archivedDate": settings.archived_date,
        "deprecatedDate": settings.deprecated_date,
        "maintainerId": settings.maintainer_id,
        "maintainerTeamKey": settings.maintainer_team_key,
    }
    for name, value in optional.items():
        if value is not None:
            out[name] = value  # type: ignore[assignment]  # str or int
    if settings.defaults is not None:
        out["defaults"] = {
            "onVariation": settings.defaults.on_variation,
            "offVariation": settings.defaults.off_variation,
        }
    return out


def stored_settings_from_json(doc: Mapping[str, object], *, variation_count: int) -> FlagSettings:
    """Read settings written by :func:`settings_to_json`, dates included."""
    settings = settings_from_json(doc, variation_count=variation_count, stored=NO_SETTINGS)
    return replace(
        settings,
        archived_date=_int(doc, "archivedDate", ""),
        deprecated_date=_int(doc, "deprecatedDate", ""),
    )
