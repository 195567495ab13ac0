"""JSON values as the domain sees them: what a clause value or an attribute may hold."""

from __future__ import annotations

from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = dict[str, JsonValue]


def json_type_name(value: object) -> str:
    """The JSON type of a decoded value as error messages name it: ``null``, ``boolean``,
    ``number``, ``string``, ``array`` or ``object`` (anything else reads as ``object``).

    One spelling for every "expected X, got Y" message, so a client sees the same word for
    the same mistake whichever resource it sends.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
