"""The site log (site_log): what site admins do to accounts (a second factor reset), with
their reason; append-only in the database, as the moderation log is

Revision ID: f3a9b8c7d6e5
Revises: e7f1c2d3a4b5
Create Date: 2026-12-07 18:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f3a9b8c7d6e5"
down_revision = "e7f1c2d3a4b5"
branch_labels = None
depends_on = None

MESSAGE = "the site log is append-only"


def upgrade():
    op.create_table(
        "site_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "action IN ('second_factor_reset')", name=op.f("ck_site_log_known_action")
        ),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_site_log_reason_given")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_site_log_actor_id_user"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["user.id"],
            name=op.f("fk_site_log_subject_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_log")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION site_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$
        """)
        op.execute("""
            CREATE TRIGGER site_log_append_only BEFORE UPDATE OR DELETE ON site_log
            FOR EACH ROW EXECUTE FUNCTION site_log_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER site_log_no_{event.lower()} BEFORE {event} ON site_log
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER site_log_append_only ON site_log")
        op.execute("DROP FUNCTION site_log_append_only()")
    op.drop_table("site_log")
