"""Translations of contributions (argument_translation) and of the debate's own texts
(debate_text_translation), the translator role, and the organiser's choice to show machine
drafts (debate.machine_drafts_shown)

Revision ID: a7b9c1d3e5f7
Revises: f6a8b0c2d4e6
Create Date: 2026-12-07 23:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7b9c1d3e5f7"
down_revision = "f6a8b0c2d4e6"
branch_labels = None
depends_on = None

STATUSES = "'proposed', 'published', 'rejected', 'replaced'"


def upgrade():
    with op.batch_alter_table("debate_role") as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_role_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_debate_role_role"), "role IN ('organiser', 'mediator', 'translator')"
        )
    with op.batch_alter_table("debate") as batch_op:
        batch_op.add_column(
            sa.Column(
                "machine_drafts_shown", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "argument_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("argument_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("translator_id", sa.Integer(), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("machine_draft", sa.Boolean(), nullable=False),
        sa.Column("source_edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 4000", name=op.f("ck_argument_translation_body_length")
        ),
        sa.CheckConstraint(
            f"status IN ({STATUSES})", name=op.f("ck_argument_translation_translation_status")
        ),
        sa.ForeignKeyConstraint(
            ["argument_id"],
            ["argument.id"],
            name=op.f("fk_argument_translation_argument_id_argument"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checked_by_id"],
            ["user.id"],
            name=op.f("fk_argument_translation_checked_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debate.id"],
            name=op.f("fk_argument_translation_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["translator_id"],
            ["user.id"],
            name=op.f("fk_argument_translation_translator_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_argument_translation")),
    )
    op.create_index(
        op.f("ix_argument_translation_argument_id"), "argument_translation", ["argument_id"]
    )
    op.create_index(
        op.f("ix_argument_translation_translator_id"), "argument_translation", ["translator_id"]
    )
    op.create_index(
        "ix_argument_translation_debate_status",
        "argument_translation",
        ["debate_id", "status", "id"],
    )
    op.create_index(
        "uq_argument_translation_published",
        "argument_translation",
        ["argument_id", "language"],
        unique=True,
        sqlite_where=sa.text("status = 'published'"),
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "debate_text_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("translator_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(text) BETWEEN 1 AND 4000", name=op.f("ck_debate_text_translation_text_length")
        ),
        sa.CheckConstraint(
            "kind IN ('motion', 'background', 'rule', 'note', 'point')",
            name=op.f("ck_debate_text_translation_text_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debate.id"],
            name=op.f("fk_debate_text_translation_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["translator_id"],
            ["user.id"],
            name=op.f("fk_debate_text_translation_translator_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debate_text_translation")),
        sa.UniqueConstraint(
            "debate_id",
            "kind",
            "ref",
            "language",
            name=op.f("uq_debate_text_translation_debate_id_kind_ref_language"),
        ),
    )


def downgrade():
    op.drop_table("debate_text_translation")
    op.drop_table("argument_translation")
    with op.batch_alter_table("debate") as batch_op:
        batch_op.drop_column("machine_drafts_shown")
    with op.batch_alter_table("debate_role") as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_role_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_debate_role_role"), "role IN ('organiser', 'mediator')"
        )
