"""Restore drills for `deliberate backup` and `deliberate restore`: every format must give
back exactly the database it was taken from, or fail saying why and leave nothing behind."""

import enum
import gzip
import hashlib
import json
import shutil
import uuid
from datetime import UTC, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text, update

from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Argument, Debate, Visibility
from deliberate.results.cache import results_for

from .conftest import base_config, empty_tables

SCRATCH_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def seed() -> None:
    """To the demo debates (tests marked `seeded`), add their cached results (JSON columns)
    and an argument merged into a later one (a reference the restore can only set once the
    later row exists)."""
    for debate in db.session.scalars(select(Debate)):
        results_for(debate)
    first, last = db.session.execute(select(func.min(Argument.id), func.max(Argument.id))).one()
    db.session.execute(
        update(Argument)
        .where(Argument.id == first)
        .values(merged_into_id=last, visibility=Visibility.MERGED)
    )
    db.session.commit()


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and content hash of every table, in values both databases share."""
    db.session.remove()
    with db.engine.connect() as conn:
        return {
            table.name: digest(conn.execute(select(table)).all())
            for table in db.metadata.sorted_tables
        }


def digest(rows) -> tuple[int, str]:
    lines = sorted(repr(tuple(normal(value) for value in row)) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def normal(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def empty_database() -> None:
    """As conftest empties PostgreSQL (TRUNCATE passes the moderation log's no-DELETE
    trigger). SQLite has no TRUNCATE: its triggers step aside and come back as they were."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        empty_tables()
        return
    with db.engine.begin() as conn:
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        assert triggers, "the moderation log's append-only triggers"
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)


def is_empty() -> bool:
    return all(count == 0 for count, _hash in fingerprint().values())


def invoke(runner, *args, **kwargs):
    return runner.invoke(args=[str(a) for a in args], **kwargs)


def refused(result, message: str) -> None:
    """Failed with a message, not a traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output, result.output


@pytest.mark.seeded
def test_portable_round_trip_and_new_rows_after_it(
    runner, tmp_path, make_debate, make_argument, make_user, vote
):
    seed()
    before = fingerprint()
    path = tmp_path / "site.jsonl.gz"
    result = invoke(runner, "backup", path)
    assert result.exit_code == 0, result.output
    assert f"argument_vote: {before['argument_vote'][0]} rows" in result.output
    empty_database()
    assert is_empty()

    result = invoke(runner, "restore", path)
    assert result.exit_code == 0, result.output
    assert f"argument: {before['argument'][0]} rows" in result.output
    assert fingerprint() == before
    # The id sequences moved past the restored rows (PostgreSQL), so new rows fit in.
    argument = make_argument(make_debate())
    vote(make_user(), argument, 1)


@pytest.mark.seeded
def test_portable_restore_refuses_a_database_with_data(runner, tmp_path):
    seed()
    path = tmp_path / "site.jsonl.gz"
    assert invoke(runner, "backup", path).exit_code == 0
    before = fingerprint()
    refused(invoke(runner, "restore", path), "already holds data")
    assert fingerprint() == before


def rewrite(path, change) -> int:
    """Change the backup's lines in place; returns the number of the line changed."""
    with gzip.open(path, "rt", encoding="utf-8") as file:
        lines = file.read().splitlines()
    number = change(lines)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    return number


def truncate_last_line(lines):
    lines[-1] = lines[-1][:-3]
    return len(lines)


def add_a_value_to_a_vote(lines):
    votes = lines.index(next(line for line in lines if '"table":"argument_vote"' in line))
    number = next(i for i in range(votes + 1, len(lines)) if lines[i].startswith("{"))
    lines[number - 1] = lines[number - 1][:-1] + ",1]"  # the last vote (line `number`)
    return number


@pytest.mark.seeded
def test_malformed_portable_backup_fails_naming_the_line_and_leaves_nothing(runner, tmp_path):
    seed()
    good = tmp_path / "site.jsonl.gz"
    assert invoke(runner, "backup", good).exit_code == 0
    empty_database()
    for change, message in (
        (truncate_last_line, "not JSON"),
        (add_a_value_to_a_vote, "8 values for 7 columns"),
    ):
        bad = tmp_path / "bad.jsonl.gz"
        shutil.copyfile(good, bad)
        number = rewrite(bad, change)
        refused(invoke(runner, "restore", bad), f"line {number}: {message}")
        assert is_empty()

    def old_revision(lines):
        lines[0] = json.dumps({**json.loads(lines[0]), "alembic_revision": "0123abcd"})

    rewrite(bad, old_revision)
    refused(invoke(runner, "restore", bad), "The backup is at revision 0123abcd")
    bad.write_bytes(b"not gzip at all")
    refused(invoke(runner, "restore", bad), "line 1: unreadable")
    assert is_empty()


def native_suffix() -> str:
    if db.engine.dialect.name == "sqlite":
        return ".sqlite3"
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("the PostgreSQL client tools are not installed")
    return ".dump"


@pytest.mark.seeded
def test_native_backup_and_restore(runner, tmp_path, make_user):
    path = tmp_path / f"site{native_suffix()}"
    seed()
    at_backup = fingerprint()
    result = invoke(runner, "backup", path)
    assert result.exit_code == 0, result.output
    assert f"user: {at_backup['user'][0]} rows" in result.output
    make_user(pseudonym="After the backup")
    changed = fingerprint()
    assert changed != at_backup

    result = invoke(runner, "restore", path, input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert fingerprint() == changed
    result = invoke(runner, "restore", path, "--yes")
    assert result.exit_code == 0, result.output
    assert fingerprint() == at_backup


def test_expected_failures_are_messages_not_tracebacks(runner, tmp_path, monkeypatch):
    on_sqlite = db.engine.dialect.name == "sqlite"
    other = ".dump" if on_sqlite else ".sqlite3"
    refused(invoke(runner, "backup", tmp_path / f"site{other}"), "format but this database is")
    refused(invoke(runner, "backup", tmp_path / "site.zip"), "Unknown backup format")
    refused(invoke(runner, "backup", tmp_path / "no" / "site.jsonl.gz"), "No such file")
    result = invoke(runner, "restore", tmp_path / "missing.jsonl.gz")
    assert result.exit_code == 2 and "does not exist" in result.output
    if on_sqlite:
        refused(invoke(runner, "backup", db.engine.url.database), "the live database itself")
        (tmp_path / "junk.sqlite3").write_text("not a database")
        refused(invoke(runner, "restore", tmp_path / "junk.sqlite3", "--yes"), "not a usable")
    else:
        monkeypatch.setattr(shutil, "which", lambda name: None)
        refused(invoke(runner, "backup", tmp_path / "site.dump"), "pg_dump was not found")


@pytest.fixture
def scratch_postgres():
    """A new, uniquely named database on a local PostgreSQL server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        server = psycopg.connect(SCRATCH_SERVER, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432")
    name = f"deliberate_move_{uuid.uuid4().hex[:12]}"
    with server:
        server.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.seeded
def test_moving_from_sqlite_to_postgresql(app, runner, tmp_path, request):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the move starts from SQLite")
    postgres_url = request.getfixturevalue("scratch_postgres")
    seed()
    on_sqlite = fingerprint()
    path = tmp_path / "site.jsonl.gz"
    assert invoke(runner, "backup", path).exit_code == 0

    target = create_app(base_config(postgres_url))
    with target.app_context():
        upgrade()
        result = invoke(target.test_cli_runner(), "restore", path)
        assert result.exit_code == 0, result.output
        assert fingerprint() == on_sqlite
        db.engine.dispose()
