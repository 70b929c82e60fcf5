"""accounts security, imported conversations, open-question format

Revision ID: 3908df560f9b
Revises: 82d640dd8e5a
Create Date: 2026-11-28 06:49:33.377932

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3908df560f9b'
down_revision = '82d640dd8e5a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_password_reset_expires_after_created')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('argument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unreviewed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('pass_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.alter_column('stance', existing_type=sa.VARCHAR(length=16), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_argument_debate_id_external_id'), ['debate_id', 'external_id'])
        batch_op.drop_constraint(op.f('ck_argument_counts_not_negative'), type_='check')
        batch_op.create_check_constraint(op.f('ck_argument_counts_not_negative'), 'agree_count >= 0 AND disagree_count >= 0 AND pass_count >= 0 AND reply_count >= 0 AND descendant_count >= reply_count')
        batch_op.create_check_constraint(op.f('ck_argument_replies_take_sides'), 'stance IS NOT NULL OR parent_id IS NULL')

    with op.batch_alter_table('argument_vote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_argument_vote_value_agree_or_disagree'), type_='check')
        batch_op.create_check_constraint(op.f('ck_argument_vote_value_agree_disagree_or_pass'), 'value IN (-1, 0, 1)')

    with op.batch_alter_table('debate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=16), nullable=False, server_default='motion'))
        batch_op.create_check_constraint(op.f('ck_debate_debate_format'), "format IN ('motion', 'question')")

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.Integer(), nullable=True))
        batch_op.alter_column('position_before', existing_type=sa.VARCHAR(length=16), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_participant_debate_id_external_id'), ['debate_id', 'external_id'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_imported', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.alter_column('pseudonym_key', existing_type=sa.VARCHAR(length=40), nullable=True)
        batch_op.alter_column('email', existing_type=sa.VARCHAR(length=254), nullable=True)
        batch_op.alter_column('password_hash', existing_type=sa.VARCHAR(length=255), nullable=True)
        batch_op.create_check_constraint(op.f('ck_user_login_fields_together'), '(email IS NULL AND password_hash IS NULL AND pseudonym_key IS NULL) OR (email IS NOT NULL AND password_hash IS NOT NULL AND pseudonym_key IS NOT NULL)')
        batch_op.create_check_constraint(op.f('ck_user_no_login_when_imported_or_deleted'), 'email IS NULL OR (NOT is_imported AND deleted_at IS NULL)')

    # Every existing account gets its own random session token.
    users = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_no_login_when_imported_or_deleted'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_login_fields_together'), type_='check')
        batch_op.alter_column('password_hash', existing_type=sa.VARCHAR(length=255), nullable=False)
        batch_op.alter_column('email', existing_type=sa.VARCHAR(length=254), nullable=False)
        batch_op.alter_column('pseudonym_key', existing_type=sa.VARCHAR(length=40), nullable=False)
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('session_token')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('is_imported')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_participant_debate_id_external_id'), type_='unique')
        batch_op.alter_column('position_before', existing_type=sa.VARCHAR(length=16), nullable=False)
        batch_op.drop_column('external_id')

    with op.batch_alter_table('debate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_debate_debate_format'), type_='check')
        batch_op.drop_column('format')

    with op.batch_alter_table('argument_vote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_argument_vote_value_agree_disagree_or_pass'), type_='check')
        batch_op.create_check_constraint(op.f('ck_argument_vote_value_agree_or_disagree'), 'value IN (-1, 1)')

    with op.batch_alter_table('argument', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_argument_replies_take_sides'), type_='check')
        batch_op.drop_constraint(op.f('ck_argument_counts_not_negative'), type_='check')
        batch_op.create_check_constraint(op.f('ck_argument_counts_not_negative'), 'agree_count >= 0 AND disagree_count >= 0 AND reply_count >= 0 AND descendant_count >= reply_count')
        batch_op.drop_constraint(batch_op.f('uq_argument_debate_id_external_id'), type_='unique')
        batch_op.alter_column('stance', existing_type=sa.VARCHAR(length=16), nullable=False)
        batch_op.drop_column('pass_count')
        batch_op.drop_column('unreviewed')
        batch_op.drop_column('external_id')

    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
