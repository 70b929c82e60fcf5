"""In-person circles (circle) and their counts per community (circle_count)

Revision ID: b8c0d2e4f6a8
Revises: a7b9c1d3e5f7
Create Date: 2026-12-08 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b8c0d2e4f6a8"
down_revision = "a7b9c1d3e5f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "circle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(place) BETWEEN 2 AND 80", name=op.f("ck_circle_place_length")
        ),
        sa.CheckConstraint(
            "confirmed_by_id IS NULL OR entered_by_id IS NULL OR confirmed_by_id <> entered_by_id",
            name=op.f("ck_circle_two_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["user.id"], name=op.f("fk_circle_confirmed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["circle.id"],
            name=op.f("fk_circle_corrects_id_circle"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_circle_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["user.id"], name=op.f("fk_circle_entered_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle")),
    )
    op.create_index(op.f("ix_circle_corrects_id"), "circle", ["corrects_id"])
    op.create_table(
        "circle_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=False),
        sa.Column("opening_for", sa.Integer(), nullable=False),
        sa.Column("opening_against", sa.Integer(), nullable=False),
        sa.Column("opening_undecided", sa.Integer(), nullable=False),
        sa.Column("closing_for", sa.Integer(), nullable=False),
        sa.Column("closing_against", sa.Integer(), nullable=False),
        sa.Column("closing_undecided", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "attendance BETWEEN 1 AND 100000 AND opening_for >= 0 AND opening_against >= 0"
            " AND opening_undecided >= 0 AND closing_for >= 0 AND closing_against >= 0"
            " AND closing_undecided >= 0",
            name=op.f("ck_circle_count_counts_in_range"),
        ),
        sa.CheckConstraint(
            "opening_for + opening_against + opening_undecided <= attendance"
            " AND closing_for + closing_against + closing_undecided <= attendance",
            name=op.f("ck_circle_count_hands_within_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circle.id"], name=op.f("fk_circle_count_circle_id_circle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"],
            name=op.f("fk_circle_count_community_id_community"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_count")),
        sa.UniqueConstraint(
            "circle_id", "community_id", name=op.f("uq_circle_count_circle_id_community_id")
        ),
    )


def downgrade():
    op.drop_table("circle_count")
    op.drop_table("circle")
