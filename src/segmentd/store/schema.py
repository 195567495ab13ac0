"""SQLAlchemy Core tables shared by SQLite and PostgreSQL.

The Alembic revisions under ``migrations/`` create exactly these tables; a test compares the
migrated database with this metadata so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("key", sa.String(256), nullable=False, unique=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    # defaultClientSideAvailability: usingEnvironmentId (= includeInSnippetByDefault) and
    # usingMobileKey (migration 0007), the availability of flags created without one
    sa.Column("include_in_snippet", sa.Boolean, nullable=False),
    sa.Column("creation_date", sa.BigInteger, nullable=False),
    sa.Column("default_using_mobile_key", sa.Boolean, nullable=False, server_default=sa.true()),
)

environments = sa.Table(
    "environments",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(24),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("color", sa.String(16), nullable=False),
    sa.Column("sdk_key", sa.String(128), nullable=False, unique=True),
    sa.Column("mobile_key", sa.String(128), nullable=False, unique=True),
    sa.Column("default_ttl", sa.Integer, nullable=False),
    sa.Column("secure_mode", sa.Boolean, nullable=False),
    sa.Column("default_track_events", sa.Boolean, nullable=False),
    sa.Column("require_comments", sa.Boolean, nullable=False),
    sa.Column("confirm_changes", sa.Boolean, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("creation_date", sa.BigInteger, nullable=False),
    # approvalSettings as JSON (migration 0007); NULL: LaunchDarkly's defaults
    sa.Column("approval_settings", sa.Text, nullable=True),
    sa.UniqueConstraint("project_id", "key", name="uq_environments_project_key"),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("last_four", sa.String(4), nullable=False),
    sa.Column("creation_date", sa.BigInteger, nullable=False),
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "environment_id",
        sa.String(24),
        sa.ForeignKey("environments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("creation_date", sa.BigInteger, nullable=False),
    sa.Column("last_modified_date", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("unbounded", sa.Boolean, nullable=False),
    sa.Column("unbounded_context_kind", sa.String(256), nullable=True),
    sa.Column("generation", sa.Integer, nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False),
    # included/excluded/includedContexts/excludedContexts/rules in the codec's REST form
    sa.Column("targeting", sa.Text, nullable=False),
    sa.UniqueConstraint("environment_id", "key", name="uq_segments_environment_key"),
)

segment_tags = sa.Table(
    "segment_tags",
    metadata,
    sa.Column(
        "segment_id",
        sa.Integer,
        sa.ForeignKey("segments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("tag", sa.String(64), primary_key=True),
    sa.Index("ix_segment_tags_tag", "tag"),
)

# Listing an environment's segments sorts by one of these (docs/lifecycle.md §listing-segments); the
# unique (environment_id, key) constraint serves key lookups and key filters.
sa.Index("ix_segments_env_creation", segments.c.environment_id, segments.c.creation_date)
sa.Index("ix_segments_env_name", segments.c.environment_id, segments.c.name)
sa.Index("ix_segments_env_modified", segments.c.environment_id, segments.c.last_modified_date)
# SQLite only: every column a list filter or sort reads, so that counting and filtering the
# segments of an environment never touches the wide rows (targeting JSON). PostgreSQL
# refuses b-tree entries over ~2.7 kB (a description may be 4 kB) and scans fast anyway.
sa.Index(
    "ix_segments_listing",
    segments.c.environment_id,
    segments.c.deleted,
    segments.c.name,
    segments.c.key,
    segments.c.creation_date,
    segments.c.last_modified_date,
    segments.c.unbounded,
    segments.c.description,
    info={"dialects": ("sqlite",)},
).ddl_if(dialect="sqlite")


def include_object(dialect: str) -> Callable[..., bool]:
    """An Alembic ``include_object`` hook: leave out objects meant for other dialects
    (those whose ``info["dialects"]`` does not name ``dialect``) and the PostgreSQL search
    column and index that only a migration declares (see SEGMENT_SEARCH_TEXT)."""

    def include(
        obj: object, name: str | None, _type: str, _reflected: bool, _other: object
    ) -> bool:
        if name in MIGRATION_ONLY:
            return False
        dialects = getattr(obj, "info", {}).get("dialects")
        return dialects is None or dialect in dialects

    return include


#: PostgreSQL only: ``segments.search_text``, a stored generated column (migration 0010) of
#: key, name and description joined by spaces and lowercased; the list's ``query`` filter
#: reads it. A GIN trigram index on it (``ix_segments_search_trgm``, where pg_trgm is
#: available) answers that filter without a scan. The index is not on ``key`` itself:
#: ``gin_trgm_ops`` also answers ``=``, and the planner took a trigram index on ``key`` for
#: look-ups by key (seconds for 500 keys). The column is not part of the ``segments`` table
#: above (SQLite has none, and no query but the filter wants it), so Alembic's comparison of
#: schema and migrations leaves it and its index out (:data:`MIGRATION_ONLY`);
#: ``tests/store/test_search_indexes.py`` checks them.
SEGMENT_SEARCH_TEXT: sa.ColumnElement[str] = sa.literal_column("segments.search_text", sa.Text)
#: Objects of migrations that this module does not declare (see SEGMENT_SEARCH_TEXT).
MIGRATION_ONLY = frozenset({"search_text", "ix_segments_search_trgm"})

# The tag filter reads segment ids by tag from this index alone (ix_segment_tags_tag has only
# the tag, so every hit would fetch its table row for the segment id).
sa.Index("ix_segment_tags_tag_segment", segment_tags.c.tag, segment_tags.c.segment_id)

segment_expiring_targets = sa.Table(
    "segment_expiring_targets",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "segment_id",
        sa.Integer,
        sa.ForeignKey("segments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("target_type", sa.String(16), nullable=False),
    sa.Column("context_kind", sa.String(256), nullable=False),
    sa.Column("context_key", sa.Text, nullable=False),
    sa.Column("expiration_date", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint(
        "segment_id",
        "target_type",
        "context_kind",
        "context_key",
        name="uq_segment_expiring_targets_target",
    ),
    sa.Index("ix_segment_expiring_targets_due", "expiration_date"),
)

# Entries outlive what they describe (migration 0008): no foreign key, the keys stored.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # segment, environment or project
    sa.Column("kind", sa.String(16), nullable=False, server_default="segment"),
    sa.Column("project_key", sa.String(256), nullable=False),
    sa.Column("environment_key", sa.String(256), nullable=True),
    # NULL for project entries
    sa.Column("environment_id", sa.String(24), nullable=True),
    # the segment's key and name; for project and environment entries "" and its name
    sa.Column("segment_key", sa.String(256), nullable=False),
    sa.Column("segment_name", sa.String(256), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("actor_name", sa.String(256), nullable=False),
    sa.Column("date", sa.BigInteger, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("version_before", sa.Integer, nullable=True),
    sa.Column("version_after", sa.Integer, nullable=True),
    # an RFC 6902 patch from the segment's REST JSON before to after
    sa.Column("changes", sa.Text, nullable=False),
    sa.Index("ix_audit_log_resource", "project_key", "environment_key", "segment_key", "id"),
    sa.Index("ix_audit_log_date", "date"),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "project_id",
        sa.String(24),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
    # [{"_id", "value", "name"?, "description"?}, ...]
    sa.Column("variations", sa.Text, nullable=False),
    sa.Column("temporary", sa.Boolean, nullable=False),
    sa.Column("creation_date", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # clientSideAvailability: served to client-side ids / mobile keys (migration 0006)
    sa.Column("using_environment_id", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("using_mobile_key", sa.Boolean, nullable=False, server_default=sa.true()),
    # archived, deprecated, customProperties, maintainers, defaults (migration 0009):
    # {"archived", "deprecated", "customProperties", "archivedDate"?, ...} in REST names
    sa.Column("settings", sa.Text, nullable=False, server_default="{}"),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.UniqueConstraint("project_id", "key", name="uq_flags_project_key"),
)

flag_configs = sa.Table(
    "flag_configs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flag_id", sa.Integer, sa.ForeignKey("flags.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "environment_id",
        sa.String(24),
        sa.ForeignKey("environments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    # the environment's FeatureFlagConfig targeting in the flag codec's REST form
    sa.Column("config", sa.Text, nullable=False),
    sa.UniqueConstraint("flag_id", "environment_id", name="uq_flag_configs_flag_environment"),
    sa.Index("ix_flag_configs_environment", "environment_id"),
)

# Which segments each live flag configuration tests with segmentMatch (for _flags and for
# refusing to delete a segment in use).
flag_segment_refs = sa.Table(
    "flag_segment_refs",
    metadata,
    sa.Column(
        "config_id",
        sa.Integer,
        sa.ForeignKey("flag_configs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("segment_key", sa.String(256), primary_key=True),
    sa.Index("ix_flag_segment_refs_segment", "segment_key"),
)

# Committed changes, for the other worker processes of a SQLite deployment to pick up
# (PostgreSQL deployments use NOTIFY instead). Rows are pruned after a few minutes.
change_log = sa.Table(
    "change_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("environment_id", sa.String(24), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("item_key", sa.String(256), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# ---------------------------------------------------------------- big segments (issue 5)

#: One row per (segment, generation, list, key). The primary key is the lookup path
#: (segment, generation, key) in a B-tree, so membership of one key is O(log n); on SQLite
#: the table is WITHOUT ROWID, which stores the rows in that B-tree and nothing else.
#: No foreign key on ``segment_id``: PostgreSQL checks one per inserted row, which nearly
#: doubles the cost of a million-key import. Rows of a deleted segment are dropped when its
#: key is reused (``big_segment_state.segment_created``) and are never read before that.
big_segment_targets = sa.Table(
    "big_segment_targets",
    metadata,
    sa.Column("segment_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("context_key", sa.String(256), primary_key=True),
    # False: the included list; True: the excluded list.
    sa.Column("excluded", sa.Boolean, primary_key=True),
    sqlite_with_rowid=False,
)

#: Stored counts of a big segment's current lists (so a GET never counts millions of rows).
#: ``segment_created`` ties the row to one incarnation of the segment row: a deleted and
#: recreated key reuses ``segments.id``, and a mismatch means the membership is stale.
big_segment_state = sa.Table(
    "big_segment_state",
    metadata,
    sa.Column(
        "segment_id",
        sa.Integer,
        sa.ForeignKey("segments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("segment_created", sa.BigInteger, nullable=False),
    sa.Column("included_count", sa.BigInteger, nullable=False),
    sa.Column("excluded_count", sa.BigInteger, nullable=False),
)

big_segment_imports = sa.Table(
    "big_segment_imports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "environment_id",
        sa.String(24),
        sa.ForeignKey("environments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "segment_id",
        sa.Integer,
        sa.ForeignKey("segments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("segment_key", sa.String(256), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("finished_time", sa.BigInteger, nullable=True),
    sa.Column("file_name", sa.String(256), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("keys_added", sa.BigInteger, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # The environment id while the import is active, NULL afterwards: a unique column that
    # lets at most one active import exist per environment, on both dialects.
    sa.Column("active_environment", sa.String(24), nullable=True, unique=True),
    sa.Index("ix_big_segment_imports_segment", "segment_id"),
)

big_segment_exports = sa.Table(
    "big_segment_exports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "environment_id",
        sa.String(24),
        sa.ForeignKey("environments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "segment_id",
        sa.Integer,
        sa.ForeignKey("segments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("segment_key", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("initiator_name", sa.String(256), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_big_segment_exports_segment", "segment_id"),
)
