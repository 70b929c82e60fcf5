"""Groups, their members, trusted mediators and log; private debates; access codes and
accounts without an email address

Revision ID: d4e6f8a0b2c4
Revises: c9a1e5d7b3f2
Create Date: 2026-12-07 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d4e6f8a0b2c4"
down_revision = "c9a1e5d7b3f2"
branch_labels = None
depends_on = None

MESSAGE = "the group log is append-only"
GROUP_ACTIONS = (
    "created",
    "member_added",
    "member_removed",
    "role_changed",
    "mediator_added",
    "mediator_removed",
    "codes_issued",
    "codes_revoked",
    "recovery_code_issued",
    "joined_with_code",
    "recovered_with_code",
    "suspended",
    "unsuspended",
    "debate_started",
)


def fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade():
    op.create_table(
        "group_space",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspension_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("length(name) >= 3", name=op.f("ck_group_space_name_length")),
        sa.CheckConstraint(
            "length(description) <= 500", name=op.f("ck_group_space_description_length")
        ),
        sa.CheckConstraint(
            "(suspended_at IS NULL) = (suspension_reason IS NULL)",
            name=op.f("ck_group_space_suspension_has_reason"),
        ),
        fk("group_space", "created_by_id", "user", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_space")),
        sa.UniqueConstraint("slug", name=op.f("uq_group_space_slug")),
    )
    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "facilitator",
                "member",
                name="group_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        fk("group_member", "group_id", "group_space", "CASCADE"),
        fk("group_member", "user_id", "user", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_member")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_group_member_group_id_user_id")),
    )
    op.create_index(op.f("ix_group_member_user_id"), "group_member", ["user_id"])
    op.create_table(
        "group_mediator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        fk("group_mediator", "group_id", "group_space", "CASCADE"),
        fk("group_mediator", "user_id", "user", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_mediator")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_group_mediator_group_id_user_id")),
    )
    op.create_index(op.f("ix_group_mediator_user_id"), "group_mediator", ["user_id"])
    op.create_table(
        "group_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in GROUP_ACTIONS) + ")",
            name=op.f("ck_group_log_known_action"),
        ),
        fk("group_log", "group_id", "group_space", "CASCADE"),
        fk("group_log", "actor_id", "user", "RESTRICT"),
        fk("group_log", "subject_id", "user", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_log")),
    )
    op.create_index("ix_group_log_group", "group_log", ["group_id", "id"])
    op.create_table(
        "code_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("size BETWEEN 1 AND 100", name=op.f("ck_code_sheet_size_range")),
        sa.CheckConstraint(
            "expires_at > issued_at", name=op.f("ck_code_sheet_expires_after_issued")
        ),
        fk("code_sheet", "group_id", "group_space", "CASCADE"),
        fk("code_sheet", "debate_id", "debate", "CASCADE"),
        fk("code_sheet", "issued_by_id", "user", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_sheet")),
    )
    op.create_index(op.f("ix_code_sheet_group_id"), "code_sheet", ["group_id"])
    op.create_table(
        "access_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum(
                "join",
                "recover",
                name="code_purpose",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("for_user_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(purpose = 'join') = (sheet_id IS NOT NULL AND for_user_id IS NULL)"
            " AND (purpose = 'recover') = (sheet_id IS NULL AND for_user_id IS NOT NULL)",
            name=op.f("ck_access_code_fields_of_purpose"),
        ),
        fk("access_code", "group_id", "group_space", "CASCADE"),
        fk("access_code", "sheet_id", "code_sheet", "CASCADE"),
        fk("access_code", "for_user_id", "user", "CASCADE"),
        fk("access_code", "issued_by_id", "user", "RESTRICT"),
        fk("access_code", "used_by_id", "user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_access_code_code_hash")),
    )
    op.create_index(op.f("ix_access_code_group_id"), "access_code", ["group_id"])
    op.create_index(op.f("ix_access_code_sheet_id"), "access_code", ["sheet_id"])

    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_debate_group_id"), ["group_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_debate_group_id_group_space"),
            "group_space",
            ["group_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_debate_debate_audience"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_debate_debate_audience"),
            "audience IN ('public', 'unlisted', 'private')",
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_no_login_when_imported_or_deleted"), "check")
        batch_op.drop_constraint(batch_op.f("ck_user_login_fields_together"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_user_login_fields_together"),
            "(email IS NULL AND password_hash IS NULL AND pseudonym_key IS NULL)"
            " OR (password_hash IS NOT NULL AND pseudonym_key IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_user_no_login_when_imported_or_deleted"),
            "password_hash IS NULL OR (NOT is_imported AND deleted_at IS NULL)",
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION group_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$
        """)
        op.execute("""
            CREATE TRIGGER group_log_append_only BEFORE UPDATE ON group_log
            FOR EACH ROW EXECUTE FUNCTION group_log_append_only()
        """)
    else:
        op.execute(f"""
            CREATE TRIGGER group_log_no_update BEFORE UPDATE ON group_log
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER group_log_append_only ON group_log")
        op.execute("DROP FUNCTION group_log_append_only()")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_no_login_when_imported_or_deleted"), "check")
        batch_op.drop_constraint(batch_op.f("ck_user_login_fields_together"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_user_login_fields_together"),
            "(email IS NULL AND password_hash IS NULL AND pseudonym_key IS NULL)"
            " OR (email IS NOT NULL AND password_hash IS NOT NULL AND pseudonym_key IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_user_no_login_when_imported_or_deleted"),
            "email IS NULL OR (NOT is_imported AND deleted_at IS NULL)",
        )
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_debate_debate_audience"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_debate_debate_audience"), "audience IN ('public', 'unlisted')"
        )
        batch_op.drop_constraint(batch_op.f("fk_debate_group_id_group_space"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_debate_group_id"))
        batch_op.drop_column("group_id")
    for table in ("access_code", "code_sheet", "group_log", "group_mediator", "group_member"):
        op.drop_table(table)
    op.drop_table("group_space")
