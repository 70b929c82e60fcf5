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


def test_upgrading_keeps_existing_data_and_backfills_roles_and_rules(tmp_path):
    """A database made by the first release, with data in it, upgraded to the latest."""
    import os

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from deliberate import create_app

    from .conftest import base_config

    url = os.environ.get("DELIBERATE_DATABASE_URL", "")
    if url.startswith("postgresql"):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS deliberate_upgrade_test"))
            conn.execute(text("CREATE DATABASE deliberate_upgrade_test"))
        admin.dispose()
        url = url.rsplit("/", 1)[0] + "/deliberate_upgrade_test"
    else:
        url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    app = create_app(base_config(url))
    with app.app_context():
        upgrade(revision="607aa56edd61")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO "user" (id, pseudonym, pseudonym_key, email, password_hash, is_admin,'
                    " is_demo, created_at) VALUES (1, 'Old One', 'old one', 'old@example.org', '!',"
                    " false, false, '2026-01-01 00:00:00+00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO debate (id, slug, motion, background, background_html, organiser_id,"
                    " status, created_at, updated_at, argument_count, participant_count, vote_count,"
                    " before_for, before_against, before_undecided, after_for, after_against,"
                    " after_undecided) VALUES (1, 'old', 'An old question, still open?', '', '', 1,"
                    " 'open', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', 1, 1, 0, 1, 0, 0, 0,"
                    " 0, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO participant (debate_id, user_id, position_before, joined_at)"
                    " VALUES (1, 1, 'for', '2026-01-01 00:00:00+00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO argument (id, debate_id, author_id, stance, body, body_html, depth,"
                    " path, created_at, agree_count, disagree_count, score, reply_count,"
                    " descendant_count) VALUES (1, 1, 1, 'pro', 'An argument from before.', '', 0,"
                    " '0000000001', '2026-01-01 00:00:00+00', 0, 0, 0, 0, 0)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("participant", "argument", "debate_role", "ground_rule")
            ]
            assert counts == [1, 1, 1, 6]
            assert conn.execute(text("SELECT phase FROM debate")).scalar() == "open"
            assert conn.execute(text("SELECT rules_accepted_at FROM participant")).scalar()
        db.engine.dispose()
