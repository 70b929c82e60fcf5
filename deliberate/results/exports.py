"""Downloads: the argument graph (JSON), Pol.is-format CSVs and the moderation log (CSV).

They publish what the public pages show, in machine-readable form, and nothing more:
- no e-mail address and no user id; participants are numbered 0..n-1 in the order they
  joined (Participant.id), the same numbers in every file of one debate (in a debate
  imported from Pol.is, by their Pol.is numbers: see participant_numbers);
- an argument's text only while the public can read it (shown, or collapsed for an edit);
  hidden, flagged and deleted arguments keep their place as placeholders without text (a
  deleted one also loses its author, as on the page: the author withdrew it);
- authors' pseudonyms only in the graph's "author_pseudonym", and only when the organiser
  chose so (Debate.export_pseudonyms);
- communities only as totals, groups of fewer than 5 suppressed (as on the debate page).

Arguments awaiting approval or merged into another are not part of the public debate and are
left out (merging moves their replies and votes to the surviving argument).

Pol.is columns: `moderated` is 1 for a shown argument, 0 for one collapsed while its author is
asked to edit it (its text is public, the mediators' decision is pending: Pol.is's
"unmoderated") or imported unreviewed, -1 for a hidden (by a mediator, or by flags until
reviewed) or deleted one (Pol.is's "rejected", left out of its analyses). Votes are 1 agree,
-1 disagree, 0 pass (statements of an open question); a blank cell of the matrix is no vote.
`comment-id` is the argument's id, or in an imported debate its Pol.is comment-id (see
comment_number), so exporting an imported conversation gives back its vote matrix and
texts. Times are UTC. Text is exported exactly (Pol.is does not escape cells that start
with "=", and Markdown lists start with "-"), so open the files as data, not as a spreadsheet
that evaluates formulas.

The CSVs are generators of text chunks, CHUNK rows at a time, reading the database in batches
of the same size, so a debate with a million votes streams in constant memory (the
participants-votes matrix holds one row at a time).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import groupby

from flask_babel import force_locale
from sqlalchemy import and_, case, func, null, select
from sqlalchemy.orm import aliased

from ..debates.queries import UNLISTED
from ..extensions import db
from ..models import Argument, ArgumentVote, Debate, Participant, User, Visibility
from ..moderation.log import ACTIONS
from ..moderation.models import LogEntry
from ..moderation.services import community_counts

CHUNK = 1000
GRAPH_FORMAT, GRAPH_VERSION = "deliberate.argument-graph", 1
MODERATED = {"shown": 1, "collapsed": 0, "hidden": -1, "deleted": -1}
COMMENTS_HEADER = [
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
]
VOTES_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
MATRIX_HEADER = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
LOG_HEADER = [
    "time",
    "action",
    "action_label",
    "actor",
    "actor_role",
    "subject",
    "rule",
    "reason",
    "argument_id",
]
# Pol.is's dates are English whatever the locale: "Wed Jun 18 08:16:54 UTC 2014".
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_listed = Argument.visibility.not_in(UNLISTED)
_readable = and_(
    Argument.deleted_at.is_(None),
    Argument.visibility.in_((Visibility.SHOWN, Visibility.EDIT_REQUESTED)),
)


# --- participants ---------------------------------------------------------------------------


def _participants(debate: Debate) -> list[tuple[int, int, int | None]]:
    """(participant id, user id, Pol.is number) of everyone who joined, in joining order."""
    return db.session.execute(
        select(Participant.id, Participant.user_id, Participant.external_id)
        .where(Participant.debate_id == debate.id)
        .order_by(Participant.id)
    ).all()


def participant_numbers(debate: Debate) -> dict[int, int]:
    """User id -> the participant's number in every download of this debate."""
    return _numbers(_participants(debate))


def _numbers(participants) -> dict[int, int]:
    """0..n-1 in joining order; in an imported debate, each imported participant keeps their
    Pol.is number and anyone who joined later is numbered after the largest of them."""
    imported = [external for _pid, _user, external in participants if external is not None]
    following = max(imported) + 1 if imported else 0
    numbers = {}
    for _pid, user_id, external in participants:
        if external is None:
            external, following = following, following + 1
        numbers[user_id] = external
    return numbers


def comment_number(argument_id: int, external_id: int | None, offset: int | None) -> int:
    """An argument's Pol.is comment-id: its own id; in an imported debate (`offset`: the
    largest imported comment-id), an imported statement's Pol.is comment-id, and any later
    argument's id shifted past them, so no two collide."""
    if external_id is not None:
        return external_id
    return argument_id if offset is None else offset + argument_id


def _comment_offset(debate: Debate):
    """The largest imported comment-id of the debate (NULL: none), as a column of a query (an
    uncorrelated subquery, evaluated once), so the downloads need no extra query."""
    return (
        select(func.max(Argument.external_id))
        .where(Argument.debate_id == debate.id)
        .scalar_subquery()
        .label("imported_max")
    )


# --- arguments ------------------------------------------------------------------------------


def _status(visibility: Visibility, deleted_at: datetime | None) -> str:
    if deleted_at is not None:
        return "deleted"
    return {Visibility.SHOWN: "shown", Visibility.EDIT_REQUESTED: "collapsed"}.get(
        visibility, "hidden"
    )


def _arguments(debate: Debate, *, pseudonyms: bool = False):
    """The listed arguments in id order (parents first), one batch at a time. The text of
    an argument the public cannot read never leaves the database."""
    columns = [
        Argument.id,
        Argument.parent_id,
        Argument.stance,
        Argument.depth,
        Argument.created_at,
        Argument.visibility,
        Argument.deleted_at,
        case((_readable, Argument.body), else_=null()).label("body"),
        Argument.agree_count,
        Argument.disagree_count,
        Argument.author_id,
        Argument.external_id,
        Argument.unreviewed,
        _comment_offset(debate),
    ]
    query = select(*columns).where(Argument.debate_id == debate.id, _listed)
    if pseudonyms:
        query = query.add_columns(User.pseudonym).join(User, User.id == Argument.author_id)
    return db.session.execute(query.order_by(Argument.id), execution_options={"yield_per": CHUNK})


def argument_graph(debate: Debate, url: str | None = None) -> dict:
    """The whole tree as JSON-ready data: what the public tree shows, node by node."""
    numbers = participant_numbers(debate)
    named = debate.export_pseudonyms
    arguments = []
    for row in _arguments(debate, pseudonyms=named):
        status = _status(row.visibility, row.deleted_at)
        author = None if status == "deleted" else numbers.get(row.author_id)
        item = {
            "id": row.id,
            "parent_id": row.parent_id,
            "stance": row.stance.value if row.stance else None,
            "depth": row.depth,
            "created_at": row.created_at.isoformat(),
            "status": status,
            "body": row.body,
            "agree": row.agree_count,
            "disagree": row.disagree_count,
            "author": author,
        }
        if named:
            item["author_pseudonym"] = None if author is None else row.pseudonym
        arguments.append(item)
    shown, _rest = community_counts(debate)
    return {
        "format": GRAPH_FORMAT,
        "version": GRAPH_VERSION,
        "debate": {
            "slug": debate.slug,
            "motion": debate.motion,
            "phase": debate.phase.value,
            "url": url,
            "participants": debate.participant_count,
            "results_version": debate.results_version,
        },
        "arguments": arguments,
        "communities": [{"name": name, "participants": count} for name, count in shown],
    }


# --- Pol.is CSVs ----------------------------------------------------------------------------


def polis_time(moment: datetime) -> tuple[int, str]:
    """Pol.is's two time columns: milliseconds since the epoch, and a readable UTC date."""
    m = moment.astimezone(UTC)
    text = (
        f"{_DAYS[m.weekday()]} {_MONTHS[m.month - 1]} {m.day:02d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} UTC {m.year}"
    )
    return round(m.timestamp() * 1000), text


def csv_chunks(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text (Pol.is's \\n line ends), CHUNK rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def comments_csv(debate: Debate) -> Iterator[str]:
    """Every listed argument, at every depth, as a Pol.is comment (the graph has the tree)."""
    numbers = participant_numbers(debate)

    def rows():
        for row in _arguments(debate):
            status = _status(row.visibility, row.deleted_at)
            author = "" if status == "deleted" else numbers.get(row.author_id, "")
            moderated = MODERATED[status]
            if status == "shown" and row.unreviewed:
                moderated = 0  # imported from Pol.is, where nobody had reviewed it
            yield (
                *polis_time(row.created_at),
                comment_number(row.id, row.external_id, row.imported_max),
                author,
                row.agree_count,
                row.disagree_count,
                moderated,
                row.body or "",
            )

    return csv_chunks(COMMENTS_HEADER, rows())


def _votes(debate: Debate):
    """The votes on listed arguments, by time."""
    return db.session.execute(
        select(
            ArgumentVote.updated_at,
            ArgumentVote.argument_id,
            ArgumentVote.user_id,
            ArgumentVote.value,
            Argument.external_id,
            _comment_offset(debate),
        )
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.debate_id == debate.id, _listed)
        .order_by(ArgumentVote.updated_at, ArgumentVote.id),
        execution_options={"yield_per": CHUNK},
    )


def votes_csv(debate: Debate) -> Iterator[str]:
    """Every vote as it stands now (a changed vote counts once, at its last change), by time:
    1 agree, -1 disagree, 0 pass."""
    numbers = participant_numbers(debate)

    def rows():
        for when, argument_id, user_id, value, external_id, offset in _votes(debate):
            if user_id in numbers:
                comment = comment_number(argument_id, external_id, offset)
                yield (*polis_time(when), comment, numbers[user_id], value)

    return csv_chunks(VOTES_HEADER, rows())


def participants_votes_csv(
    debate: Debate, groups: Mapping[int, int] | None = None
) -> Iterator[str]:
    """One row per participant who voted or wrote, one column per comment (1 agree, -1
    disagree, 0 pass, empty: no vote); `n-votes` counts passes too, as in Pol.is.
    `groups`: Participant.id -> opinion group, from the results analysis."""
    groups = groups or {}
    participants = _participants(debate)
    numbers = _numbers(participants)
    listed = db.session.execute(
        select(Argument.id, Argument.author_id, Argument.deleted_at, Argument.external_id)
        .where(Argument.debate_id == debate.id, _listed)
        .order_by(Argument.id)
    ).all()
    imported = [row.external_id for row in listed if row.external_id is not None]
    offset = max(imported) if imported else None
    comment_ids, written = [], {}
    for comment_id, author_id, deleted_at, _external in listed:
        comment_ids.append(comment_id)
        if deleted_at is None:  # as in comments.csv, a deleted argument has no author
            written[author_id] = written.get(author_id, 0) + 1
    column = {comment_id: i for i, comment_id in enumerate(comment_ids)}
    header = [comment_number(row.id, row.external_id, offset) for row in listed]

    def rows():
        # Votes come ordered by voter, in participant order, so one row is held at a time.
        ballots = groupby(_ballots(debate), key=lambda vote: vote.participant_id)
        voter, ballot = next(ballots, (None, ()))
        for participant_id, user_id, _external in participants:
            cells = [""] * len(comment_ids)
            if participant_id == voter:
                for vote in ballot:
                    cells[column[vote.argument_id]] = vote.value
                voter, ballot = next(ballots, (None, ()))
            agree, disagree = cells.count(1), cells.count(-1)
            n_votes = len(cells) - cells.count("")
            n_comments = written.get(user_id, 0)
            if n_votes or n_comments:
                group = groups.get(participant_id, "")
                number = numbers[user_id]
                yield (number, group, n_comments, n_votes, agree, disagree, *cells)

    return csv_chunks([*MATRIX_HEADER, *header], rows())


def _ballots(debate: Debate):
    """The votes on listed arguments, voter by voter in participant order."""
    return db.session.execute(
        select(Participant.id.label("participant_id"), ArgumentVote.argument_id, ArgumentVote.value)
        .join(ArgumentVote, ArgumentVote.user_id == Participant.user_id)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Participant.debate_id == debate.id, Argument.debate_id == debate.id, _listed)
        .order_by(Participant.id, ArgumentVote.argument_id),
        execution_options={"yield_per": CHUNK},
    )


def read_polis_matrix(text: str) -> dict[tuple[int, int], int]:
    """(participant, comment id) -> vote, from a participants-votes.csv: for round trips."""
    matrix = {}
    for row in csv.DictReader(io.StringIO(text)):
        for key, cell in row.items():
            if key not in MATRIX_HEADER and cell != "":
                matrix[int(row["participant"]), int(key)] = int(cell)
    return matrix


# --- the moderation log ---------------------------------------------------------------------


def moderation_log_csv(debate: Debate) -> Iterator[str]:
    """The public moderation log, oldest first, with the columns its page shows."""
    actor, subject = aliased(User), aliased(User)
    with force_locale("en"):
        labels = {key: str(label) for key, label in ACTIONS.items()}
    result = db.session.execute(
        select(
            LogEntry.created_at,
            LogEntry.action,
            actor.pseudonym,
            LogEntry.actor_role,
            subject.pseudonym,
            LogEntry.rule_number,
            LogEntry.reason,
            LogEntry.argument_id,
        )
        .outerjoin(actor, actor.id == LogEntry.actor_id)
        .outerjoin(subject, subject.id == LogEntry.subject_id)
        .where(LogEntry.debate_id == debate.id)
        .order_by(LogEntry.id),
        execution_options={"yield_per": CHUNK},
    )
    rows = (
        (
            when.isoformat(timespec="seconds"),
            action,
            labels.get(action, action),
            actor_name or "",
            role,
            subject_name or "",
            rule or "",
            reason,
            argument_id or "",
        )
        for when, action, actor_name, role, subject_name, rule, reason, argument_id in result
    )
    return csv_chunks(LOG_HEADER, rows)
