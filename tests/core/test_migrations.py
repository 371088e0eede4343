"""The models and the Alembic migrations describe the same schema (on SQLite and PostgreSQL)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import include_object
from app.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"a model changed without a migration: {diff}"
