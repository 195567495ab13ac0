"""Migrations 0005 and 0010: PostgreSQL answers the list's ``query`` filter from a trigram
index, and look-ups by key keep the unique (environment, key) index."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segmentd.bootstrap import Services
from segmentd.domain.segments.query import SegmentQuery, parse_filter
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from segmentd.store import schema
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
    alone = (
        sa.select(sa.func.count())
        .select_from(schema.segments)
        .where(where_clause(query.filter, "postgresql"))
    )
    sql = str(alone.compile(services.engine, compile_kwargs={"literal_binds": True}))
    with services.engine.connect() as connection:
        indexes: dict[str, str] = dict(
            connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'segments'"
            ).all()
        )
        connection.exec_driver_sql("ANALYZE segments")
        # 300 rows: without these the planner rightly reads the table or an environment index.
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_indexscan = off")
        plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql))
        total = connection.execute(count).scalar_one()
    assert "ix_segments_search_trgm" in indexes
    assert not {"ix_segments_key_trgm", "ix_segments_name_trgm"} & indexes.keys()
    assert "search_text gin_trgm_ops" in indexes["ix_segments_search_trgm"]
    assert "ix_segments_search_trgm" in plan
    assert total == 30
    assert services.segments.list("default", "production", query).total == 30


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_keys_lookup__postgres__uses_the_unique_index_not_trigrams(services: Services) -> None:
    """``gin_trgm_ops`` answers ``=`` too, and a trigram index on ``key`` itself was the
    planner's choice for ``key = ANY(…)``: seconds for 500 keys that all share trigrams."""
    initialise_if_empty(services.uow, services.projects, services.access)
    for i in range(300):
        services.segments.create("default", "production", SegmentDraft(f"seg-{i:05}", "S"))
    environment = services.projects.get_environment("default", "production")
    keys = [f"seg-{i:05}" for i in range(0, 300, 3)]
    t = schema.segments
    statement = sa.select(t.c.id).where(t.c.environment_id == environment.id, t.c.key.in_(keys))
    sql = str(statement.compile(services.engine, compile_kwargs={"literal_binds": True}))
    with services.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE segments")
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql))
        found = connection.exec_driver_sql(sql).all()
    assert "trgm" not in plan
    assert len(found) == 100


def test_query_filter__terms_across_columns__match_within_one_column_only(
    services: Services,
) -> None:
    """Both stores: PostgreSQL searches the columns' concatenation (``key name description``),
    where a term with a space could span two columns; such a match is not a match."""
    initialise_if_empty(services.uow, services.projects, services.access)
    services.segments.create("default", "production", SegmentDraft("alpha", "beta team"))
    services.segments.create(
        "default", "production", SegmentDraft("gamma", "Delta", description="alpha beta")
    )

    def found(expression: str) -> list[str]:
        query = SegmentQuery(filter=parse_filter(expression), limit=10)
        page = services.segments.list("default", "production", query)
        assert page.total == len(page.items)
        return sorted(s.key for s in page.items)

    assert found('query equals "alpha beta"') == ["gamma"]  # not key "alpha" + name "beta…"
    assert found('query equals "A BETA"') == ["gamma"]
    assert found('query equals "ha be"') == ["gamma"]
    assert found('query equals "beta t"') == ["alpha"]
    assert found('query equals "elta"') == ["gamma"]
    assert found('query equals "gamma delta"') == []
