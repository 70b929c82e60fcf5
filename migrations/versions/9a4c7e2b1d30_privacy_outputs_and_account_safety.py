"""privacy: figures in batches, public vote records, server-side sessions, opaque address
links, pseudonyms compared by their confusables skeleton

Revision ID: 9a4c7e2b1d30
Revises: e319defc370e
Create Date: 2026-12-07 10:18:38

"""

import icu
import sqlalchemy as sa
from alembic import op

revision = "9a4c7e2b1d30"
down_revision = "e319defc370e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "address_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "register",
                "email",
                name="link_purpose",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=True),
        sa.Column("next_url", sa.String(length=500), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("account_check", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(purpose = 'register') = (user_id IS NULL AND pseudonym IS NOT NULL)",
            name=op.f("ck_address_link_fields_of_purpose"),
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_address_link_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_address_link_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_address_link_token_hash")),
    )
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_login_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "pending_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debate.id"],
            name=op.f("fk_pending_change_debate_id_debate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_pending_change_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_change")),
        sa.UniqueConstraint(
            "debate_id", "user_id", name=op.f("uq_pending_change_debate_id_user_id")
        ),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vote_record_public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    # Whoever declared a community, wrote an argument or deleted their account already keeps
    # their votes out of the row-by-row downloads (participants imported from Pol.is aside).
    op.execute(
        """
        UPDATE participant SET vote_record_public = false
        WHERE external_id IS NULL AND (
            community_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM argument
                       WHERE argument.debate_id = participant.debate_id
                         AND argument.author_id = participant.user_id)
            OR EXISTS (SELECT 1 FROM "user"
                       WHERE "user".id = participant.user_id AND "user".deleted_at IS NOT NULL)
        )
        """
    )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column(
            "pseudonym_key",
            existing_type=sa.VARCHAR(length=40),
            type_=sa.String(length=160),
            existing_nullable=True,
        )
    _skeleton_keys()


def _skeleton_keys():
    """Every pseudonym key becomes the confusables skeleton of the case-folded pseudonym
    (accounts/pseudonyms.py, whose rule is repeated here: a migration does not import the
    app). Two existing accounts whose names only look alike both stay: the later one's key
    gets its id appended, so it cannot collide, and new look-alikes of either are refused."""
    import unicodedata

    checker = icu.SpoofChecker()
    connection = op.get_bind()
    rows = connection.execute(
        sa.text('SELECT id, pseudonym FROM "user" WHERE pseudonym_key IS NOT NULL ORDER BY id')
    ).all()
    # Clear them first, so the new keys never meet an old one in the unique index.
    for user_id, _pseudonym in rows:
        connection.execute(
            sa.text('UPDATE "user" SET pseudonym_key = :key WHERE id = :id'),
            {"key": f"#migrating {user_id}", "id": user_id},
        )
    taken = set()
    for user_id, pseudonym in rows:
        folded = " ".join(unicodedata.normalize("NFKC", pseudonym).casefold().split())
        key = checker.getSkeleton(0, folded)
        if key in taken:
            key = f"{key} #{user_id}"
        taken.add(key)
        connection.execute(
            sa.text('UPDATE "user" SET pseudonym_key = :key WHERE id = :id'),
            {"key": key[:160], "id": user_id},
        )


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.text('SELECT id, pseudonym FROM "user" WHERE pseudonym_key IS NOT NULL')
    ).all()
    for user_id, pseudonym in rows:
        key = " ".join(pseudonym.casefold().split())[:40]
        connection.execute(
            sa.text('UPDATE "user" SET pseudonym_key = :key WHERE id = :id'),
            {"key": f"{key[:33]} #{user_id}" if len(key) > 33 else key, "id": user_id},
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column(
            "pseudonym_key",
            existing_type=sa.String(length=160),
            type_=sa.VARCHAR(length=40),
            existing_nullable=True,
        )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("vote_record_public")

    op.drop_table("pending_change")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))

    op.drop_table("login_session")
    op.drop_table("address_link")
