"""applications: the applicant's group of the Rules of Decree 861 and the facts it follows from

Revision ID: 0019_applicant_group
Revises: 0018_staff_position
Create Date: 2026-12-03 19:00:00

The group (app/connection/groups.py) decides the procedure, the p.16 term and the p.17 fee.
Existing rows get the group their stored facts give: none of them states generation, mobile
devices or a partnership, so those are false or empty. `procedure` keeps the one each existing
application was made in (up to 150 kW the personal-account one), even where its group now
gives the general one: an offer already posted is not remade. `fee_rule` records the fee an invoice
charged (p.17: the preferential fee once in 3 years); empty for the existing invoices, whose
rule was not recorded: a preferential fee before this revision is not counted.
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0019_applicant_group"
down_revision = "0018_staff_position"
branch_labels = None
depends_on = None

PROCEDURES = ("personal_account", "general")
GROUPS = ("temporary_mobile", "individual_15", "partnership", "small_150", "general_670", "over_670")


def _group(applicant_type, power, reliability, load_character, kind) -> str:
    """connection.groups.applicant_group as it stood at this revision, on the stored facts."""
    power = Decimal(power)
    if reliability == 3 and kind != "temporary":
        if applicant_type == "individual" and load_character == "household" and power <= 15:
            return "individual_15"
        if applicant_type in ("legal", "entrepreneur") and power <= 150:
            return "small_150"
    return "general_670" if power <= 670 else "over_670"


def _add_choice_column(name: str, values: tuple[str, ...]) -> None:
    """A string column with the CHECK sa.Enum(create_constraint=True) renders. Not in batch mode:
    on SQLite that copies the table, and the copy loses the search triggers of 0009."""
    condition = f"{name} IN ({', '.join(repr(v) for v in values)})"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE applications ADD COLUMN {name} VARCHAR(20) CONSTRAINT ck_applications_{name} CHECK ({condition})"
        )
    else:
        op.add_column("applications", sa.Column(name, sa.String(20), nullable=True))
        op.create_check_constraint(op.f(f"ck_applications_{name}"), "applications", condition)


def upgrade():
    _add_choice_column("applicant_group", GROUPS)
    _add_choice_column("procedure", PROCEDURES)
    op.add_column("applications", sa.Column("generation", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("applications", sa.Column("mobile_devices", sa.Boolean(), nullable=False, server_default=sa.false()))
    for name in ("requested_term_wd", "partnership_members"):
        op.add_column("applications", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column("applications", sa.Column("fee_rule", sa.String(16), nullable=True))
    applications = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("applicant_type", sa.String),
        sa.column("power_kw", sa.Numeric),
        sa.column("reliability", sa.Integer),
        sa.column("load_character", sa.String),
        sa.column("kind", sa.String),
        sa.column("applicant_group", sa.String),
        sa.column("procedure", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            applications.c.id,
            applications.c.applicant_type,
            applications.c.power_kw,
            applications.c.reliability,
            applications.c.load_character,
            applications.c.kind,
        ).where(applications.c.power_kw.is_not(None))
    ).all()
    by_values: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        group = _group(row.applicant_type, row.power_kw, row.reliability, row.load_character, row.kind)
        procedure = "personal_account" if Decimal(row.power_kw) <= 150 else "general"
        by_values.setdefault((group, procedure), []).append(row.id)
    for (group, procedure), ids in by_values.items():
        for start in range(0, len(ids), 1000):
            connection.execute(
                applications.update()
                .where(applications.c.id.in_(ids[start : start + 1000]))
                .values(applicant_group=group, procedure=procedure)
            )


def downgrade():
    # Batch mode: SQLite cannot drop a column with a CHECK in place. It copies the table, so the
    # search triggers of 0009 are made again.
    with op.batch_alter_table("applications", schema=None) as batch_op:
        for name in ("applicant_group", "procedure"):
            batch_op.drop_constraint(name, type_="check")  # named ck_applications_<name> by the convention
        for name in ("fee_rule", "partnership_members", "requested_term_wd", "mobile_devices", "generation"):
            batch_op.drop_column(name)
        batch_op.drop_column("procedure")
        batch_op.drop_column("applicant_group")
    if op.get_bind().dialect.name == "sqlite":
        _search_triggers()


def _search_triggers() -> None:
    """The triggers of 0009_application_search, which a copied table has lost."""
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS applications_search_insert AFTER INSERT ON applications BEGIN "
        "INSERT INTO applications_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS applications_search_delete AFTER DELETE ON applications BEGIN "
        "INSERT INTO applications_search(applications_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS applications_search_update AFTER UPDATE OF search_text ON applications BEGIN "
        "INSERT INTO applications_search(applications_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO applications_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
