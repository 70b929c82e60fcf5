"""Import each Pol.is export into a fresh SQLite database, export it again in both Pol.is
formats, read the exports back, and compare.

    python bench/polis_roundtrip.py DIR...

One row per conversation: the import time (`deliberate import-polis`'s own work, one
transaction, the comparison of Pol.is's groups included), the counts, and for each export
format (classic; current, Pol.is's since 2024) whether the downloads, written to a folder
and read by the importer's own reader, give back the same participants-votes.csv matrix,
the same votes (the latest of each voter on each statement), the same statement texts
(rejected statements are hidden, so their text stays out of every download: they are
checked to come back empty), and, in the current format, the same xids (as the organiser
downloads them) and meta statements. Exit code 1 if anything differs. The test suite checks
the same on small slices (tests/test_polis_import.py, tests/test_polis_formats.py); this is
the full-size check.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

COLUMNS = (
    ("conversation", 46),
    ("import (s)", 10),
    ("statements", 10),
    ("participants", 12),
    ("votes", 8),
    ("matrix", 8),
    ("votes back", 10),
    ("texts back", 11),
    ("current: matrix", 15),
    ("votes", 6),
    ("texts", 9),
    ("xids", 6),
    ("meta", 5),
    ("", 4),
)


def text(chunks) -> str:
    return "".join(chunks)


def write_export(debate, fmt: str, folder: Path) -> Path:
    """The debate's Pol.is downloads in `fmt`, as the organiser gets them, in `folder`."""
    from deliberate.results import exports

    folder.mkdir()
    files = {
        "comments.csv": exports.comments_csv(debate, None, fmt),
        "votes.csv": exports.votes_csv(debate),
        "participants-votes.csv": exports.participants_votes_csv(debate, None, fmt, xids=True),
    }
    for name, chunks in files.items():
        (folder / name).write_text(text(chunks), encoding="utf-8")
    return folder


def same_back(original, folder: Path) -> dict[str, str]:
    """Read an export back and compare it with the original conversation."""
    from deliberate.polis.files import REJECTED, read_conversation
    from deliberate.results import exports

    back = read_conversation(folder)
    matrix = exports.read_polis_matrix((folder / "participants-votes.csv").read_text("utf-8"))
    matrix_same = matrix == exports.read_polis_matrix(
        (original.folder / original.matrix_file).read_text("utf-8")
    )
    votes_same = {k: v.value for k, v in back.votes.items()} == {
        k: v.value for k, v in original.votes.items()
    }
    bodies = {c.id: c.body for c in back.comments}
    shown = [c for c in original.comments if c.moderated != REJECTED]
    texts = sum(bodies.get(c.id) == c.body for c in shown)
    hidden_blank = all(bodies.get(c.id) == "" for c in original.comments if c not in shown)
    return {
        "matrix": "same" if matrix_same else "DIFFERS",
        "votes": "same" if votes_same else "DIFFER",
        "texts": f"{texts}/{len(shown)}" + ("" if hidden_blank else " +hidden!"),
        "xids": f"{sum(back.xids.get(p) == x for p, x in original.xids.items())}"
        f"/{len(original.xids)}" + ("" if back.xids.keys() <= original.xids.keys() else "+"),
        "meta": "same" if back.meta == original.meta else "DIFFER",
        "ok": matrix_same and votes_same and texts == len(shown) and hidden_blank,
        "xids_ok": back.xids == original.xids,
    }


def compare(folder: Path, scratch: Path) -> tuple[list[str], bool]:
    from deliberate.polis.files import read_conversation
    from deliberate.polis.importer import run_import

    result = run_import(folder)
    debate = result.debate
    conversation = read_conversation(folder)
    classic = same_back(conversation, write_export(debate, "classic", scratch / "classic"))
    current = same_back(conversation, write_export(debate, "current", scratch / "current"))
    ok = classic["ok"] and current["ok"] and current["xids_ok"] and current["meta"] == "same"
    cells = [
        folder.name,
        f"{result.seconds:.1f}",
        f"{result.statements:,}",
        f"{result.participants:,}",
        f"{result.votes:,}",
        classic["matrix"],
        classic["votes"],
        classic["texts"],
        current["matrix"],
        current["votes"],
        current["texts"],
        current["xids"],
        current["meta"],
        "ok" if ok else "MISS",
    ]
    return cells, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="Pol.is export folders")
    args = parser.parse_args()
    print("  ".join(title.ljust(width) for title, width in COLUMNS).rstrip())
    all_ok = True
    # A collection is passed as DIR/* (its README.md among them): folders only.
    for folder in (d for d in args.dirs if d.is_dir()):
        with tempfile.TemporaryDirectory() as scratch:
            os.environ["DELIBERATE_INSTANCE_PATH"] = scratch
            os.environ["DELIBERATE_DATABASE_URL"] = f"sqlite:///{scratch}/roundtrip.sqlite3"
            from flask_migrate import upgrade

            from deliberate import create_app

            app = create_app()
            with app.app_context():
                upgrade()
                cells, ok = compare(folder, Path(scratch))
                from deliberate.extensions import db

                db.session.remove()
                db.engine.dispose()
        all_ok &= ok
        print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip())
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
