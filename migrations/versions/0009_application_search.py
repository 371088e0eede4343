"""application search: a trigram index for the office queue's `q` (FTS5 on SQLite, pg_trgm on PostgreSQL)

Revision ID: 0009_application_search
Revises: 0008_ratings
Create Date: 2026-11-30 18:20:00

`search_text LIKE '%петров%'` cannot use a B-tree index: with 100,000 applications every
search read the whole table (over 100 ms). A trigram index answers it in a few ms.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_application_search'
down_revision = '0008_ratings'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE applications_search USING fts5("
                   "search_text, content='applications', content_rowid='id', tokenize='trigram')")
        op.execute("CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN "
                   "INSERT INTO applications_search(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN "
                   "INSERT INTO applications_search(applications_search, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); END")
        op.execute("CREATE TRIGGER applications_search_update AFTER UPDATE OF search_text ON applications BEGIN "
                   "INSERT INTO applications_search(applications_search, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); "
                   "INSERT INTO applications_search(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute("INSERT INTO applications_search(applications_search) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_applications_search_trgm ON applications USING gin (search_text gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS applications_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS applications_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_applications_search_trgm")
