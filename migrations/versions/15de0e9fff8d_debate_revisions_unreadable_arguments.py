"""debate_revision (the public history of a debate's motion and background); an index of
the arguments readers cannot read

Revision ID: 15de0e9fff8d
Revises: a7e3c1d9b2f4
Create Date: 2026-12-07 12:44:46

"""

import sqlalchemy as sa
from alembic import op

revision = "15de0e9fff8d"
down_revision = "a7e3c1d9b2f4"
branch_labels = None
depends_on = None

UNREADABLE = "visibility IN ('flagged', 'hidden') AND deleted_at IS NULL"


def upgrade():
    op.create_table(
        "debate_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("motion", sa.String(length=300), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debate.id"],
            name=op.f("fk_debate_revision_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["user.id"],
            name=op.f("fk_debate_revision_edited_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debate_revision")),
    )
    with op.batch_alter_table("debate_revision", schema=None) as batch_op:
        batch_op.create_index("ix_debate_revision_debate_id", ["debate_id", "id"], unique=False)
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.create_index(
            "ix_argument_unreadable",
            ["debate_id"],
            unique=False,
            sqlite_where=sa.text(UNREADABLE),
            postgresql_where=sa.text(UNREADABLE),
        )


def downgrade():
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.drop_index("ix_argument_unreadable")
    with op.batch_alter_table("debate_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_debate_revision_debate_id")
    op.drop_table("debate_revision")
