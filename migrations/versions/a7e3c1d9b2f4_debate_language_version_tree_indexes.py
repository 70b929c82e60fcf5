"""debate.language, debate.version and debate.results_claimed_at; debate_result.counts; one
index per order the tree is listed in

Revision ID: a7e3c1d9b2f4
Revises: 9a4c7e2b1d30
Create Date: 2026-12-07 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7e3c1d9b2f4"
down_revision = "9a4c7e2b1d30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=35), nullable=False, server_default="en")
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("results_claimed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("debate_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counts", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.drop_index("ix_argument_debate_parent_score")
        batch_op.create_index(
            "ix_argument_best",
            ["debate_id", "parent_id", "stance", "score", "agree_count", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_argument_new", ["debate_id", "parent_id", "stance", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_argument_discussed",
            ["debate_id", "parent_id", "stance", "descendant_count", "score", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.drop_index("ix_argument_discussed")
        batch_op.drop_index("ix_argument_new")
        batch_op.drop_index("ix_argument_best")
        batch_op.create_index(
            "ix_argument_debate_parent_score", ["debate_id", "parent_id", "score"], unique=False
        )
    with op.batch_alter_table("debate_result", schema=None) as batch_op:
        batch_op.drop_column("counts")
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_column("results_claimed_at")
        batch_op.drop_column("version")
        batch_op.drop_column("language")
