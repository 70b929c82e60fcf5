"""Pol.is's newer exports: a participant's xid, meta and seed statements

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


def upgrade():
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
    with op.batch_alter_table("argument") as batch_op:
        batch_op.drop_column("seed")
        batch_op.drop_column("meta")
    with op.batch_alter_table("participant") as batch_op:
        batch_op.drop_column("external_xid")
