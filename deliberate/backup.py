"""`deliberate backup PATH` and `deliberate restore PATH`; PATH's suffix picks the format.

- ``.sqlite3`` or ``.db`` (SQLite only): a consistent copy made with SQLite's online backup
  API, safe while the app serves requests. Restore checks the file (``PRAGMA
  integrity_check``, an ``alembic_version`` table) and copies it back over the live database
  with the same API, so open connections never see a half-written file.
- ``.dump`` (PostgreSQL only): ``pg_dump --format=custom``, restored by ``pg_restore --clean
  --if-exists --single-transaction``. Needs the PostgreSQL client tools on the PATH.
- ``.jsonl.gz`` (either database): portable. A header line, then for each table, parents
  first, a line naming its columns and one JSON array per row. It restores only into an
  empty database migrated to the backup's Alembic revision, in one transaction. This is how
  a platform moves from SQLite to PostgreSQL.

A native restore replaces the whole database, so it asks first (``--yes`` skips the
question); a portable restore needs no question, since it only ever fills an empty database.
"""

import gzip
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump/pg_restore; B603 checks each call
import time
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime
from datetime import time as daytime
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import (
    Connection,
    Integer,
    create_engine,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

FORMAT, VERSION = "deliberate-backup", 1
PORTABLE = ".jsonl.gz"
NATIVE = {"sqlite": (".sqlite3", ".db"), "postgresql": (".dump",)}
BATCH = 1000
SET_SEQUENCE = (
    "SELECT setval(pg_get_serial_sequence(:name, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)"
)
FORMATS_HELP = (
    "The suffix of PATH picks the format: .sqlite3 or .db (SQLite's own copy; SQLite only), "
    ".dump (pg_dump's custom format; PostgreSQL only), .jsonl.gz (portable, either database; "
    "it moves a site from SQLite to PostgreSQL)."
)


@click.command("backup", help=f"Back up the database to PATH. {FORMATS_HELP}")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    started = time.monotonic()
    with readable_errors():
        if backup_format(path) == "portable":
            counts = write_portable(path)
        elif dialect() == "sqlite":
            counts = sqlite_backup(path)
        else:
            counts = pg_dump(path)
    report(counts, f"Backed up to {path}", started)


@click.command(
    "restore",
    help=f"Restore the database from PATH. {FORMATS_HELP} A .jsonl.gz backup restores only "
    "into an empty database migrated to the backup's revision (deliberate db upgrade); the "
    "other formats replace the whole database and ask first.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking (.sqlite3, .dump).")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    started = time.monotonic()
    kind = backup_format(path)
    if kind == "native" and not yes:
        click.confirm(f"This replaces the whole database with {path}. Continue?", abort=True)
    db.session.remove()  # a session's open transaction would block or miss the restore
    with readable_errors():
        if kind == "portable":
            counts = read_portable(path)
        else:
            restore_native(path)
            counts = table_counts(db.engine)
    report(counts, f"Restored from {path}", started)


def dialect() -> str:
    return db.engine.dialect.name


def backup_format(path: Path) -> str:
    """'portable' or 'native'; a native suffix of the other database is refused."""
    if path.name.endswith(PORTABLE):
        return "portable"
    for name, suffixes in NATIVE.items():
        if path.name.endswith(suffixes):
            if name != dialect():
                raise click.ClickException(
                    f"{path.suffix} is {name}'s format but this database is {dialect()}: "
                    f"use {' or '.join(NATIVE[dialect()])}, or {PORTABLE}."
                )
            return "native"
    raise click.ClickException(f"Unknown backup format {path.name!r}. {FORMATS_HELP}")


@contextmanager
def readable_errors() -> Iterator[None]:
    """Expected failures (files, databases) end the command with a message, not a traceback."""
    try:
        yield
    except (OSError, sqlite3.Error) as error:
        raise click.ClickException(str(error)) from None
    except SQLAlchemyError as error:
        raise click.ClickException(str(getattr(error, "orig", None) or error)) from None


def report(counts: dict[str, int], done: str, started: float) -> None:
    for name, count in counts.items():
        click.echo(f"{name}: {count} row{'' if count == 1 else 's'}")
    click.echo(f"{done} in {time.monotonic() - started:.2f} s.")


def table_counts(bind) -> dict[str, int]:
    with bind.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables
        }


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary file beside PATH, renamed to PATH at the end: a failed backup never leaves
    a truncated file that looks like a good one, nor destroys the previous backup."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def database_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def code_revision() -> str | None:
    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


def restore_native(path: Path) -> None:
    db.engine.dispose()  # pooled connections would hold locks or stale pages
    if dialect() == "sqlite":
        revision = sqlite_restore(path)
    else:
        pg_restore(path)
        with db.engine.connect() as conn:
            revision = database_revision(conn)
    if revision != code_revision():
        click.echo(f"The backup is at revision {revision}: run `deliberate db upgrade`.")


# SQLite's own format ---------------------------------------------------------------------


def live_sqlite(path: Path) -> str:
    """The live database's file, which PATH must not be."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise click.ClickException("An in-memory SQLite database has no file to back up.")
    if path.resolve() == Path(database).resolve():
        raise click.ClickException(f"{path} is the live database itself.")
    return database


def sqlite_backup(path: Path) -> dict[str, int]:
    with atomic_output(path) as partial:
        source = sqlite3.connect(live_sqlite(path), timeout=15)
        with closing(source), closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)  # one read transaction: a consistent copy
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    engine = create_engine(f"sqlite:///{path}")
    try:
        return table_counts(engine)
    finally:
        engine.dispose()


def sqlite_restore(path: Path) -> str:
    """Check the backup, then copy it over the live database; returns its revision."""
    live_path, revision = live_sqlite(path), check_sqlite_backup(path)
    backup, live = sqlite3.connect(path), sqlite3.connect(live_path, timeout=15)
    with closing(backup), closing(live):
        backup.backup(live)  # under the live database's write lock, as one change
    return revision


def check_sqlite_backup(path: Path) -> str:
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise click.ClickException(f"{path} is damaged: {'; '.join(problems[:5])}")
            try:
                return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            except (sqlite3.OperationalError, TypeError):
                raise click.ClickException(
                    f"{path} is not a Deliberate database (no alembic_version)."
                ) from None
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a usable SQLite database: {error}") from None


# PostgreSQL's own format -----------------------------------------------------------------


def pg_dump(path: Path) -> dict[str, int]:
    with atomic_output(path) as partial:
        run_pg_tool(
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"
        )
    return table_counts(db.engine)  # counted just after the dump, from the live database


def pg_restore(path: Path) -> None:
    run_pg_tool(
        "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)
    )


def run_pg_tool(name: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the app's database. The libpq URI is the app's URL
    without its driver (+psycopg) or password; the password goes in PGPASSWORD, where other
    users cannot read it as they could a command line."""
    program = shutil.which(name)
    if program is None:
        raise click.ClickException(
            f"{name} was not found: install the PostgreSQL client tools "
            "(the server's major version or newer), e.g. apt install postgresql-client."
        )
    url = make_url(db.engine.url)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(  # noqa: S603 - an argument list, no shell  # nosec B603
        [program, *args, f"--dbname={uri}"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise click.ClickException(f"{name} failed: {done.stderr.strip()}")


# The portable format ---------------------------------------------------------------------


def write_portable(path: Path) -> dict[str, int]:
    counts = {}
    with (
        snapshot() as conn,
        atomic_output(path) as partial,
        gzip.open(partial, "wt", encoding="utf-8", compresslevel=6) as out,
    ):
        header = {
            "format": FORMAT,
            "version": VERSION,
            "alembic_revision": database_revision(conn),
            "created_at": datetime.now(UTC).isoformat(),
        }
        write_line(out, header)
        for table in db.metadata.sorted_tables:
            write_line(out, {"table": table.name, "columns": list(table.columns.keys())})
            rows = conn.execute(
                select(table).order_by(*table.primary_key.columns),
                execution_options={"yield_per": BATCH},
            )
            counts[table.name] = sum(write_line(out, list(row)) for row in rows)
    return counts


@contextmanager
def snapshot() -> Iterator[Connection]:
    """A connection that sees the whole database as of one instant, so rows written while a
    long backup runs (a vote on an argument read earlier) cannot break its references."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN")  # pysqlite itself begins only before a write
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")
        else:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn


def write_line(out, value) -> int:
    out.write(json.dumps(value, default=to_json, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")
    return 1


def to_json(value):
    if isinstance(value, datetime | date | daytime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written to a backup")


def read_portable(path: Path) -> dict[str, int]:
    """Load the backup in one transaction: any error rolls it all back."""
    with closing(numbered_json(path)) as lines, db.engine.begin() as conn:
        check_target(conn, path, next(lines, (1, None)))
        counts, loader = {}, None
        for number, item in lines:
            if isinstance(item, dict):
                if loader:
                    counts[loader.table.name] = loader.finish()
                loader = TableLoader(conn, path, number, item)
            elif isinstance(item, list) and loader:
                loader.add(number, item)
            else:
                raise malformed(path, number, "expected a table line or a row")
        if loader:
            counts[loader.table.name] = loader.finish()
        missing = [t.name for t in db.metadata.sorted_tables if t.name not in counts]
        if missing:
            raise click.ClickException(f"{path} ends before the table {missing[0]}.")
        if conn.dialect.name == "postgresql":
            reset_sequences(conn)
    return counts


def numbered_json(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed line) for each line; a damaged file fails naming the line."""
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    parsed = json.loads(line)
                except ValueError as error:
                    raise malformed(path, number, f"not JSON ({error})") from None
                yield number, parsed
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise malformed(path, number + 1, f"unreadable ({error})") from None


def malformed(path: Path, number: int, problem: str) -> click.ClickException:
    return click.ClickException(f"{path}, line {number}: {problem}. Nothing was restored.")


def check_target(conn: Connection, path: Path, first: tuple[int, object]) -> None:
    """The file is our format, and the database empty and at the backup's revision."""
    number, header = first
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise malformed(path, number, "not a Deliberate backup")
    if header.get("version") != VERSION:
        raise malformed(path, number, f"backup format version {header.get('version')}")
    revision, wanted = database_revision(conn), header.get("alembic_revision")
    if revision is None:
        raise click.ClickException(
            f"The database has no tables yet: run `deliberate db upgrade {wanted}` first."
        )
    if revision != wanted:
        raise click.ClickException(
            f"The backup is at revision {wanted} but the database at {revision}: restore into "
            f"a new database migrated with `deliberate db upgrade {wanted}`, then upgrade it."
        )
    for table in db.metadata.sorted_tables:
        if conn.scalar(select(literal(1)).select_from(table).limit(1)):
            raise click.ClickException(
                f"The database already holds data (table {table.name}): restore into a new, "
                "empty database (deliberate db upgrade first)."
            )


class TableLoader:
    """Inserts one table's rows in batches, with JSON values turned back into column types.

    Rows arrive in primary key order, so a reference to a row of the same table further on
    (an argument merged into a later one) is set afterwards, once that row exists."""

    def __init__(self, conn: Connection, path: Path, number: int, item: dict):
        self.conn, self.path, self.number = conn, path, number
        self.table = table = db.metadata.tables.get(item.get("table"))
        self.columns = item.get("columns")
        if table is None or not isinstance(self.columns, list):
            raise malformed(path, number, f"unknown table {item.get('table')!r}")
        if sorted(self.columns) != sorted(table.columns.keys()):
            raise malformed(path, number, f"the columns of {table.name} differ from this code's")
        self.parsers = [parser(table.c[name]) for name in self.columns]
        self.self_references = [
            (fk.parent.name, fk.column.name)
            for fk in table.foreign_keys
            if fk.column.table is table
        ]
        self.batch, self.later, self.count = [], [], 0

    def add(self, number: int, values: list) -> None:
        self.number = number
        if len(values) != len(self.columns):
            raise malformed(
                self.path, number, f"{len(values)} values for {len(self.columns)} columns"
            )
        try:
            row = {
                name: value if parse is None or value is None else parse(value)
                for name, parse, value in zip(self.columns, self.parsers, values, strict=True)
            }
        except (TypeError, ValueError) as error:
            raise malformed(self.path, number, str(error)) from None
        for column, key in self.self_references:
            if row[column] is not None and row[column] >= row[key]:
                self.later.append((key, row[key], column, row[column]))
                row[column] = None
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        try:
            self.conn.execute(insert(self.table), self.batch)
        except SQLAlchemyError as error:
            raise click.ClickException(
                f"{self.path}: the {self.table.name} rows up to line {self.number} were "
                f"refused: {getattr(error, 'orig', error)}. Nothing was restored."
            ) from None
        self.count += len(self.batch)
        self.batch = []

    def finish(self) -> int:
        self.flush()
        for key, key_value, column, value in self.later:
            self.conn.execute(
                update(self.table).where(self.table.c[key] == key_value).values({column: value})
            )
        return self.count


def parser(column):
    """How a column's JSON value becomes a Python value again (None: as it is)."""
    try:  # a TypeDecorator (Tz) stores what its impl stores
        kind = getattr(column.type, "impl_instance", column.type).python_type
    except NotImplementedError:
        return None
    return kind.fromisoformat if kind in (datetime, date, daytime) else None


def reset_sequences(conn: Connection) -> None:
    """Rows came with their ids, so the id sequences never moved: set each to the largest id,
    or the next insert would collide with a restored row."""
    quote = conn.dialect.identifier_preparer.quote
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if [c.name for c in key] != ["id"] or not isinstance(key[0].type, Integer):
            continue
        name = quote(table.name)
        query = f"{SET_SEQUENCE} FROM {name}"  # noqa: S608 - a table name from the metadata
        conn.execute(text(query), {"name": name})
