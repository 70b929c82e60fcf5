"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from deliberate.extensions import db


def test_upgrading_an_empty_database_yields_the_models_schema(app):
    # The session's test database was created empty and upgraded by the migrations (conftest).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_constraints_live_in_the_database(app):
    inspector = inspect(db.engine)
    vote_uniques = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("argument_vote")
    }
    assert ("argument_id", "user_id") in vote_uniques
    checks = {c["name"] for c in inspector.get_check_constraints("argument")}
    assert {"ck_argument_body_length", "ck_argument_depth_matches_parent"} <= checks
    foreign = {fk["referred_table"] for fk in inspector.get_foreign_keys("argument")}
    assert foreign == {"argument", "debate", "user"}


def test_the_database_refuses_a_second_vote_and_bad_values(
    app, make_debate, make_argument, make_user
):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from deliberate.models import ArgumentVote

    argument = make_argument(make_debate())
    voter = make_user()
    db.session.add(ArgumentVote(argument_id=argument.id, user_id=voter.id, value=1))
    db.session.commit()
    for row in (
        ArgumentVote(argument_id=argument.id, user_id=voter.id, value=-1),
        ArgumentVote(argument_id=argument.id, user_id=make_user().id, value=5),
    ):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
