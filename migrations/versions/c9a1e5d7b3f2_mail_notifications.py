"""Notifications by email: each person's mail language and choices (mail_setting,
mail_preference), and which notices the mail sender is done with (notification.mailed_at,
notification.mail_claimed_at)

Revision ID: c9a1e5d7b3f2
Revises: b7c8d9e0f1a2
Create Date: 2026-12-08 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c9a1e5d7b3f2"
down_revision = "b7c8d9e0f1a2"
branch_labels = None
depends_on = None

CATEGORIES = (
    "replies",
    "decisions",
    "appointments",
    "cosign",
    "review",
    "phases",
    "agreements",
)
CADENCES = ("off", "at_once", "daily")


def string_enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade():
    op.create_table(
        "mail_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(language) BETWEEN 2 AND 8", name=op.f("ck_mail_setting_language_tag")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_setting_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mail_setting")),
    )
    op.create_table(
        "mail_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", string_enum(CATEGORIES, "mail_category"), nullable=False),
        sa.Column("cadence", string_enum(CADENCES, "mail_cadence"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_mail_preference_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "category", name=op.f("pk_mail_preference")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("mail_claimed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_notification_mailed_at", ["mailed_at"], unique=False)
    # Notices from before mail existed are not mailed now, months late.
    op.execute("UPDATE notification SET mailed_at = created_at")


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_mailed_at")
        batch_op.drop_column("mail_claimed_at")
        batch_op.drop_column("mailed_at")
    op.drop_table("mail_preference")
    op.drop_table("mail_setting")
