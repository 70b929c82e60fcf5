"""debate.group_method: which version of Pol.is's math draws the opinion groups

Revision ID: 5c1d2e3f4a5b
Revises: 3908df560f9b
Create Date: 2026-11-28 11:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5c1d2e3f4a5b"
down_revision = "3908df560f9b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "group_method", sa.String(length=16), nullable=False, server_default="current"
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_debate_group_method"), "group_method IN ('current', 'legacy')"
        )


def downgrade():
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_group_method"), type_="check")
        batch_op.drop_column("group_method")
