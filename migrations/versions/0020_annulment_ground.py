"""applications: the ground of an annulment (Decree 861 p.15, p.103–105, p.110)

Revision ID: 0020_annulment_ground
Revises: 0019_applicant_group
Create Date: 2026-12-03 18:30:00

applications.annulment_ground: the code of the ground staff or the daily run annulled the
application on (app.applications.models.AnnulmentGround), with its CHECK. Null for every
existing row: they were annulled with a free-text reason only (closing_reason keeps it).

A plain ADD COLUMN with the CHECK inline, on SQLite and PostgreSQL alike: a batch copy of
`applications` would trip the foreign keys that point at it (see 0012).
"""

from alembic import op

revision = "0020_annulment_ground"
down_revision = "0019_applicant_group"
branch_labels = None
depends_on = None

GROUNDS = ("no_info", "unsigned", "unpaid")


def upgrade():
    values = ", ".join(f"'{g}'" for g in GROUNDS)
    op.execute(
        "ALTER TABLE applications ADD COLUMN annulment_ground VARCHAR(24) "
        f"CONSTRAINT ck_applications_annulment_ground CHECK (annulment_ground IN ({values}))"
    )


def downgrade():
    op.drop_column("applications", "annulment_ground")
