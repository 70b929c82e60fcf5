"""results cache, results version, export choice

Revision ID: 82d640dd8e5a
Revises: 8f70c52900d5
Create Date: 2026-11-28 03:29:42.775743

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '82d640dd8e5a'
down_revision = '8f70c52900d5'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('debate_result',
    sa.Column('debate_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.CheckConstraint('seconds >= 0', name=op.f('ck_debate_result_seconds_not_negative')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_debate_result_version_not_negative')),
    sa.ForeignKeyConstraint(['debate_id'], ['debate.id'], name=op.f('fk_debate_result_debate_id_debate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('debate_id', name=op.f('pk_debate_result'))
    )
    with op.batch_alter_table('debate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('export_pseudonyms', sa.Boolean(), nullable=False, server_default=sa.false()))




def downgrade():
    
    with op.batch_alter_table('debate', schema=None) as batch_op:
        batch_op.drop_column('export_pseudonyms')
        batch_op.drop_column('results_version')

    op.drop_table('debate_result')

