"""Pol.is's newer exports: a participant's xid, meta and seed statements; three more
versions of Pol.is's math for debate.group_method

Revision ID: e5f7a9b1c3d5
Revises: d4e6f8a0b2c4
Create Date: 2026-12-07 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5f7a9b1c3d5"
down_revision = "d4e6f8a0b2c4"
branch_labels = None
depends_on = None


METHODS_BEFORE = ("current", "legacy")
METHODS = (*METHODS_BEFORE, "reloaded", "mid2017", "late2017")


def methods_check(batch_op, methods) -> None:
    listed = ", ".join(f"'{m}'" for m in methods)
    batch_op.create_check_constraint(op.f("ck_debate_group_method"), f"group_method IN ({listed})")


def upgrade():
    with op.batch_alter_table("debate") as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_group_method"), type_="check")
        methods_check(batch_op, METHODS)
    with op.batch_alter_table("participant") as batch_op:
        batch_op.add_column(sa.Column("external_xid", sa.String(length=255), nullable=True))
    with op.batch_alter_table("argument") as batch_op:
        batch_op.add_column(
            sa.Column("meta", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("seed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("debate") as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_group_method"), type_="check")
        methods_check(batch_op, METHODS_BEFORE)
    with op.batch_alter_table("argument") as batch_op:
        batch_op.drop_column("seed")
        batch_op.drop_column("meta")
    with op.batch_alter_table("participant") as batch_op:
        batch_op.drop_column("external_xid")
