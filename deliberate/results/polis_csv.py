"""Read a Pol.is export folder (``comments.csv``, ``participants-votes.csv``, ``votes.csv``).

Plain ``csv`` parsing into the vote matrix ``polis_math`` takes; no database. Pol.is's
exports use +1 agree, -1 disagree, 0 pass and an empty cell for "not seen" (the agree and
disagree counts of ``comments.csv`` confirm the sign), the convention of ``polis_math``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .polis_math import vote_matrix

#: Meta statements (Pol.is's is_meta: questions about the participant, not opinions) of the
#: open-data conversations, by export folder name. Pol.is zeroes them like rejected
#: statements, but its exports do not say which they are. Brexit-consensus: its demographic
#: statements ("I voted to Leave.", "I voted to Remain.", "I consider myself working
#: class.", "... middle class.", "I can speak a European language."). Evidence: Pol.is's
#: 2017 code counted zeroed columns as votes for everyone in its 7-vote rule, and with these
#: five zeroed that rule says who Pol.is placed for 203 of 204 participants (the other is
#: participant 8, an early voter placed by the top-up to 15), against 196 with none zeroed.
#: With them zeroed, Pol.is's two groups come out (adjusted Rand 0.92); without them the
#: silhouette picks five groups (adjusted Rand about 0.3).
KNOWN_META_STATEMENTS: dict[str, tuple[int, ...]] = {
    "brexit-consensus": (0, 1, 10, 11, 15),
}

#: participants-votes.csv: the columns before the one-per-statement vote columns.
FIXED_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
REJECTED = -1


@dataclass
class PolisExport:
    """One exported conversation.

    ``votes``: participants x statements, rows in ``participant_ids`` order and columns in
    ``comment_ids`` order, an explicit entry per seen vote (see ``polis_math``).
    ``group_ids``: Pol.is's group per participant, None when it left them out.
    ``moderated``: statement id -> 1 accepted, -1 rejected, 0 unmoderated.
    ``first_vote_order``: participant ids by first vote, from ``votes.csv`` (None without).
    """

    name: str
    participant_ids: list[int]
    comment_ids: list[int]
    votes: sp.csr_matrix
    group_ids: list[int | None]
    moderated: dict[int, int]
    first_vote_order: list[int] | None

    @property
    def rejected(self) -> list[int]:
        """Statements moderated out, which Pol.is zeroes (is_meta is not exported)."""
        return [c for c in self.comment_ids if self.moderated.get(c) == REJECTED]

    @property
    def meta(self) -> list[int]:
        """Known meta statements of this conversation (KNOWN_META_STATEMENTS), if any."""
        return list(KNOWN_META_STATEMENTS.get(self.name, ()))

    def arrival_order(self) -> list[int]:
        """Participant ids in Pol.is's row order: by first vote when votes.csv gave it,
        else by id (Pol.is numbers participants as they arrive)."""
        if self.first_vote_order is None:
            return sorted(self.participant_ids)
        known, present = set(self.first_vote_order), set(self.participant_ids)
        rest = sorted(p for p in self.participant_ids if p not in known)
        return [p for p in self.first_vote_order if p in present] + rest

    def in_order(self, participant_order: list[int]) -> PolisExport:
        """The same export with its rows in the given participant order."""
        row = {p: i for i, p in enumerate(self.participant_ids)}
        index = [row[p] for p in participant_order]
        return PolisExport(
            name=self.name,
            participant_ids=list(participant_order),
            comment_ids=self.comment_ids,
            votes=self.votes[index],
            group_ids=[self.group_ids[i] for i in index],
            moderated=self.moderated,
            first_vote_order=self.first_vote_order,
        )


def read_participants_votes(
    path: Path,
) -> tuple[list[int], list[int | None], list[int], sp.csr_matrix]:
    """participants-votes.csv: (participant ids, group ids, statement ids, vote matrix)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
            raise ValueError(f"{path}: unexpected header {header[: len(FIXED_COLUMNS)]}")
        comment_ids = [int(c) for c in header[len(FIXED_COLUMNS) :]]
        participants: list[int] = []
        groups: list[int | None] = []
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for i, record in enumerate(reader):
            participants.append(int(record[0]))
            groups.append(int(record[1]) if record[1] != "" else None)
            for j, cell in enumerate(record[len(FIXED_COLUMNS) :]):
                if cell != "":
                    rows.append(i)
                    cols.append(j)
                    values.append(float(cell))
    shape = (len(participants), len(comment_ids))
    return participants, groups, comment_ids, vote_matrix(rows, cols, values, shape)


def read_moderation(path: Path) -> dict[int, int]:
    """comments.csv: statement id -> moderated (1 accepted, -1 rejected, 0 unmoderated)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {int(r["comment-id"]): int(r["moderated"]) for r in csv.DictReader(f)}


def read_first_vote_order(path: Path) -> list[int]:
    """votes.csv: voter ids in the order of their first vote (Pol.is's row order)."""
    with open(path, newline="", encoding="utf-8") as f:
        records = [(int(r["timestamp"]), int(r["voter-id"])) for r in csv.DictReader(f)]
    first: dict[int, int] = {}
    for timestamp, voter in sorted(records, key=lambda r: r[0]):
        first.setdefault(voter, timestamp)
    return list(first)


def read_export(folder: Path | str) -> PolisExport:
    """Read a Pol.is export folder; ``votes.csv`` is optional."""
    folder = Path(folder)
    participants, groups, comment_ids, votes = read_participants_votes(
        folder / "participants-votes.csv"
    )
    votes_csv = folder / "votes.csv"
    order = read_first_vote_order(votes_csv) if votes_csv.exists() else None
    return PolisExport(
        name=folder.name,
        participant_ids=participants,
        comment_ids=comment_ids,
        votes=votes,
        group_ids=groups,
        moderated=read_moderation(folder / "comments.csv"),
        first_vote_order=order,
    )


def vote_count(export: PolisExport) -> int:
    """Number of (last) votes in the matrix, passes included."""
    return int(export.votes.nnz)


def group_array(export: PolisExport) -> np.ndarray:
    """Pol.is's group per participant as an int array, -1 where it placed nobody."""
    return np.array([-1 if g is None else g for g in export.group_ids], dtype=int)
