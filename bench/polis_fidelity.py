"""Do our opinion groups match Pol.is's own? One row per exported Pol.is conversation.

    python bench/polis_fidelity.py DIR... [--no-check] [--group-init best|polis]
                                          [--meta NAME=ID,ID...] [--no-meta] [--seed N]

Each DIR is a Pol.is export folder (comments.csv, participants-votes.csv, and votes.csv if
Pol.is published it). Rows are put in Pol.is's order (first vote, else participant id),
rejected statements and the conversation's known meta statements are zeroed as Pol.is
does, and ``polis_groups`` runs on the matrix. The adjusted Rand index compares our groups
with the export's group-id column over the participants both place in a group.

Exit code 1 if a conversation misses the bar: a different number of groups than Pol.is, or
an adjusted Rand index below 0.8 (``--no-check`` only prints).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from deliberate.results.polis_csv import PolisExport, group_array, read_export, vote_count
from deliberate.results.polis_math import polis_groups

ARI_BAR = 0.8
COLUMNS = (
    ("conversation", 32),
    ("participants", 12),
    ("statements", 10),
    ("votes", 8),
    ("placed ours/Pol.is", 18),
    ("groups ours/Pol.is", 18),
    ("ARI", 6),
    ("time (s)", 8),
    ("", 4),
)


def parse_meta(values: list[str]) -> dict[str, list[int]]:
    meta: dict[str, list[int]] = {}
    for value in values:
        name, _, ids = value.partition("=")
        meta[name] = [int(i) for i in ids.split(",") if i]
    return meta


def evaluate(export: PolisExport, meta: list[int], group_init: str, seed: int) -> dict:
    export = export.in_order(export.arrival_order())
    polis = dict(zip(export.participant_ids, group_array(export), strict=True))
    start = time.perf_counter()
    result = polis_groups(
        export.votes,
        export.participant_ids,
        export.comment_ids,
        seed=seed,
        excluded_comments=export.rejected + meta,
        group_init=group_init,
    )
    elapsed = time.perf_counter() - start
    polis_k = len({g for g in polis.values() if g >= 0})
    row = {
        "name": export.name,
        "participants": len(export.participant_ids),
        "statements": len(export.comment_ids),
        "votes": vote_count(export),
        "placed": (0, sum(g >= 0 for g in polis.values())),
        "groups": (0, polis_k),
        "ari": float("nan"),
        "time": elapsed,
    }
    if result is not None:
        theirs = np.array([polis[p] for p in result.participant_ids])
        both = theirs >= 0
        row["placed"] = (len(result.participant_ids), row["placed"][1])
        row["groups"] = (result.k, polis_k)
        row["ari"] = float(adjusted_rand_score(theirs[both], result.labels[both]))
    row["ok"] = row["groups"][0] == polis_k and row["ari"] >= ARI_BAR
    return row


def print_table(rows: list[dict]) -> None:
    print("  ".join(title.ljust(width) for title, width in COLUMNS).rstrip())
    for r in rows:
        cells = (
            r["name"],
            f"{r['participants']:,}",
            f"{r['statements']:,}",
            f"{r['votes']:,}",
            "{} / {}".format(*r["placed"]),
            "{} / {}".format(*r["groups"]),
            f"{r['ari']:.3f}",
            f"{r['time']:.2f}",
            "ok" if r["ok"] else "MISS",
        )
        print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="Pol.is export folders")
    parser.add_argument("--no-check", action="store_true", help="print only, exit 0")
    parser.add_argument("--group-init", choices=("best", "polis"), default="best")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="NAME=ID,ID",
        help="meta statement ids of a conversation (replaces the known ones)",
    )
    parser.add_argument("--no-meta", action="store_true", help="zero rejected statements only")
    args = parser.parse_args()
    extra_meta = parse_meta(args.meta)
    rows = []
    for folder in args.dirs:
        export = read_export(folder)
        meta = [] if args.no_meta else extra_meta.get(export.name, export.meta)
        rows.append(evaluate(export, meta, args.group_init, args.seed))
    print_table(rows)
    print(f"\nBar: the same number of groups as Pol.is and adjusted Rand >= {ARI_BAR}.")
    return 0 if args.no_check or all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
