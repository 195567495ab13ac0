"""Query parameters shared by several routes, with the bounds the OpenAPI document states.

Every integer a client sends is bounded: SQL (SQLite and PostgreSQL ``BIGINT``) holds 64-bit
signed integers, so a larger one is refused at the edge with a 400 naming the parameter,
never passed on to fail as a 500 in the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from segmentd.domain.shared.validate import MAX_INT64, MIN_INT64

Offset = Annotated[int, Query(ge=0, le=MAX_INT64, description="Items to skip")]


__all__ = ["MAX_INT64", "MIN_INT64", "Offset"]
