"""Attribute references: how a clause ``attribute`` or a rule ``bucketBy`` names a value.

LaunchDarkly reads the same string two ways (docs/evaluation.md §attribute-references). When the
owning object names no context kind, the string is one literal attribute name, even if it starts
with ``/``. When a kind is named, a leading ``/`` makes it a JSON-Pointer-like path (``~1`` is
``/``, ``~0`` is ``~``). A reference that cannot be resolved is not an exception here: it carries an
``error`` so that the evaluator can report MALFORMED data only when (and if) the reference is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BAD_ESCAPE = re.compile(r"~(?:[^01]|$)")


@dataclass(frozen=True, slots=True)
class AttributeRef:
    """A parsed reference: path ``components`` (top-level name first), or an ``error``."""

    raw: str
    components: tuple[str, ...]
    error: str | None = None

    @property
    def is_kind(self) -> bool:
        """True for the plain name ``kind``, which clauses treat as a match on context kinds.

        The path form ``/kind`` is an ordinary lookup (it yields the selected context's kind):
        this follows the Go reference; the Python SDK treats ``/kind`` as a kind match too.
        LaunchDarkly never emits ``/kind``.
        """
        return self.raw == "kind" and self.error is None


def parse_attribute_ref(raw: str, *, context_kind: str | None) -> AttributeRef:
    """Parse ``raw`` in literal mode (no ``context_kind``) or reference mode (a kind is named).

    Never raises: an empty string, ``/`` alone, an empty path component, or a ``~`` not
    followed by ``0``/``1`` give a reference whose ``error`` says what is wrong.
    """
    if raw == "":
        return AttributeRef(raw, (), "attribute reference is empty")
    if not context_kind or not raw.startswith("/"):
        return AttributeRef(raw, (raw,))
    if raw == "/":
        return AttributeRef(raw, (), "attribute reference is empty")
    parts = raw[1:].split("/")
    for part in parts:
        if part == "":
            return AttributeRef(raw, (), "attribute reference has an empty path component")
        if _BAD_ESCAPE.search(part):
            return AttributeRef(raw, (), "attribute reference has '~' not followed by 0 or 1")
    return AttributeRef(raw, tuple(p.replace("~1", "/").replace("~0", "~") for p in parts))
