"""Write-time checks on keys, names, tags and context kinds.

Everything stored passes these checks first, so that neither the evaluator nor an SDK ever
meets data it would refuse. Each failure is an :class:`InvalidRequest` whose message starts
with the offending field.
"""

from __future__ import annotations

import re

from segmentd.errors import InvalidRequest

#: LaunchDarkly's segment key rule (its Terraform provider's validator), with a length cap.
KEY_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
MAX_KEY_LENGTH = 256
TAG_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
#: Context kinds: ASCII letters, digits, ``.``, ``_`` and ``-`` (evaluation.md §2).
KIND_PATTERN = re.compile(r"[a-zA-Z0-9._-]+")
MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 4096


def check_key(key: str, *, field: str = "key") -> str:
    if not key:
        raise InvalidRequest(f"{field}: must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_KEY_LENGTH} characters")
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidRequest(
            f"{field}: must start with a letter or digit and contain only letters, digits, "
            "'.', '_' and '-'"
        )
    return key


def check_name(name: str, *, field: str = "name") -> str:
    if not name.strip():
        raise InvalidRequest(f"{field}: must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_NAME_LENGTH} characters")
    return name


def check_description(description: str | None, *, field: str = "description") -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidRequest(f"{field}: must be at most {MAX_DESCRIPTION_LENGTH} characters")
    return description


def check_tags(tags: tuple[str, ...], *, field: str = "tags") -> tuple[str, ...]:
    """Tags are 1-64 characters of ``[a-zA-Z0-9_.-]``; duplicates are dropped, order kept."""
    for i, tag in enumerate(tags):
        if not TAG_PATTERN.fullmatch(tag):
            raise InvalidRequest(
                f"{field}[{i}]: a tag is 1 to 64 characters of letters, digits, '_', '.' or '-'"
            )
    return tuple(dict.fromkeys(tags))


def is_valid_kind(kind: str) -> bool:
    return bool(KIND_PATTERN.fullmatch(kind)) and kind not in ("kind", "multi")


def check_context_kind(kind: str, *, field: str = "contextKind") -> str:
    if not is_valid_kind(kind):
        raise InvalidRequest(
            f"{field}: {kind!r} is not a valid context kind (letters, digits, '.', '_', '-'; "
            "not 'kind' or 'multi')"
        )
    return kind
