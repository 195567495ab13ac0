"""The ``_id`` of a new rule, clause, variation or expiring target, made by an injected function.

Writes that add a nested item give it an id; the domain takes the function that makes one
(:data:`NewId`) as a parameter, so tests can pass a counter and get the same ids every run.
Not to be confused with :class:`segmentd.services.ports.IdFactory`, the service port that
makes resource ids and secrets (tokens, SDK keys).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeAlias

#: Makes the ``_id`` of a new nested item (rule, clause, variation, expiring target).
NewId: TypeAlias = Callable[[], str]


def new_uuid() -> str:
    """The default :data:`NewId`: a random UUID4 string, as LaunchDarkly's REST ids."""
    return str(uuid.uuid4())
