"""Semantic versions as LaunchDarkly's ``semVer*`` operators read them.

SemVer 2.0.0, except that MINOR and PATCH may be left out (``2`` is ``2.0.0``, ``2.1-rc`` is
``2.1.0-rc``), as in every LD SDK (docs/evaluation.md §operators). Parsing is strict otherwise:
ASCII digits, no leading zeros, no ``v`` prefix, no whitespace, at most three numeric parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NUM = r"0|[1-9][0-9]*"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_VERSION = re.compile(
    rf"({_NUM})(?:\.({_NUM}))?(?:\.({_NUM}))?"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?"
)

#: One prerelease identifier as a sort key: numbers sort before (and among) themselves
#: numerically, and below every alphanumeric identifier, which sort in ASCII order.
_PreKey = tuple[int, int, str]


@dataclass(frozen=True, slots=True, order=True)
class SemVer:
    """A parsed version; ordering and equality are SemVer precedence (build ignored)."""

    major: int
    minor: int
    patch: int
    #: 1 for a release, 0 for a prerelease, so that ``1.0.0-rc`` < ``1.0.0``.
    release: int
    prerelease: tuple[_PreKey, ...]


@lru_cache(maxsize=4096)
def parse_semver(text: str) -> SemVer | None:
    """Parse a version string, or return ``None`` when it is not one.

    Never raises: an unparsable clause or context value is a plain non-match. Results are
    memoised (the function is pure), since context values such as an app version repeat.
    """
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    major, minor, patch, pre, _build = match.groups()
    ids: tuple[_PreKey, ...] = ()
    if pre is not None:
        ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return SemVer(int(major), int(minor or 0), int(patch or 0), 0 if pre else 1, ids)
