"""A fingerprint of everything `deliberate seed` writes: every table's rows, in id order.

tests/test_seed.py compares a fresh seed with tests/data/seed_fingerprint.json, written by
this module from the seed as it was when its content moved out of Python. To change the
seed on purpose, write it again (then review the diff):

    python -m tests.seed_fingerprint

What may differ between two identical seeds is left out: timestamps (only whether one is
set is kept), session tokens (random), and the values of ids, which PostgreSQL's sequences
do not restart between tests: each id becomes its rank in its table, in foreign keys and
argument paths too. Long texts are kept as a digest and a length, so the file stays small
and names the row that changed.
"""

import hashlib
import json
import re
import sys
from datetime import date
from enum import Enum
from pathlib import Path

from sqlalchemy import Integer, select

from deliberate.extensions import db
from deliberate.models import PATH_STEP

FINGERPRINT = Path(__file__).parent / "data" / "seed_fingerprint.json"
#: Random by design.
LEFT_OUT = {("user", "session_token")}
#: Texts longer than this are kept as a digest.
SHORT_TEXT = 80


def fingerprint(only: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Each table's columns and its rows as lists of values, sorted; with `only`, the
    columns it names for the tables it names (so that a table or column added since the
    fingerprint was taken does not differ from it; a table it does not name keeps all)."""
    ranks: dict[str, dict[int, int]] = {}
    result = {}
    for table in db.metadata.sorted_tables:  # referenced tables first
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        if _has_integer_id(table):
            ranks[table.name] = {row.id: rank for rank, row in enumerate(rows, start=1)}
        names = (only or {}).get(table.name) or [
            c.name for c in table.columns if (table.name, c.name) not in LEFT_OUT
        ]
        columns = [table.c[name] for name in names]
        values = [
            [_value(table, column, getattr(row, column.name), ranks) for column in columns]
            for row in rows
        ]
        result[table.name] = {"columns": names, "rows": sorted(values, key=_order)}
    return result


def _order(row: list) -> list:
    """By each value in turn, NULL last."""
    return [(value is None, 0 if value is None else value) for value in row]


def _has_integer_id(table) -> bool:
    return [c.name for c in table.primary_key.columns] == ["id"] and isinstance(
        table.c.id.type, Integer
    )


#: A day written at the start of a text (the log's "2026-03-12 Mopti").
SEED_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?= )")


def _value(table, column, value, ranks):
    if value is None:
        return None
    if column.name == "id" and table.name in ranks:
        return ranks[table.name][value]
    for key in column.foreign_keys:
        target = key.column.table.name
        if target in ranks:
            return ranks[target][value]
    if (table.name, column.name) == ("argument", "path"):
        steps = [int(value[i : i + PATH_STEP]) for i in range(0, len(value), PATH_STEP)]
        return "/".join(str(ranks["argument"][step]) for step in steps)
    if isinstance(value, date):  # a datetime too: relative to the day the seed ran
        return "set"
    if isinstance(value, str) and SEED_DAY.match(value):
        # A circle's log entry names the day it met, days before the seed ran.
        return SEED_DAY.sub("<day>", value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str) and len(value) > SHORT_TEXT:
        return f"sha256:{hashlib.sha256(value.encode()).hexdigest()[:16]} ({len(value)} chars)"
    return value


def dumps(tables: dict[str, dict]) -> str:
    """JSON with a row per line, so a diff names the rows that changed."""
    parts = []
    for name, table in tables.items():
        rows = ",\n".join(f"      {json.dumps(row, ensure_ascii=False)}" for row in table["rows"])
        rows = f"[\n{rows}\n    ]" if table["rows"] else "[]"
        columns = json.dumps(table["columns"])
        parts.append(
            f'  {json.dumps(name)}: {{\n    "columns": {columns},\n    "rows": {rows}\n  }}'
        )
    return "{\n" + ",\n".join(parts) + "\n}\n"


def load() -> dict[str, dict]:
    return json.loads(FINGERPRINT.read_text(encoding="utf-8"))


def main() -> None:
    """Seed a new SQLite database and write its fingerprint."""
    import os
    import tempfile

    from flask_migrate import upgrade

    from deliberate import create_app
    from deliberate.seed import seed_demo

    os.environ.setdefault("DELIBERATE_INSTANCE_PATH", tempfile.mkdtemp())
    url = f"sqlite:///{tempfile.mkdtemp()}/seed.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "fingerprint"})
    with app.app_context():
        upgrade()
        seed_demo()
        FINGERPRINT.write_text(dumps(fingerprint()), encoding="utf-8")
    print(f"wrote {FINGERPRINT}", file=sys.stderr)


if __name__ == "__main__":
    main()
