"""Do our opinion groups match Pol.is's own? One row per exported Pol.is conversation.

    python bench/polis_fidelity.py DIR... [--no-check] [--group-init best|polis]
                                          [--meta NAME=ID,ID...] [--no-meta] [--seed N]

Each DIR is a Pol.is export folder (comments.csv, participants-votes.csv, and votes.csv if
Pol.is published it), read by the importer's reader (deliberate/polis/files.py). Rows are
put in Pol.is's order (first vote, else participant id), and every version of Pol.is's
math that ``polis_math`` reproduces runs on the matrix (``METHODS``: the current one, and
the earlier ones whose groups some exports still carry). The adjusted Rand index compares
our groups with the export's group-id column over the participants both place in a group;
"kept" is the version the importer keeps for that conversation (deliberate/polis/
fidelity.py), and the placed, groups, consensus and time columns are that version's.
"consensus r" correlates our group-informed consensus of each statement with Pol.is's,
where the export carries it (comments.csv's group-informed-consensus, since 2024).

A conversation reaches the bar with the version kept when it has Pol.is's number of groups
and an adjusted Rand index of 0.8 or more. Exit code 1 unless 10 of 12 conversations (the
same share of any number) reach it and the median adjusted Rand is 0.9 or more
(``--no-check`` only prints).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from deliberate.polis.fidelity import ARI_BAR, Fidelity, closest, compare_all
from deliberate.polis.files import Conversation, read_conversation
from deliberate.results.polis_math import METHODS

#: The goal: this share of the conversations reach the bar, and the median adjusted Rand.
GOAL_SHARE, GOAL_MEDIAN = 10 / 12, 0.9
COLUMNS = (
    ("conversation", 46),
    ("participants", 12),
    ("statements", 10),
    ("votes", 8),
    ("placed ours/Pol.is", 18),
    ("groups ours/Pol.is", 18),
    *((f"ARI {name}", max(11, 4 + len(name))) for name in METHODS),
    ("kept", 8),
    ("consensus r", 11),
    ("time (s)", 8),
    ("", 4),
)


def parse_meta(values: list[str]) -> dict[str, list[int]]:
    meta: dict[str, list[int]] = {}
    for value in values:
        name, _, ids = value.partition("=")
        meta[name] = [int(i) for i in ids.split(",") if i]
    return meta


def row(conversation: Conversation, fidelities: dict[str, Fidelity]) -> tuple[list[str], bool]:
    kept = closest(fidelities) or fidelities["current"]
    cells = [
        conversation.folder.name,
        f"{len(conversation.participants):,}",
        f"{len(conversation.comments):,}",
        f"{len(conversation.votes):,}",
        "{} / {}".format(*kept.placed),
        "{} / {}".format(*kept.groups),
        *(f"{fidelities[name].ari:.3f}" for name in METHODS),
        kept.method,
        "-" if kept.consensus_r is None else f"{kept.consensus_r:.3f}",
        f"{kept.seconds:.2f}",
        "ok" if kept.ok else "MISS",
    ]
    return cells, kept.ok


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
    print("  ".join(title.ljust(width) for title, width in COLUMNS).rstrip())
    reached, kept_ari = 0, []
    # A collection is passed as DIR/* (its README.md among them): folders only.
    for folder in (d for d in args.dirs if d.is_dir()):
        conversation = read_conversation(folder)
        name = conversation.folder.name
        meta = [] if args.no_meta else extra_meta.get(name, conversation.meta)
        fidelities = compare_all(
            conversation, meta=meta, group_init=args.group_init, seed=args.seed
        )
        cells, ok = row(conversation, fidelities)
        reached += ok
        kept = closest(fidelities) or fidelities["current"]
        kept_ari.append(0.0 if np.isnan(kept.ari) else kept.ari)
        print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip())
    median = float(np.median(kept_ari)) if kept_ari else float("nan")
    print(
        f"\nBar: the same number of groups as Pol.is and adjusted Rand >= {ARI_BAR}, "
        f"with the version kept: {reached} of {len(kept_ari)} reach it; median adjusted Rand "
        f"{median:.3f}. Goal: {GOAL_SHARE:.0%} of the conversations (10 of 12) and a median "
        f">= {GOAL_MEDIAN}."
    )
    met = reached >= GOAL_SHARE * len(kept_ari) and median >= GOAL_MEDIAN
    return 0 if args.no_check or met else 1


if __name__ == "__main__":
    sys.exit(main())
