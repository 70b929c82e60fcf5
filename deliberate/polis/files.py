"""Reading a Pol.is export folder, strictly: any malformed cell is an error naming the file
and the line, before anything is written.

A Pol.is conversation export is a folder of CSV files (UTF-8, a header line, one record a
line except where a quoted comment spans several):

- `comments.csv`: `timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,
  comment-body`. `timestamp` is milliseconds since the epoch (`datetime` is the same moment
  in the exporting server's time zone, ignored); `moderated` is 1 accepted, -1 rejected,
  0 unmoderated. `agrees` and `disagrees` are not read: the real exports' counts run a few
  votes ahead of their own vote matrix, so the counters are recomputed from the votes.
- `participants-votes.csv`: `participant,group-id,n-comments,n-votes,n-agree,n-disagree`,
  then one column per comment id: 1 agree, -1 disagree, 0 pass, empty not voted. The sign
  convention was checked on three public conversations: the count of 1s in a column follows
  that comment's `agrees` (never its `disagrees`). `group-id` is the opinion group Pol.is
  placed the participant in, empty when it placed them in none.
- `votes.csv` (optional): `timestamp,datetime,comment-id,voter-id,vote`, one row per vote
  cast, in no particular order; a voter's latest vote on a comment counts (it equals the
  matrix above, cell for cell, on the public conversations that have both). Same signs.
- `summary.csv` (optional): `key,value` lines (`topic`, `url`, `conversation-description`...).

A comment's text may start with one single quote that Deliberate's own downloads put before
a formula's first character (=, +, -, @, tab, carriage return), and before quotes that
precede one, so a spreadsheet does not run it (results/exports.py `neutralise`): `restore`
takes it off, which gives every exported text back exactly. A Pol.is export never adds one;
its rare text that starts with quotes and then one of those characters loses one quote.

Besides the importer, the opinion-group tests and `bench/polis_fidelity.py` read exports
here: `Conversation.vote_matrix` gives the matrix `deliberate.results.polis_math` takes, in
Pol.is's row order (`arrival_order`), with the statements Pol.is zeroes (`rejected`, `meta`)
and the groups it found (`groups`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..models import XID_MAX

COMMENTS, MATRIX, VOTES, SUMMARY = (
    "comments.csv",
    "participants-votes.csv",
    "votes.csv",
    "summary.csv",
)
#: The name the Pol.is server's report export (2024) gives the matrix.
REPORT_MATRIX = "participant-votes.csv"
COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
#: Columns of comments.csv since 2024 (optional): true or false, and a number from 0 to 1.
COMMENT_FLAGS = ("is-meta", "is-seed")
CONSENSUS_COLUMN = "group-informed-consensus"
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
MATRIX_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
#: Exports made since 2022 put the host site's own id of the participant after theirs.
XID = "xid"
#: Below this a timestamp is in seconds (the report export), at or above it milliseconds
#: (the math worker's export): 10**11 ms is March 1973, 10**11 s the year 5138.
SECONDS_BELOW = 10**11
VOTE_VALUES = {"1": 1, "-1": -1, "0": 0}
REJECTED, UNMODERATED, ACCEPTED = -1, 0, 1

#: Meta statements (Pol.is's is_meta: questions about the participant, not opinions) of the
#: open-data conversations, by conversation (the last part of summary.csv's url). Pol.is
#: zeroes them like rejected statements, but exports before 2024 do not say which they
#: are. The evidence for each: with them zeroed, the versions of Pol.is's math that
#: conversation ran (results/polis_math.py METHODS) give Pol.is's own groups, and who it
#: placed; without them, they do not (bench/polis_fidelity.py). Zeroing other statements
#: that read as demographic (taxes 0-14, land-bank 53, 54, 64-67) makes those conversations
#: match worse, so Pol.is did not mark them.
KNOWN_META_STATEMENTS: dict[str, tuple[int, ...]] = {
    # brexit-consensus: "I voted to Leave.", "I voted to Remain.", "I consider myself
    # working class.", "... middle class.", "I can speak a European language.". Pol.is's
    # 2017 code counted zeroed columns as votes for everyone in its 7-vote rule, and with
    # these five zeroed that rule says who Pol.is placed for 196 of 197; with them its two
    # groups come out (adjusted Rand 0.92), without them the silhouette picks five (0.3).
    "7wmvbjcjhp": (0, 1, 10, 11, 15),
    # scoop-hivemind.freshwater: "I live in a city" ... "I have personally experienced
    # issues of water quality" (13 statements): adjusted Rand 1.000 with all of them zeroed,
    # 0.817 without the last.
    "5psrv8bm2a": tuple(range(24, 37)),
    # scoop-hivemind.affordable-housing: where people live, whether they own their home,
    # age, income, dependents, work; with them, Pol.is's 381 placed people are ours.
    "4hnmy3zeff": (*range(25, 41), 95),
    # london.youth.policing: age, gender, first language, ethnicity, meeting the police:
    # adjusted Rand 1.000 with them, 0.573 without 14.
    "9xxwa9jpkm": (1, *range(4, 15)),
}


class PolisFormatError(Exception):
    """The export cannot be read: the message names the file and the line."""


@dataclass(frozen=True)
class Comment:
    line: int
    id: int
    author: int
    #: Milliseconds since the epoch, or None when the cell is empty.
    timestamp: int | None
    moderated: int
    body: str
    #: comments.csv's is-meta and is-seed (False where the export has no such column).
    is_meta: bool = False
    is_seed: bool = False
    #: Pol.is's group-informed consensus of the statement, where the export carries it.
    consensus: float | None = None


@dataclass
class Vote:
    value: int
    #: When this voter first and last voted on this comment (ms), or None (matrix only).
    first: int | None = None
    last: int | None = None


@dataclass
class Conversation:
    folder: Path
    summary: dict[str, str]
    #: In comment-id order.
    comments: list[Comment]
    #: Every Pol.is participant id seen (matrix rows, voters, authors), ascending.
    participants: list[int]
    #: (participant, comment id) -> the vote that counts.
    votes: dict[tuple[int, int], Vote]
    #: Where the votes came from: "votes.csv" or "participants-votes.csv".
    votes_from: str
    #: The licence and attribution section of a README.md beside the export, if any.
    attribution: str | None = None
    #: Vote rows read, before keeping the latest of each voter on each comment.
    vote_rows: int = 0
    #: participants-votes.csv's group-id column: Pol.is's opinion group of each of its rows,
    #: None where Pol.is placed the participant in no group.
    groups: dict[int, int | None] = field(default_factory=dict)
    #: votes.csv: each voter's first vote as (ms, line), None without votes.csv.
    first_votes: dict[int, tuple[int, int]] | None = None
    #: participants-votes.csv's xid column (exports since 2022): participant -> the host
    #: site's id for them, where the cell is not empty.
    xids: dict[int, str] = field(default_factory=dict)
    #: Whether the export had an xid column (so that exporting it back can keep it).
    has_xid: bool = False
    #: The matrix file read: participants-votes.csv, or participant-votes.csv.
    matrix_file: str = MATRIX

    @property
    def comment_ids(self) -> list[int]:
        """The vote matrix's columns: every comment id, ascending."""
        return [c.id for c in self.comments]

    @property
    def rejected(self) -> list[int]:
        """Comments its moderators rejected, which Pol.is zeroes in its math."""
        return [c.id for c in self.comments if c.moderated == REJECTED]

    @property
    def conversation_id(self) -> str | None:
        """Pol.is's id of the conversation: the last part of summary.csv's url."""
        url = self.summary.get("url", "").rstrip("/")
        return url.rsplit("/", 1)[-1] or None if url else None

    @property
    def meta(self) -> list[int]:
        """The conversation's meta statements, which Pol.is zeroes too: those comments.csv
        marks (is-meta, since 2024), and for older exports, which do not say, the known
        ones (KNOWN_META_STATEMENTS) that are in this export."""
        marked = {c.id for c in self.comments if c.is_meta}
        known = set(KNOWN_META_STATEMENTS.get(self.conversation_id or "", ()))
        return sorted(marked | (known & set(self.comment_ids)))

    def arrival_order(self) -> list[int]:
        """Participant ids in Pol.is's row order: by first vote when votes.csv gave it (ties:
        the earlier line), then the others by id (Pol.is numbers participants as they
        arrive)."""
        if self.first_votes is None:
            return list(self.participants)
        voters = sorted(self.first_votes, key=self.first_votes.__getitem__)
        known = set(voters)
        return voters + [p for p in self.participants if p not in known]

    def vote_matrix(
        self, participants: Sequence[int] | None = None, *, dense: bool = False
    ) -> sp.csr_matrix | np.ndarray:
        """Participants x comments, rows in the order given (default: every participant by
        id), columns in `comment_ids` order; 1 agree, -1 disagree, 0 pass. Sparse (CSR), an
        explicit entry per vote, passes included, as polis_math takes it; or dense, NaN
        where not voted. Votes of participants not listed are left out."""
        order = self.participants if participants is None else participants
        rows = {p: i for i, p in enumerate(order)}
        columns = {c: j for j, c in enumerate(self.comment_ids)}
        cells = np.array(
            [
                (rows[voter], columns[comment], vote.value)
                for (voter, comment), vote in self.votes.items()
                if voter in rows
            ],
            dtype=np.int64,
        ).reshape(-1, 3)
        r, c, v = cells[:, 0], cells[:, 1], cells[:, 2].astype(np.float64)
        shape = (len(rows), len(columns))
        if dense:
            matrix = np.full(shape, np.nan)
            matrix[r, c] = v
            return matrix
        # Built from unique cells, so the passes stay as explicit zeros.
        return sp.csr_matrix((v, (r, c)), shape=shape)

    @property
    def timestamps(self) -> list[int]:
        """Every known moment of activity (ms)."""
        moments = [c.timestamp for c in self.comments if c.timestamp is not None]
        for vote in self.votes.values():
            moments.extend(t for t in (vote.first, vote.last) if t is not None)
        return moments


def read_conversation(folder: Path) -> Conversation:
    folder = Path(folder)
    if not (folder / COMMENTS).is_file():
        raise PolisFormatError(f"{COMMENTS}: not found in {folder}")
    matrix_file = MATRIX if (folder / MATRIX).is_file() else REPORT_MATRIX
    has_votes, has_matrix = (folder / VOTES).is_file(), (folder / matrix_file).is_file()
    if not (has_votes or has_matrix):
        raise PolisFormatError(f"{MATRIX}: not found in {folder} (nor {VOTES})")
    summary = read_summary(folder / SUMMARY) if (folder / SUMMARY).is_file() else {}
    comments = read_comments(folder / COMMENTS)
    known = {c.id for c in comments}
    participants = {c.author for c in comments}
    votes: dict[tuple[int, int], Vote] = {}
    first_votes = None
    vote_rows = 0
    matrix = Matrix({}, {}, {}, False)
    if has_matrix:
        matrix = read_matrix(folder / matrix_file, known)
        votes = matrix.votes
        participants.update(matrix.groups)
        vote_rows = len(votes)
    votes_from = matrix_file
    if has_votes:
        votes, vote_rows, first_votes = read_votes(folder / VOTES, known)
        participants.update(voter for voter, _comment in votes)
        votes_from = VOTES
    return Conversation(
        folder=folder,
        summary=summary,
        comments=comments,
        participants=sorted(participants),
        votes=votes,
        votes_from=votes_from,
        attribution=find_attribution(folder),
        vote_rows=vote_rows,
        groups=matrix.groups,
        first_votes=first_votes,
        xids=matrix.xids,
        has_xid=matrix.has_xid,
        matrix_file=matrix_file,
    )


# --- the files ------------------------------------------------------------------------------


def records(path: Path, required: tuple[str, ...]):
    """(header, iterator of (line number, row)) of a CSV file, checked as it is read: UTF-8,
    the required columns, and as many fields in each row as in the header."""
    name = path.name
    reader = csv.reader(io.StringIO(decode(path), newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise PolisFormatError(f"{name} line 1: the file is empty") from None
    except csv.Error as error:
        raise PolisFormatError(f"{name} line 1: {error}") from None
    for column in required:
        if column not in header:
            raise PolisFormatError(f"{name} line 1: no {column!r} column")
    seen = set()
    for column in header:
        if column in seen:
            raise PolisFormatError(f"{name} line 1: two {column!r} columns")
        seen.add(column)

    def rows():
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise PolisFormatError(f"{name} line {start}: {error}") from None
            if row and len(row) != len(header):
                raise PolisFormatError(
                    f"{name} line {start}: {len(row)} fields, but the header has {len(header)}"
                )
            if row:
                yield start, row
            start = reader.line_num + 1

    return header, rows()


def whole(name: str, line: int, column: str, cell: str, *, blank: bool = False) -> int | None:
    if blank and cell == "":
        return None
    if re.fullmatch(r"-?[0-9]+", cell.strip()) is None:
        raise PolisFormatError(f"{name} line {line}: {column} {cell!r} is not a whole number")
    return int(cell)


def moment(name: str, line: int, cell: str, *, blank: bool = False) -> int | None:
    """A timestamp cell in milliseconds since the epoch, whichever unit the export used."""
    value = whole(name, line, "timestamp", cell, blank=blank)
    if value is None or abs(value) >= SECONDS_BELOW:
        return value
    return value * 1000


def flag(name: str, line: int, column: str, cell: str) -> bool:
    value = cell.strip().lower()
    if value not in ("true", "false", ""):
        raise PolisFormatError(f"{name} line {line}: {column} {cell!r} is not true or false")
    return value == "true"


def fraction(name: str, line: int, column: str, cell: str) -> float | None:
    if cell.strip() == "":
        return None
    try:
        value = float(cell)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise PolisFormatError(f"{name} line {line}: {column} {cell!r} is not a number from 0 to 1")
    return value


def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        raise PolisFormatError(f"{path.name} line {line}: not UTF-8 text (byte 0x{byte})") from None


def read_summary(path: Path) -> dict[str, str]:
    """summary.csv has no header: one `key,value` line each."""
    try:
        rows = list(csv.reader(io.StringIO(decode(path), newline="")))
    except csv.Error as error:
        raise PolisFormatError(f"{path.name}: {error}") from None
    return {row[0].strip(): row[1].strip() for row in rows if len(row) >= 2}


def read_comments(path: Path) -> list[Comment]:
    name = path.name
    header, rows = records(path, COMMENT_COLUMNS)
    at = {
        column: header.index(column)
        for column in (*COMMENT_COLUMNS, *COMMENT_FLAGS, CONSENSUS_COLUMN)
        if column in header
    }

    def optional(row, line, column, read):
        return read(name, line, column, row[at[column]]) if column in at else None

    comments, lines = [], {}
    for line, row in rows:
        comment_id = whole(name, line, "comment-id", row[at["comment-id"]])
        if comment_id < 0:
            raise PolisFormatError(f"{name} line {line}: comment-id {comment_id} is negative")
        if comment_id in lines:
            raise PolisFormatError(
                f"{name} line {line}: comment {comment_id} is already on line {lines[comment_id]}"
            )
        lines[comment_id] = line
        moderated = row[at["moderated"]].strip()
        if moderated not in ("1", "0", "-1"):
            raise PolisFormatError(
                f"{name} line {line}: moderated {row[at['moderated']]!r} is not 1, 0 or -1"
            )
        comments.append(
            Comment(
                line=line,
                id=comment_id,
                author=whole(name, line, "author-id", row[at["author-id"]]),
                timestamp=moment(name, line, row[at["timestamp"]], blank=True),
                moderated=int(moderated),
                body=restore(row[at["comment-body"]]),
                is_meta=bool(optional(row, line, "is-meta", flag)),
                is_seed=bool(optional(row, line, "is-seed", flag)),
                consensus=optional(row, line, CONSENSUS_COLUMN, fraction),
            )
        )
    comments.sort(key=lambda c: c.id)
    return comments


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def needs_quote(text: str) -> bool:
    """Whether a download puts a quote before this text: it starts as a formula does, after
    any number of quotes (so that `restore` is never ambiguous)."""
    return text.lstrip("'")[:1] in FORMULA_STARTS


def restore(cell: str) -> str:
    """A text as written, from a cell a download neutralised (see the module's docstring)."""
    return cell[1:] if cell[:1] == "'" and needs_quote(cell[1:]) else cell


@dataclass(frozen=True)
class Matrix:
    #: participant -> Pol.is group, None where it placed them in none.
    groups: dict[int, int | None]
    #: (participant, comment id) -> vote.
    votes: dict[tuple[int, int], Vote]
    #: participant -> xid, where the cell is not empty.
    xids: dict[int, str]
    has_xid: bool


def read_matrix(path: Path, known: set[int]) -> Matrix:
    """The participants' groups, votes and xids of a participants-votes.csv, with or
    without the xid column."""
    name = path.name
    header, rows = records(path, MATRIX_COLUMNS)
    has_xid = header[1:2] == [XID]
    expected = (MATRIX_COLUMNS[0], *((XID,) if has_xid else ()), *MATRIX_COLUMNS[1:])
    if tuple(header[: len(expected)]) != expected:
        raise PolisFormatError(
            f"{name} line 1: the first columns must be {','.join(MATRIX_COLUMNS)}"
            f" (or {','.join((MATRIX_COLUMNS[0], XID, *MATRIX_COLUMNS[1:]))})"
        )
    group_at = len(expected) - len(MATRIX_COLUMNS) + 1
    columns = []
    for position, column in enumerate(header[len(expected) :], len(expected)):
        comment_id = whole(name, 1, "comment column", column)
        if comment_id not in known:
            raise PolisFormatError(f"{name} line 1: comment {comment_id} is not in {COMMENTS}")
        columns.append((position, comment_id))
    groups, votes, lines, xids = {}, {}, {}, {}
    for line, row in rows:
        participant = whole(name, line, "participant", row[0])
        if participant in lines:
            raise PolisFormatError(
                f"{name} line {line}: participant {participant} is already on line "
                f"{lines[participant]}"
            )
        lines[participant] = line
        if has_xid and row[1].strip():
            xids[participant] = row[1].strip()
            if len(xids[participant]) > XID_MAX:
                raise PolisFormatError(
                    f"{name} line {line}: the xid of participant {participant} is longer "
                    f"than {XID_MAX} characters"
                )
        groups[participant] = whole(name, line, "group-id", row[group_at], blank=True)
        for position, comment_id in columns:
            cell = row[position]
            if cell == "":
                continue
            value = VOTE_VALUES.get(cell.strip())
            if value is None:
                raise PolisFormatError(
                    f"{name} line {line}: vote {cell!r} is not 1, -1, 0 or blank"
                    f" (participant {participant}, comment {comment_id})"
                )
            votes[participant, comment_id] = Vote(value)
    return Matrix(groups, votes, xids, has_xid)


def read_votes(
    path: Path, known: set[int]
) -> tuple[dict[tuple[int, int], Vote], int, dict[int, tuple[int, int]]]:
    """The latest vote of each voter on each comment (ties: the later line), with the time
    of their first and last vote on it; the number of rows; and each voter's first vote as
    (time, line), the earlier line on a tie."""
    name = path.name
    header, rows = records(path, VOTE_COLUMNS)
    at = {column: header.index(column) for column in VOTE_COLUMNS}
    votes: dict[tuple[int, int], Vote] = {}
    first_votes: dict[int, tuple[int, int]] = {}
    count = 0
    for line, row in rows:
        count += 1
        when = moment(name, line, row[at["timestamp"]])
        comment_id = whole(name, line, "comment-id", row[at["comment-id"]])
        if comment_id not in known:
            raise PolisFormatError(f"{name} line {line}: comment {comment_id} is not in {COMMENTS}")
        voter = whole(name, line, "voter-id", row[at["voter-id"]])
        value = VOTE_VALUES.get(row[at["vote"]].strip())
        if value is None:
            raise PolisFormatError(
                f"{name} line {line}: vote {row[at['vote']]!r} is not 1, -1 or 0"
            )
        if voter not in first_votes or (when, line) < first_votes[voter]:
            first_votes[voter] = (when, line)
        vote = votes.get((voter, comment_id))
        if vote is None:
            votes[voter, comment_id] = Vote(value, when, when)
            continue
        if when >= vote.last:
            vote.value, vote.last = value, when
        vote.first = min(vote.first, when)
    return votes, count, first_votes


# --- attribution ----------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def find_attribution(folder: Path) -> str | None:
    """The "Licence and attribution" section of a README.md in the export's folder or the
    folder above it (where a collection of exports keeps its licence), without its heading."""
    for readme in (folder / "README.md", folder.parent / "README.md"):
        if readme.is_file():
            section = licence_section(readme.read_text(encoding="utf-8", errors="replace"))
            if section:
                return section
    return None


def licence_section(markdown: str) -> str | None:
    lines, level = [], None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if level is None:
            if heading and re.search(r"licen[cs]e|attribution", heading[2], re.IGNORECASE):
                level = len(heading[1])
            continue
        if heading and len(heading[1]) <= level:
            break
        lines.append(line)
    text = "\n".join(lines).strip()
    return text or None
