"""Moderation that cannot be sidestepped: edits held for review, flags per edition of a
text, merges that can be undone, declined co-signatures, notices tied to their sanction

Revision ID: e319defc370e
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-07 10:03:44

"""

import sqlalchemy as sa
from alembic import op

revision = "e319defc370e"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None

STATUSES = "'awaiting_cosign', 'active', 'overturned'"


def upgrade():
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("moved_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_argument_moved_from_id_argument"),
            "argument",
            ["moved_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_argument_pending_body_length"),
            "pending_body IS NULL OR length(pending_body) BETWEEN 10 AND 2000",
        )

    with op.batch_alter_table("argument_vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_argument_vote_moved_from_id_argument"),
            "argument",
            ["moved_from_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edition", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint(batch_op.f("uq_flag_argument_id_flagger_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_flag_argument_id_flagger_id_edition"),
            ["argument_id", "flagger_id", "edition"],
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sanction_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_sanction_id_sanction"),
            "sanction",
            ["sanction_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("sanction", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sanction_sanction_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_sanction_sanction_status"), f"status IN ({STATUSES}, 'declined')"
        )


def downgrade():
    op.execute("DELETE FROM sanction WHERE status = 'declined'")
    with op.batch_alter_table("sanction", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sanction_sanction_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_sanction_sanction_status"), f"status IN ({STATUSES})"
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_sanction_id_sanction"), type_="foreignkey"
        )
        batch_op.drop_column("sanction_id")

    # Two flags of one person on one argument (different editions) cannot both stay.
    op.execute("DELETE FROM flag WHERE edition > 0")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_flag_argument_id_flagger_id_edition"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_flag_argument_id_flagger_id"), ["argument_id", "flagger_id"]
        )
        batch_op.drop_column("edition")

    with op.batch_alter_table("argument_vote", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_argument_vote_moved_from_id_argument"), type_="foreignkey"
        )
        batch_op.drop_column("moved_from_id")

    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_argument_pending_body_length"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_argument_moved_from_id_argument"), type_="foreignkey"
        )
        batch_op.drop_column("moved_from_id")
        batch_op.drop_column("pending_body")
