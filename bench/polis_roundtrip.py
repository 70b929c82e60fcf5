"""Import each Pol.is export into a fresh SQLite database, export it again, and compare.

    python bench/polis_roundtrip.py DIR...

One row per conversation: the import time (`deliberate import-polis`'s own work, one
transaction, the comparison of Pol.is's groups included), the counts, and whether the
exports give back the same participants-votes.csv matrix, the same votes (the latest of each
voter on each statement) and the same statement texts (rejected statements are hidden, so
their text stays out of every download: they are counted apart). Exit code 1 if anything
differs. The test suite checks the same on small slices (tests/test_polis_import.py); this
is the full-size check.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

COLUMNS = (
    ("conversation", 32),
    ("import (s)", 10),
    ("statements", 10),
    ("participants", 12),
    ("votes", 8),
    ("matrix", 8),
    ("votes back", 10),
    ("texts back", 16),
    ("", 4),
)


def text(chunks) -> str:
    return "".join(chunks)


def records(chunks) -> csv.DictReader:
    """The rows of an exported CSV (quoted fields may hold newlines)."""
    return csv.DictReader(io.StringIO(text(chunks), newline=""))


def compare(folder: Path) -> tuple[list[str], bool]:
    from deliberate.polis.files import REJECTED, read_conversation
    from deliberate.polis.importer import run_import
    from deliberate.results import exports

    result = run_import(folder)
    debate = result.debate
    conversation = read_conversation(folder)

    original = (folder / "participants-votes.csv").read_text(encoding="utf-8")
    matrix_same = exports.read_polis_matrix(
        text(exports.participants_votes_csv(debate))
    ) == exports.read_polis_matrix(original)

    rows = records(exports.votes_csv(debate))
    exported = {(int(r["voter-id"]), int(r["comment-id"])): int(r["vote"]) for r in rows}
    votes_same = exported == {key: vote.value for key, vote in conversation.votes.items()}

    back = {int(r["comment-id"]): r["comment-body"] for r in records(exports.comments_csv(debate))}
    shown = [c for c in conversation.comments if c.moderated != REJECTED]
    texts_same = sum(back.get(c.id) == c.body for c in shown)
    hidden_blank = all(back.get(c.id) == "" for c in conversation.comments if c not in shown)
    ok = matrix_same and votes_same and texts_same == len(shown) and hidden_blank
    cells = [
        folder.name,
        f"{result.seconds:.1f}",
        f"{result.statements:,}",
        f"{result.participants:,}",
        f"{result.votes:,}",
        "same" if matrix_same else "DIFFERS",
        "same" if votes_same else "DIFFER",
        f"{texts_same}/{len(shown)}" + ("" if hidden_blank else " +hidden!"),
        "ok" if ok else "MISS",
    ]
    return cells, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="Pol.is export folders")
    args = parser.parse_args()
    print("  ".join(title.ljust(width) for title, width in COLUMNS).rstrip())
    all_ok = True
    for folder in args.dirs:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ["DELIBERATE_INSTANCE_PATH"] = scratch
            os.environ["DELIBERATE_DATABASE_URL"] = f"sqlite:///{scratch}/roundtrip.sqlite3"
            from flask_migrate import upgrade

            from deliberate import create_app

            app = create_app()
            with app.app_context():
                upgrade()
                cells, ok = compare(folder)
                from deliberate.extensions import db

                db.session.remove()
                db.engine.dispose()
        all_ok &= ok
        print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip())
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
