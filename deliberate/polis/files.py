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
  that comment's `agrees` (never its `disagrees`).
- `votes.csv` (optional): `timestamp,datetime,comment-id,voter-id,vote`, one row per vote
  cast, in no particular order; a voter's latest vote on a comment counts (it equals the
  matrix above, cell for cell, on the public conversations that have both). Same signs.
- `summary.csv` (optional): `key,value` lines (`topic`, `url`, `conversation-description`...).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

COMMENTS, MATRIX, VOTES, SUMMARY = (
    "comments.csv",
    "participants-votes.csv",
    "votes.csv",
    "summary.csv",
)
COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
MATRIX_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
VOTE_VALUES = {"1": 1, "-1": -1, "0": 0}
REJECTED, UNMODERATED, ACCEPTED = -1, 0, 1


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
    has_votes, has_matrix = (folder / VOTES).is_file(), (folder / MATRIX).is_file()
    if not (has_votes or has_matrix):
        raise PolisFormatError(f"{MATRIX}: not found in {folder} (nor {VOTES})")
    summary = read_summary(folder / SUMMARY) if (folder / SUMMARY).is_file() else {}
    comments = read_comments(folder / COMMENTS)
    known = {c.id for c in comments}
    participants = {c.author for c in comments}
    votes: dict[tuple[int, int], Vote] = {}
    vote_rows = 0
    if has_matrix:
        matrix_participants, votes = read_matrix(folder / MATRIX, known)
        participants.update(matrix_participants)
        vote_rows = len(votes)
    votes_from = MATRIX
    if has_votes:
        votes, vote_rows = read_votes(folder / VOTES, known)
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
    at = {column: header.index(column) for column in COMMENT_COLUMNS}
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
                timestamp=whole(name, line, "timestamp", row[at["timestamp"]], blank=True),
                moderated=int(moderated),
                body=row[at["comment-body"]],
            )
        )
    comments.sort(key=lambda c: c.id)
    return comments


def read_matrix(path: Path, known: set[int]) -> tuple[set[int], dict[tuple[int, int], Vote]]:
    name = path.name
    header, rows = records(path, MATRIX_COLUMNS)
    if tuple(header[: len(MATRIX_COLUMNS)]) != MATRIX_COLUMNS:
        raise PolisFormatError(
            f"{name} line 1: the first columns must be {','.join(MATRIX_COLUMNS)}"
        )
    columns = []
    for position, column in enumerate(header[len(MATRIX_COLUMNS) :], len(MATRIX_COLUMNS)):
        comment_id = whole(name, 1, "comment column", column)
        if comment_id not in known:
            raise PolisFormatError(f"{name} line 1: comment {comment_id} is not in {COMMENTS}")
        columns.append((position, comment_id))
    participants, votes, lines = set(), {}, {}
    for line, row in rows:
        participant = whole(name, line, "participant", row[0])
        if participant in lines:
            raise PolisFormatError(
                f"{name} line {line}: participant {participant} is already on line "
                f"{lines[participant]}"
            )
        lines[participant] = line
        participants.add(participant)
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
    return participants, votes


def read_votes(path: Path, known: set[int]) -> tuple[dict[tuple[int, int], Vote], int]:
    """The latest vote of each voter on each comment (ties: the later line), with the time
    of their first and last vote on it."""
    name = path.name
    header, rows = records(path, VOTE_COLUMNS)
    at = {column: header.index(column) for column in VOTE_COLUMNS}
    votes: dict[tuple[int, int], Vote] = {}
    count = 0
    for line, row in rows:
        count += 1
        when = whole(name, line, "timestamp", row[at["timestamp"]])
        comment_id = whole(name, line, "comment-id", row[at["comment-id"]])
        if comment_id not in known:
            raise PolisFormatError(f"{name} line {line}: comment {comment_id} is not in {COMMENTS}")
        voter = whole(name, line, "voter-id", row[at["voter-id"]])
        value = VOTE_VALUES.get(row[at["vote"]].strip())
        if value is None:
            raise PolisFormatError(
                f"{name} line {line}: vote {row[at['vote']]!r} is not 1, -1 or 0"
            )
        vote = votes.get((voter, comment_id))
        if vote is None:
            votes[voter, comment_id] = Vote(value, when, when)
            continue
        if when >= vote.last:
            vote.value, vote.last = value, when
        vote.first = min(vote.first, when)
    return votes, count


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
