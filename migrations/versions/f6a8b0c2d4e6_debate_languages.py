"""A debate's other languages (debate_language) and each contribution's (argument.language)

Revision ID: f6a8b0c2d4e6
Revises: e5f7a9b1c3d5
Create Date: 2026-12-07 23:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f6a8b0c2d4e6"
down_revision = "e5f7a9b1c3d5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "debate_language",
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=35), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("length(tag) >= 2", name=op.f("ck_debate_language_tag_not_empty")),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debate.id"],
            name=op.f("fk_debate_language_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("debate_id", "tag", name=op.f("pk_debate_language")),
        sa.UniqueConstraint(
            "debate_id", "position", name=op.f("uq_debate_language_debate_id_position")
        ),
    )
    with op.batch_alter_table("argument") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table("argument") as batch_op:
        batch_op.drop_column("language")
    op.drop_table("debate_language")
