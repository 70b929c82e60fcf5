"""debate.audience: public (listed) or unlisted (found only through its link)

Revision ID: a1b2c3d4e5f6
Revises: f3a9b8c7d6e5
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "f3a9b8c7d6e5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=16), nullable=False, server_default="public")
        )
        batch_op.create_check_constraint(
            op.f("ck_debate_debate_audience"), "audience IN ('public', 'unlisted')"
        )


def downgrade():
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_debate_audience"), type_="check")
        batch_op.drop_column("audience")
