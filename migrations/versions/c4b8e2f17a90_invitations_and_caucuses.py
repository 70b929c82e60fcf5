"""Appointments are invitations (debate_role.accepted_at); caucuses that ratify the
agreement (community.caucus) and their threshold (debate.ratify_percent); the side of the
motion each argument helps (argument.side)

Revision ID: c4b8e2f17a90
Revises: 15de0e9fff8d
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4b8e2f17a90"
down_revision = "15de0e9fff8d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("debate_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
    # Roles held before invitations existed count as accepted when they began.
    op.execute("UPDATE debate_role SET accepted_at = started_at")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("caucus", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ratify_percent", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.create_check_constraint(
            op.f("ck_debate_ratify_percent_range"), "ratify_percent BETWEEN 50 AND 100"
        )


    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.add_column(sa.Column("side", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_argument_side_of_the_motion"), "side IN ('for', 'against')"
        )
    _fill_sides()


def _fill_sides():
    """Parents come before their replies in depth order: each side follows from its
    parent's (models.motion_side)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, parent_id, stance FROM argument ORDER BY depth, id")
    ).all()
    sides: dict[int, str | None] = {}
    for argument_id, parent_id, stance in rows:
        if stance is None:
            side = None
        elif parent_id is None:
            side = "for" if stance == "pro" else "against"
        elif sides.get(parent_id) is None:
            side = None
        elif stance == "pro":
            side = sides[parent_id]
        else:
            side = "against" if sides[parent_id] == "for" else "for"
        sides[argument_id] = side
    updates = [{"id": i, "side": side} for i, side in sides.items() if side is not None]
    if updates:
        connection.execute(sa.text("UPDATE argument SET side = :side WHERE id = :id"), updates)


def downgrade():
    with op.batch_alter_table("argument", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_argument_side_of_the_motion"), type_="check")
        batch_op.drop_column("side")
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_debate_ratify_percent_range"), type_="check")
        batch_op.drop_column("ratify_percent")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("caucus")
    # Invitations never accepted were never roles.
    op.execute("DELETE FROM debate_role WHERE accepted_at IS NULL")
    with op.batch_alter_table("debate_role", schema=None) as batch_op:
        batch_op.drop_column("accepted_at")
