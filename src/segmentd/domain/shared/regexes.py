"""Regular expressions that mean the same to every SDK.

Clause patterns are evaluated by each SDK in its own dialect (Go RE2, Python ``re``, …), so
write-time validation accepts only the subset on which RE2 and Python agree.
:func:`check_regex` raises a plain :class:`ValueError` that the validator turns into a 400.
"""

from __future__ import annotations

import re
import warnings

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
