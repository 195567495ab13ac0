"""Parsers for the typed clause values: timestamps, semantic versions and regular expressions.

Write-time validation (:mod:`segmentd.domain.validate`) and the evaluator share these, so a
value that passes validation is read the same way when a context is evaluated. The parsers
never raise for bad input: ``parse_*`` return ``None`` (the evaluator's "non-match"), and
:func:`check_regex` raises a plain :class:`ValueError` that the validator turns into a 400.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

# ---------------------------------------------------------------- timestamps

#: Strict RFC 3339 date-time (evaluation.md §7): ``T`` in either case, seconds required,
#: a fraction of 1-9 digits, and a mandatory zone. ASCII digits only.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _zone_offset_ms(zone: str) -> int | None:
    if zone in ("Z", "z"):
        return 0
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 23 or minutes > 59:
        return None
    offset = (hours * 60 + minutes) * 60_000
    return -offset if zone[0] == "-" else offset


def _parse_rfc3339_ms(text: str) -> float | None:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    offset = _zone_offset_ms(match.group(8))
    if offset is None:
        return None
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # month 13, Feb 30, hour 24, leap second 60 (Python SDK rejects it too)
        return None
    whole_ms = int(moment.timestamp()) * 1000 - offset
    fraction = match.group(7)
    return whole_ms + (float(f"0.{fraction}") * 1000 if fraction else 0.0)


def parse_timestamp_ms(value: object) -> float | None:
    """Read a ``before``/``after`` operand as Unix epoch milliseconds.

    A JSON number is already milliseconds; a string must be a strict RFC 3339 date-time
    with a zone. Booleans, numeric strings, dates without times and everything else give
    ``None``. The result keeps any sub-millisecond fraction, as the Python SDK does.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _parse_rfc3339_ms(value)
    return None


# ---------------------------------------------------------------- semantic versions

_NUMERIC = r"(?:0|[1-9][0-9]*)"
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_SEMVER = re.compile(
    rf"({_NUMERIC})(?:\.({_NUMERIC})(?:\.({_NUMERIC}))?)?(?:-({_IDENTIFIERS}))?(?:\+({_IDENTIFIERS}))?"
)


@dataclass(frozen=True, slots=True)
class SemVer:
    """A parsed version; ``build`` is kept for display but never affects precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()


def parse_semver(value: object) -> SemVer | None:
    """Parse SemVer 2.0.0 with LaunchDarkly's loosening: minor and patch may be left out.

    ``"2"`` is ``2.0.0`` and ``"2.1-rc"`` is ``2.1.0-rc``. Anything else SemVer forbids stays
    invalid: leading zeros, a ``v`` prefix, a fourth numeric part, whitespace, numbers (the
    JSON number ``2`` is not a version). Invalid input gives ``None``.
    """
    if not isinstance(value, str):
        return None
    match = _SEMVER.fullmatch(value)
    if match is None:
        return None
    major, minor, patch, pre, build = match.groups()
    prerelease = tuple(pre.split(".")) if pre else ()
    if any(p.isdigit() and len(p) > 1 and p[0] == "0" for p in prerelease):
        return None
    return SemVer(
        major=int(major),
        minor=int(minor or 0),
        patch=int(patch or 0),
        prerelease=prerelease,
        build=tuple(build.split(".")) if build else (),
    )


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    # Numeric identifiers sort numerically and before alphanumeric ones (SemVer §11).
    return (0, int(identifier), "") if identifier.isdigit() else (1, 0, identifier)


def compare_semver(a: SemVer, b: SemVer) -> int:
    """SemVer precedence: -1, 0 or 1. Build metadata is ignored."""
    core_a, core_b = (a.major, a.minor, a.patch), (b.major, b.minor, b.patch)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    if a.prerelease == b.prerelease:
        return 0
    if not a.prerelease or not b.prerelease:
        return 1 if not a.prerelease else -1
    key_a = [_identifier_key(p) for p in a.prerelease]
    key_b = [_identifier_key(p) for p in b.prerelease]
    return -1 if key_a < key_b else 1


# ---------------------------------------------------------------- regular expressions

#: Inline flags that RE2 (Go SDKs) and Python ``re`` both understand.
_PORTABLE_FLAGS = frozenset("ims")
#: RE2 rejects repetition counts above 1000.
_MAX_REPEAT = 1000
_REPEAT = re.compile(r"\{([0-9]*)(?:,([0-9]*))?\}")


def _check_group_opening(pattern: str, i: int) -> None:
    """Refuse the ``(?…`` constructs that only one of the two dialects has."""
    rest = pattern[i + 2 : i + 6]
    if rest.startswith(("=", "!", "<=", "<!")):
        raise ValueError(f"lookaround at offset {i} is not supported")
    if rest.startswith("P="):
        raise ValueError(f"backreference at offset {i} is not supported")
    if rest.startswith(">"):
        raise ValueError(f"atomic group at offset {i} is not supported")
    if rest.startswith(("(", "#")):
        raise ValueError(f"conditional or comment group at offset {i} is not supported")
    if rest.startswith(("P<", ":")):
        return
    flags = re.match(r"[a-zA-Z-]*", rest)
    used = set((flags.group() if flags else "").replace("-", ""))
    if not used or not used <= _PORTABLE_FLAGS:
        raise ValueError(f"inline flags at offset {i} must be among 'i', 'm' and 's'")


def _check_escape(pattern: str, i: int) -> None:
    escaped = pattern[i + 1 : i + 2]
    if escaped in tuple("123456789"):
        raise ValueError(f"backreference at offset {i} is not supported")
    if escaped in ("Z", "u", "U", "N", "g"):
        raise ValueError(f"escape '\\{escaped}' at offset {i} differs between regex dialects")


def _check_quantifier(pattern: str, i: int) -> None:
    repeat = _REPEAT.match(pattern, i)
    if repeat is not None:
        low, high = repeat.group(1), repeat.group(2)
        if not low:
            raise ValueError(f"repetition '{{,n}}' at offset {i} differs between regex dialects")
        if int(low) > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
            raise ValueError(f"repetition count at offset {i} exceeds {_MAX_REPEAT}")
        i = repeat.end() - 1
    if pattern[i + 1 : i + 2] == "+":
        raise ValueError(f"possessive quantifier at offset {i} is not supported")


def _skip_class(pattern: str, start: int) -> int:
    """Index just past the ``]`` closing the class opened at ``start``."""
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":  # a leading ']' is literal in both dialects
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        if pattern[i] == "\\":
            _check_escape(pattern, i)
            i += 1
        i += 1
    return i + 1


def _scan_portable(pattern: str) -> None:
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            _check_escape(pattern, i)
            i += 2
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            continue
        if char == "(" and pattern[i + 1 : i + 2] == "?":
            _check_group_opening(pattern, i)
        elif char in "*+?}" or (char == "{" and _REPEAT.match(pattern, i)):
            _check_quantifier(pattern, i)
        i += 1


def check_regex(pattern: str) -> re.Pattern[str]:
    """Compile a ``matches`` operand, refusing what RE2 and Python ``re`` would read differently.

    Go SDKs use RE2 and Python SDKs use ``re``, so a stored pattern must mean the same in
    both. Refused (``ValueError`` with the reason): patterns Python cannot compile;
    lookahead/lookbehind ``(?=`` ``(?!`` ``(?<=`` ``(?<!``; backreferences ``\\1``-``\\9``
    and ``(?P=name)``; atomic groups ``(?>…)`` and possessive quantifiers ``*+ ++ ?+ }+``;
    conditionals ``(?(…)`` and comments ``(?#…)``; inline flags other than ``i``, ``m``,
    ``s``; the escapes ``\\Z``, ``\\u``, ``\\U``, ``\\N``, ``\\g``; ``{,n}``; repetition counts
    above 1000. Known remaining difference: without ``(?m)``, Python's ``$`` also matches
    before a final newline while RE2's does not.
    """
    with warnings.catch_warnings():
        # Python warns about "[[" and "--" in classes: RE2 reads "[[:alpha:]]" as a POSIX
        # class where Python does not, so a warning means the dialects may disagree.
        warnings.simplefilter("error", FutureWarning)
        try:
            compiled = re.compile(pattern)
        except (re.error, FutureWarning) as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
    _scan_portable(pattern)
    return compiled
