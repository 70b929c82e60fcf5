"""Downloads: the argument graph (JSON), Pol.is-format CSVs and the moderation log (CSV).

They publish what the public pages show, in machine-readable form, and nothing more; what
each may reveal is decided with the other public outputs (docs/threat-model.md):

- no e-mail address and no user id;
- two numberings that cannot be joined. Voters: a participant whose votes may be published
  as a row of their own (Participant.vote_record_public: never declared a community, never
  wrote an argument, account not deleted) gets a voter number, in an order drawn from the
  site's secret key (not the order they joined); votes.csv and participants-votes.csv use
  it. Authors: every author of an argument the public can read gets an author number after
  every voter number, in comments.csv and the graph. Authors are named on the pages, so a
  shared number would put a name on a row of votes; declared participants' rows could be
  solved against the per-community figures. Everyone's votes still count in every total.
  Participants imported from Pol.is keep their Pol.is number everywhere (that export
  already published them as one numbering, and no name stands behind it);
- votes row by row (votes.csv, participants-votes.csv) only once the debate is closed, so
  nobody can follow a row as it grows; a native participant's vote is dated to the day;
- an argument's text only while the public can read it (shown, or collapsed for an edit);
  hidden, flagged and deleted arguments keep their place as placeholders without text and
  without author (as on the pages);
- authors' pseudonyms only in the graph's "author_pseudonym", for readable arguments, and
  only when the organiser chose so (Debate.export_pseudonyms);
- communities only as the published totals, groups of fewer than 5 suppressed (as on the
  debate page, from the same batched computation: results/release.py).

Arguments awaiting approval or merged into another are not part of the public debate and are
left out (merging moves their replies and votes to the surviving argument).

Pol.is columns: `moderated` is 1 for a shown argument, 0 for one collapsed while its author is
asked to edit it (its text is public, the mediators' decision is pending: Pol.is's
"unmoderated") or imported unreviewed, -1 for a hidden (by a mediator, or by flags until
reviewed) or deleted one (Pol.is's "rejected", left out of its analyses). Votes are 1 agree,
-1 disagree, 0 pass (statements of an open question); a blank cell of the matrix is no vote.
`comment-id` is the argument's id, or in an imported debate its Pol.is comment-id (see
comment_number), so exporting an imported conversation gives back its vote matrix and
texts.

Spreadsheets run a cell that starts with =, +, -, @ (or a tab or carriage return) as a
formula. As OWASP recommends, every text cell that starts with one of them, or with a single
quote followed by one, gets a single quote in front (`neutralise`); a spreadsheet shows the
text as written. Deliberate's Pol.is reader takes that one quote off again
(polis/files.py), so an export re-imports to the same texts.

The CSVs are generators of text chunks, CHUNK rows at a time, reading the database in batches
of the same size, so a debate with a million votes streams in constant memory (the
participants-votes matrix holds one row at a time).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from flask import current_app
from flask_babel import format_datetime
from sqlalchemy import and_, case, func, null, select
from sqlalchemy.orm import aliased

from ..debates.queries import UNLISTED
from ..extensions import db
from ..models import Argument, ArgumentVote, Debate, Participant, Phase, User, Visibility
from ..moderation.log import ACTIONS, Line, detail, names_actor, names_subject, sentence
from ..moderation.models import LogEntry
from ..polis import files
from ..translating.models import ArgumentTranslation, TranslationStatus
from . import cache

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
#: Pol.is's comments.csv since 2024: no `datetime`; meta and seed flags and the statement's
#: group-informed consensus before the text.
CURRENT_COMMENTS_HEADER = [
    "timestamp",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "is-meta",
    "is-seed",
    "group-informed-consensus",
    "comment-body",
]
VOTES_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
MATRIX_HEADER = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
#: Since 2022 the matrix has the host site's id of each participant after theirs.
CURRENT_MATRIX_HEADER = ["participant", "xid", *MATRIX_HEADER[1:]]
#: The two Pol.is export formats the downloads write: "classic" (2014 to 2021) and
#: "current" (Pol.is's exports since 2024). votes.csv is the same in both.
FORMATS = ("classic", "current")
LOG_HEADER = [
    "time",
    "when",
    "entry",
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


# --- participants ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    participant_id: int
    user_id: int
    #: Their Pol.is participant number, if imported with a conversation.
    external_id: int | None
    #: Whether their votes may be a row of the vote downloads (Participant.vote_record_public).
    row: bool


def _people(debate: Debate) -> list[Person]:
    """Everyone who joined, in joining order (the order is never published)."""
    return [
        Person(*row)
        for row in db.session.execute(
            select(
                Participant.id,
                Participant.user_id,
                Participant.external_id,
                Participant.vote_record_public,
            )
            .where(Participant.debate_id == debate.id)
            .order_by(Participant.id)
        )
    ]


def participant_numbers(debate: Debate) -> dict[int, int]:
    """User id -> voter number, for the participants whose votes the downloads may show."""
    return Numbering(debate, _people(debate)).voters


class Numbering:
    """The two numberings of one debate's downloads (see the module's docstring).

    Voters: an imported participant keeps their Pol.is number; any other participant with a
    public record is numbered after the largest of them, in an order drawn from the site's
    secret key and the debate, so the numbers say nothing of when anyone joined. Authors:
    numbered after every voter number, in the order of their first readable argument, so
    no author number is ever a voter number."""

    def __init__(self, debate: Debate, people: list[Person]):
        imported = [p.external_id for p in people if p.external_id is not None]
        following = max(imported) + 1 if imported else 0
        native = sorted(
            (p for p in people if p.external_id is None and p.row), key=_shuffle_key(debate)
        )
        self.voters = {p.user_id: p.external_id for p in people if p.external_id is not None}
        for number, person in enumerate(native, start=following):
            self.voters[person.user_id] = number
        self._imported = {p.user_id for p in people if p.external_id is not None}
        self._next_author = max(self.voters.values(), default=-1) + 1
        self._authors: dict[int, int] = {}

    def author(self, user_id: int, readable: bool) -> int | None:
        """The author number of `user_id`, or None where no author may show (an argument
        hidden, flagged or deleted: the pages do not name its author either)."""
        if user_id in self._imported:
            return self.voters[user_id]
        if not readable:
            return None
        if user_id not in self._authors:
            self._authors[user_id] = self._next_author
            self._next_author += 1
        return self._authors[user_id]


def _shuffle_key(debate: Debate):
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    salt = hmac.new(secret, f"deliberate voter numbers {debate.id}".encode(), hashlib.sha256)

    def key(person: Person) -> bytes:
        return hmac.new(salt.digest(), str(person.participant_id).encode(), hashlib.sha256).digest()

    return key


def rows_published(debate: Debate) -> bool:
    """Votes row by row: once the debate is closed (an imported conversation is closed)."""
    return debate.phase is Phase.CLOSED


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
        Argument.meta,
        Argument.seed,
        Argument.language,
        _comment_offset(debate),
    ]
    query = select(*columns).where(Argument.debate_id == debate.id, _listed)
    if pseudonyms:
        query = query.add_columns(User.pseudonym).join(User, User.id == Argument.author_id)
    return db.session.execute(query.order_by(Argument.id), execution_options={"yield_per": CHUNK})


def argument_graph(debate: Debate, url: str | None = None) -> dict:
    """The whole tree as JSON-ready data: what the public tree shows, node by node."""
    numbering = Numbering(debate, _people(debate))
    named = debate.export_pseudonyms
    translations = _published_translations(debate, named)
    arguments = []
    for row in _arguments(debate, pseudonyms=named):
        status = _status(row.visibility, row.deleted_at)
        readable = status in ("shown", "collapsed")
        author = numbering.author(row.author_id, readable)
        item = {
            "id": row.id,
            "parent_id": row.parent_id,
            "stance": row.stance.value if row.stance else None,
            "depth": row.depth,
            "created_at": row.created_at.isoformat(),
            "status": status,
            "body": row.body,
            "language": row.language or debate.language,
            "agree": row.agree_count,
            "disagree": row.disagree_count,
            "author": author,
        }
        if named:
            item["author_pseudonym"] = row.pseudonym if readable else None
        # Published translations of readable text only, as on the pages.
        item["translations"] = translations.get(row.id, []) if status == "shown" else []
        arguments.append(item)
    counts = cache.published_counts(debate)
    return {
        "format": GRAPH_FORMAT,
        "version": GRAPH_VERSION,
        "debate": {
            "slug": debate.slug,
            "motion": debate.motion,
            "phase": debate.phase.value,
            "languages": debate.languages,
            "url": url,
            "participants": debate.participant_count,
            "results_version": debate.results_version,
        },
        "arguments": arguments,
        "communities": counts["communities"],
    }


def _published_translations(debate: Debate, named: bool) -> dict[int, list[dict]]:
    """Argument id -> its published translations, current or outdated by an edit of the
    original, with their translator's and checker's pseudonyms when the organiser has
    the downloads name people (Debate.export_pseudonyms): one query."""
    translator, checker = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            ArgumentTranslation.argument_id,
            ArgumentTranslation.language,
            ArgumentTranslation.body,
            ArgumentTranslation.source_edited_at.is_not_distinct_from(Argument.edited_at),
            ArgumentTranslation.checked_by_id.is_not(None),
            translator.pseudonym,
            checker.pseudonym,
        )
        .join(Argument, Argument.id == ArgumentTranslation.argument_id)
        .outerjoin(translator, translator.id == ArgumentTranslation.translator_id)
        .outerjoin(checker, checker.id == ArgumentTranslation.checked_by_id)
        .where(
            ArgumentTranslation.debate_id == debate.id,
            ArgumentTranslation.status == TranslationStatus.PUBLISHED,
        )
        .order_by(ArgumentTranslation.argument_id, ArgumentTranslation.language)
    )
    found: dict[int, list[dict]] = {}
    for argument_id, language, body, current, checked, by, checked_by in rows:
        item = {"language": language, "body": body, "current": bool(current), "checked": checked}
        if named:
            item |= {"translator_pseudonym": by, "checker_pseudonym": checked_by}
        found.setdefault(argument_id, []).append(item)
    return found


# --- Pol.is CSVs ----------------------------------------------------------------------------


def polis_time(moment: datetime) -> tuple[int, str]:
    """Pol.is's two time columns: milliseconds since the epoch, and a readable UTC date."""
    m = moment.astimezone(UTC)
    text = (
        f"{_DAYS[m.weekday()]} {_MONTHS[m.month - 1]} {m.day:02d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} UTC {m.year}"
    )
    return round(m.timestamp() * 1000), text


def neutralise(cell):
    """A text cell a spreadsheet shows as written: one quote in front of a formula's start,
    or of a quote that precedes one (so that taking one quote off always gives the text
    back: polis/files.py `restore`). Numbers stay numbers: a vote of -1 is not a formula."""
    return "'" + cell if isinstance(cell, str) and files.needs_quote(cell) else cell


def csv_chunks(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text (Pol.is's \\n line ends), CHUNK rows at a time; every field quoted where
    needed, and every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow([neutralise(cell) for cell in row])
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def comments_csv(
    debate: Debate, groups: Mapping[int, int] | None = None, fmt: str = "classic"
) -> Iterator[str]:
    """Every listed argument, at every depth, as a Pol.is comment (the graph has the tree).
    The current format adds the meta and seed flags and the group-informed consensus, from
    `groups` (Participant.id -> opinion group, the results analysis's)."""
    people = _people(debate)
    numbering = Numbering(debate, people)
    current = fmt == "current"
    consensus = _consensus(debate, people, groups or {}) if current else iter(())
    scores = dict(consensus) if current else {}

    def rows():
        for row in _arguments(debate):
            status = _status(row.visibility, row.deleted_at)
            readable = status in ("shown", "collapsed")
            author = numbering.author(row.author_id, readable)
            moderated = MODERATED[status]
            if status == "shown" and row.unreviewed:
                moderated = 0  # imported from Pol.is, where nobody had reviewed it
            number = comment_number(row.id, row.external_id, row.imported_max)
            author = "" if author is None else author
            counts = (row.agree_count, row.disagree_count, moderated)
            if not current:
                yield (*polis_time(row.created_at), number, author, *counts, row.body or "")
                continue
            # No figure of a hidden argument's groups: the report shows none either.
            score = scores.get(row.id) if readable else None
            yield (
                polis_time(row.created_at)[0],
                number,
                author,
                *counts,
                _true(row.meta),
                _true(row.seed),
                "" if score is None else repr(score),
                row.body or "",
            )

    return csv_chunks(CURRENT_COMMENTS_HEADER if current else COMMENTS_HEADER, rows())


def _true(flag: bool) -> str:
    return "true" if flag else "false"


def _consensus(debate: Debate, people: list[Person], groups: Mapping[int, int]):
    """(argument id, group-informed consensus) of each argument the placed participants
    voted on: Pol.is's product over the opinion groups of (agrees + 1) / (votes + 2)
    (results/polis_math.py group_consensus), from one pass over the votes."""
    group_of = {p.user_id: groups[p.participant_id] for p in people if p.participant_id in groups}
    k = max(group_of.values(), default=-1) + 1
    if not k:
        return
    for argument_id, votes in groupby(_votes(debate), key=lambda vote: vote.argument_id):
        agree, seen = [0] * k, [0] * k
        for vote in votes:
            group = group_of.get(vote.user_id)
            if group is not None:
                seen[group] += 1
                agree[group] += vote.value == 1
        score = 1.0
        for a, n in zip(agree, seen, strict=True):
            score *= (a + 1) / (n + 2)
        yield argument_id, score


def _votes(debate: Debate):
    """The votes on listed arguments, argument by argument."""
    return db.session.execute(
        select(
            ArgumentVote.argument_id,
            ArgumentVote.updated_at,
            ArgumentVote.user_id,
            ArgumentVote.value,
            Argument.external_id,
            _comment_offset(debate),
        )
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.debate_id == debate.id, _listed)
        .order_by(ArgumentVote.argument_id),
        execution_options={"yield_per": CHUNK},
    )


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def votes_csv(debate: Debate) -> Iterator[str]:
    """Every vote of the participants with a public record, as it stands now (a changed
    vote counts once), argument by argument and by voter number: 1 agree, -1 disagree, 0
    pass. A native participant's vote is dated to its day (its hour could be matched with a
    moment someone was seen voting); an imported one keeps its Pol.is time."""
    people = _people(debate)
    numbers = Numbering(debate, people).voters
    imported = {p.user_id for p in people if p.external_id is not None}

    def rows():
        for _argument, votes in groupby(_votes(debate), key=lambda vote: vote.argument_id):
            kept = [vote for vote in votes if vote.user_id in numbers]
            for _id, when, user_id, value, external_id, offset in sorted(
                kept, key=lambda vote: numbers[vote.user_id]
            ):
                when = when if user_id in imported else _day(when)
                comment = comment_number(_id, external_id, offset)
                yield (*polis_time(when), comment, numbers[user_id], value)

    return csv_chunks(VOTES_HEADER, rows())


def participants_votes_csv(
    debate: Debate,
    groups: Mapping[int, int] | None = None,
    fmt: str = "classic",
    *,
    xids: bool = False,
) -> Iterator[str]:
    """One row per participant with a public record who voted or wrote, by voter number,
    one column per comment (1 agree, -1 disagree, 0 pass, empty: no vote); `n-votes` counts
    passes too, as in Pol.is. `groups`: Participant.id -> opinion group, from the results
    analysis. The current format has an `xid` column after `participant`: the imported
    participants' xids when `xids` (the debate's staff: an xid may name someone on the site
    that embedded the conversation, and Pol.is's own public data leaves them out), else
    empty."""
    groups = groups or {}
    current = fmt == "current"
    people = _people(debate)
    known_xids = _xids(debate) if current and xids else {}
    numbers = Numbering(debate, people).voters
    rows_of = sorted((p for p in people if p.user_id in numbers), key=lambda p: numbers[p.user_id])
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
        # CHUNK people at a time, their votes in one query: memory stays bounded.
        for start in range(0, len(rows_of), CHUNK):
            chunk = rows_of[start : start + CHUNK]
            ballots: dict[int, list] = {}
            for vote in _ballots(debate, [p.participant_id for p in chunk]):
                ballots.setdefault(vote.participant_id, []).append(vote)
            for person in chunk:
                cells = [""] * len(comment_ids)
                for vote in ballots.get(person.participant_id, ()):
                    cells[column[vote.argument_id]] = vote.value
                agree, disagree = cells.count(1), cells.count(-1)
                n_votes = len(cells) - cells.count("")
                n_comments = written.get(person.user_id, 0)
                if n_votes or n_comments:
                    group = groups.get(person.participant_id, "")
                    number = numbers[person.user_id]
                    xid = (known_xids.get(person.participant_id, ""),) if current else ()
                    yield (number, *xid, group, n_comments, n_votes, agree, disagree, *cells)

    first = CURRENT_MATRIX_HEADER if current else MATRIX_HEADER
    return csv_chunks([*first, *header], rows())


def _xids(debate: Debate) -> dict[int, str]:
    """Participant id -> the xid they were imported with."""
    return dict(
        db.session.execute(
            select(Participant.id, Participant.external_xid).where(
                Participant.debate_id == debate.id, Participant.external_xid.is_not(None)
            )
        ).all()
    )


def _ballots(debate: Debate, participant_ids: list[int]):
    """The votes on listed arguments of these participants."""
    return db.session.execute(
        select(Participant.id.label("participant_id"), ArgumentVote.argument_id, ArgumentVote.value)
        .join(ArgumentVote, ArgumentVote.user_id == Participant.user_id)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(
            Participant.id.in_(participant_ids),
            Argument.debate_id == debate.id,
            _listed,
        )
    )


def read_polis_matrix(text: str) -> dict[tuple[int, int], int]:
    """(participant, comment id) -> vote, from a participants-votes.csv: for round trips."""
    matrix = {}
    for row in csv.DictReader(io.StringIO(text)):
        for key, cell in row.items():
            if key not in CURRENT_MATRIX_HEADER and cell != "":
                matrix[int(row["participant"]), int(key)] = int(cell)
    return matrix


# --- the moderation log ---------------------------------------------------------------------


def moderation_log_csv(debate: Debate) -> Iterator[str]:
    """The public moderation log, oldest first, with the columns its page shows: each entry
    as the page writes it (log.sentence) and its date, in the reader's language, then the
    same entry field by field (the action's code too, for programs)."""
    actor, subject = aliased(User), aliased(User)
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

    def row(when, action, actor_name, role, subject_name, rule, reason, argument_id):
        line = Line(
            actor_name if names_actor(role) else None,
            role,
            action,
            rule,
            reason,
            subject_name if names_subject(action) else None,
        )
        return (
            when.isoformat(timespec="seconds"),
            format_datetime(when, "medium"),
            sentence(line),
            action,
            labels.get(action, action),
            line.actor or "",
            role,
            line.subject or "",
            rule or "",
            detail(action, reason),
            argument_id or "",
        )

    # A generator, like the other CSVs: the query runs while the response streams. Run at
    # once, its server-side cursor (PostgreSQL) would be gone with the view's transaction.
    yield from csv_chunks(LOG_HEADER, (row(*values) for values in result))
