"""Indexes of the motion's own arguments (parent_id IS NULL) in each order a page lists them:
PostgreSQL read the tree indexes in order only past "=" comparisons, so a debate page sorted
every top-level argument to show the first few (15 ms at 100,000 arguments, 0.1 ms now)

Revision ID: b5d0a6c3e1f7
Revises: c4b8e2f17a90
Create Date: 2026-12-07 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b5d0a6c3e1f7"
down_revision = "c4b8e2f17a90"
branch_labels = None
depends_on = None

ORDERS = {
    "best": ["score", "agree_count", "id"],
    "new": ["created_at", "id"],
    "discussed": ["descendant_count", "score", "id"],
}


def upgrade():
    for order, columns in ORDERS.items():
        op.create_index(
            f"ix_argument_top_{order}",
            "argument",
            ["debate_id", "stance", *columns],
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        )


def downgrade():
    for order in ORDERS:
        op.drop_index(f"ix_argument_top_{order}", table_name="argument")
