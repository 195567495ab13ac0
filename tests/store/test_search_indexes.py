"""Migration 0005: PostgreSQL answers the list's ``query`` filter from trigram indexes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segmentd.bootstrap import Services
from segmentd.domain.segments.query import SegmentQuery, parse_filter
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from segmentd.store.segments.listing import list_statements, where_clause


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_query_filter__postgres__counted_from_trigram_indexes(services: Services) -> None:
    initialise_if_empty(services.uow, services.projects, services.access)
    for i in range(300):
        name = f"Europe {i}" if i % 10 == 0 else f"Asia {i}"
        services.segments.create("default", "production", SegmentDraft(f"s-{i}", name))
    environment = services.projects.get_environment("default", "production")
    query = SegmentQuery(filter=parse_filter('query equals "uRoP"'), limit=5)
    _page, count = list_statements(environment.id, query, dialect="postgresql")
    # The filter's own predicate (ILIKE with ESCAPE) must be one the trigram indexes answer.
    assert query.filter is not None
    alone = sa.select(sa.func.count()).where(where_clause(query.filter, "postgresql"))
    sql = str(alone.compile(services.engine, compile_kwargs={"literal_binds": True}))
    with services.engine.connect() as connection:
        indexes = {
            r[0]
            for r in connection.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'segments'"
            )
        }
        connection.exec_driver_sql("ANALYZE segments")
        # 300 rows: without these the planner rightly reads the table or an environment index.
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_indexscan = off")
        plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql))
        total = connection.execute(count).scalar_one()
    assert {"ix_segments_key_trgm", "ix_segments_name_trgm"} <= indexes
    assert "ix_segments_description_trgm" in indexes
    assert "ix_segments_name_trgm" in plan
    assert total == 30
    assert services.segments.list("default", "production", query).total == 30
