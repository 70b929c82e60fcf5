"""Import a Pol.is conversation export as a new, closed open-question debate.

What becomes what:
- the conversation -> a Debate in the QUESTION format, closed (a finished consultation):
  created at its first activity, closed at its last; its motion is the title given or the
  summary's topic; its background says where it came from, with the licence and
  attribution found in a README.md beside the export;
- each Pol.is participant (matrix row, voter or author) -> an anonymous imported account
  nobody can log in to ("Pol.is participant 17") and a Participant with external_id 17,
  its `xid` if the export has one (external_xid) and no motion position;
- each comment -> a top-level statement (no stance) with external_id = its comment-id:
  accepted ones shown, rejected ones (moderated -1) hidden with a public moderation-log
  entry, unmoderated ones (0) shown and marked `unreviewed`; meta statements (is-meta, or
  known for an older export: files.KNOWN_META_STATEMENTS) marked `meta`, which the opinion
  groups leave out as Pol.is does; seed statements (is-seed) marked `seed`. Deliberate keeps
  statements of BODY_MIN to BODY_MAX characters (a CHECK constraint); a comment outside that range
  keeps its place, author, votes and moderation state but not its text (it is stored as
  withdrawn, like a deleted argument); the result lists them;
- each vote -> an ArgumentVote of 1, -1 or 0 (pass), from votes.csv when there is one (the
  latest vote of a voter on a comment, created at their first vote on it and updated at
  the last), else from participants-votes.csv (at the import time);
- Pol.is's opinion groups (participants-votes.csv's group-id) -> the version of Pol.is's
  math that reproduces them (fidelity.py) becomes the debate's group_method, so its report
  draws the groups Pol.is drew. Participants are inserted in Pol.is's row order (first
  vote), which its clustering depends on.

Every counter (agree, disagree and pass counts and the Wilson score of each statement; the
debate's argument, participant and vote counts and results_version) is computed here and
written with the rows, by bulk inserts in chunks. The whole import is one transaction: it
commits at the end, and any failure rolls everything back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from ..counters import wilson_lower_bound
from ..debates.services import unique_slug
from ..extensions import db
from ..markup import render_markdown
from ..models import (
    BODY_MAX,
    BODY_MIN,
    MOTION_MAX,
    PATH_STEP,
    Argument,
    ArgumentVote,
    Debate,
    DebateFormat,
    GroupMethod,
    Participant,
    Phase,
    User,
    Visibility,
    utcnow,
)
from ..moderation.models import LogEntry
from ..moderation.services import set_up_debate
from .fidelity import Fidelity, closest, compare_all
from .files import REJECTED, UNMODERATED, Conversation, PolisFormatError, read_conversation

__all__ = [
    "IMPORT_ACCOUNT",
    "REJECTED_REASON",
    "ImportResult",
    "PolisFormatError",
    "PolisImportError",
    "import_conversation",
    "run_import",
]

REJECTED_REASON = "Rejected by the conversation's moderators in Pol.is"
#: The organiser of imported debates when no account is named and there is no admin.
IMPORT_ACCOUNT = "Pol.is import"
CHUNK = 5000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: progress(stage, done, total): stage is "participants", "statements" or "votes".
Progress = Callable[[str, int, int], None]


class PolisImportError(PolisFormatError):
    """The import cannot go ahead (a title, an organiser): nothing was written."""


@dataclass
class ImportResult:
    debate: Debate
    statements: int
    participants: int
    votes: int
    hidden: int
    unreviewed: int
    #: (comment-id, length) of the comments imported without their text.
    without_text: list[tuple[int, int]] = field(default_factory=list)
    #: "votes.csv" or "participants-votes.csv", and how many rows of it were read.
    votes_from: str = ""
    vote_rows: int = 0
    seconds: float = 0.0
    #: How each version of Pol.is's math reproduces the export's groups, and the one the
    #: debate keeps (see fidelity.py); empty when the export has no groups.
    fidelity: dict[str, Fidelity] = field(default_factory=dict)
    group_method: GroupMethod = GroupMethod.CURRENT


def import_conversation(
    folder: Path,
    *,
    title: str | None = None,
    organiser: User | str | None = None,
    progress: Progress | None = None,
) -> Debate:
    """Import the Pol.is export in `folder` as a new closed open-question debate and commit.

    `organiser`: a User, or the e-mail address of an account; by default the first admin,
    or, when there is none, a dedicated account nobody can log in to ("Pol.is import").
    Raises PolisFormatError (malformed files, naming the file and line) or PolisImportError
    before writing anything; any later failure rolls the whole import back. Call it with no
    uncommitted changes in the session: they would be committed, or rolled back, with it."""
    return run_import(folder, title=title, organiser=organiser, progress=progress).debate


def run_import(
    folder: Path,
    *,
    title: str | None = None,
    organiser: User | str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """import_conversation, returning what was imported."""
    started = time.perf_counter()
    conversation = read_conversation(Path(folder))
    motion = motion_for(conversation, title)
    try:
        result = _write(conversation, motion, organiser, progress or _quiet)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


# --- what the debate says about itself -------------------------------------------------------


def motion_for(conversation: Conversation, title: str | None) -> str:
    if title is not None:
        motion = " ".join(title.split())
        if not 10 <= len(motion) <= MOTION_MAX:
            raise PolisImportError(f"the title must be 10 to {MOTION_MAX} characters")
        return motion
    topic = " ".join(conversation.summary.get("topic", "").split()) or conversation.folder.name
    if len(topic) < 10:
        topic = f"{topic} (a Pol.is conversation)"
    if len(topic) > MOTION_MAX:
        topic = topic[: MOTION_MAX - 1].rstrip() + "…"
    return topic


CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def background_for(conversation: Conversation, without_text: int = 0) -> str:
    """A short Markdown note: the source, the question as Pol.is asked it, what changed on
    the way in, and the licence and attribution found beside the export."""
    summary = conversation.summary
    url = summary.get("url", "").strip()
    source = f"the Pol.is conversation at <{url}>" if url else "a Pol.is conversation"
    note = (
        f"Imported from {source}: its statements and votes, read-only. Statements its "
        "moderators rejected are hidden; those they had not reviewed are marked as such."
    )
    if without_text:
        note += (
            f" {without_text} statement{'s' if without_text > 1 else ''} outside Deliberate's "
            f"{BODY_MIN} to {BODY_MAX:,} characters {'are' if without_text > 1 else 'is'} "
            "kept without text."
        )
    parts = [note]
    description = summary.get("conversation-description", "").strip()
    if description:
        parts.append("\n".join(f"> {line}" for line in description.splitlines()))
    attribution = conversation.attribution
    if attribution:
        parts.append(attribution)
        if "CC BY 4.0" in attribution and CC_BY not in attribution:
            parts.append(f"Licence: CC BY 4.0, <{CC_BY}>.")
    return "\n\n".join(parts)


def moment(ms: int | None, default: datetime) -> datetime:
    return default if ms is None else EPOCH + timedelta(milliseconds=ms)


# --- the organiser ---------------------------------------------------------------------------


def resolve_organiser(organiser: User | str | None, now: datetime) -> User:
    if isinstance(organiser, User):
        return organiser
    if organiser is not None:
        user = db.session.scalar(select(User).where(User.email == organiser.strip().lower()))
        if user is None:
            raise PolisImportError(f"no account has the e-mail address {organiser!r}")
        return user
    admin = db.session.scalar(
        select(User)
        .where(User.is_admin, User.password_hash.is_not(None), User.deleted_at.is_(None))
        .order_by(User.id)
        .limit(1)
    )
    if admin is not None:
        return admin
    account = db.session.scalar(
        select(User)
        .where(User.is_imported, User.email.is_(None), User.pseudonym == IMPORT_ACCOUNT)
        .order_by(User.id)
        .limit(1)
    )
    if account is None:
        account = User(pseudonym=IMPORT_ACCOUNT, is_imported=True, created_at=now)
        db.session.add(account)
        db.session.flush()
    return account


# --- writing ---------------------------------------------------------------------------------


def _write(
    conversation: Conversation, motion: str, organiser_choice, progress: Progress
) -> ImportResult:
    now = utcnow()
    organiser = resolve_organiser(organiser_choice, now)
    comments, votes = conversation.comments, conversation.votes
    keeps_text = {c.id: BODY_MIN <= len(c.body) <= BODY_MAX for c in comments}
    moments = conversation.timestamps
    background = background_for(conversation, sum(not kept for kept in keeps_text.values()))
    fidelity = compare_all(conversation)
    chosen = closest(fidelity)
    group_method = GroupMethod(chosen.method) if chosen else GroupMethod.CURRENT
    debate = Debate(
        slug=unique_slug(motion),
        motion=motion,
        format=DebateFormat.QUESTION,
        group_method=group_method,
        background=background,
        background_html=str(render_markdown(background)),
        organiser_id=organiser.id,
        phase=Phase.CLOSED,
        created_at=moment(min(moments), now) if moments else now,
        updated_at=now,
        closed_at=moment(max(moments), now) if moments else now,
        argument_count=sum(keeps_text.values()),
        participant_count=len(conversation.participants),
        vote_count=len(votes),
        results_version=1,
    )
    db.session.add(debate)
    db.session.flush()
    set_up_debate(debate, organiser)
    db.session.flush()

    users = _insert_participants(debate, conversation, now, progress)
    arguments = _insert_statements(debate, conversation, users, keeps_text, now, progress)
    _insert_votes(conversation, users, arguments, now, progress)
    rejected = [c for c in comments if c.moderated == REJECTED]
    if rejected:
        db.session.execute(
            insert(LogEntry.__table__),
            [
                {
                    "debate_id": debate.id,
                    "actor_id": organiser.id,
                    "actor_role": "organiser",
                    "action": "argument_hidden",
                    "reason": REJECTED_REASON,
                    "argument_id": arguments[c.id],
                    "created_at": now,
                }
                for c in rejected
            ],
        )
    return ImportResult(
        debate=debate,
        statements=len(comments),
        participants=len(conversation.participants),
        votes=len(votes),
        hidden=len(rejected),
        unreviewed=sum(c.moderated == UNMODERATED for c in comments),
        without_text=[(c.id, len(c.body)) for c in comments if not keeps_text[c.id]],
        votes_from=conversation.votes_from,
        vote_rows=conversation.vote_rows,
        fidelity=fidelity if chosen else {},
        group_method=group_method,
    )


def _chunks(rows: list):
    size = CHUNK
    for start in range(0, len(rows), size):
        yield start + min(size, len(rows) - start), rows[start : start + size]


def _insert_returning_ids(table, rows: list[dict], stage: str, progress: Progress) -> list[int]:
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    progress(stage, 0, len(rows))
    for done, chunk in _chunks(rows):
        ids.extend(db.session.execute(statement, chunk).scalars())
        progress(stage, done, len(rows))
    return ids


def _insert_participants(
    debate: Debate, conversation: Conversation, now: datetime, progress: Progress
) -> dict[int, int]:
    """Pol.is participant id -> the new user's id."""
    people = conversation.arrival_order()  # Pol.is's row order, which its groups depend on
    user_ids = _insert_returning_ids(
        User.__table__,
        [
            {"pseudonym": f"Pol.is participant {pid}", "is_imported": True, "created_at": now}
            for pid in people
        ],
        "participants",
        _quiet,
    )
    users = dict(zip(people, user_ids, strict=True))
    # Each joined at their first known activity (a comment, a vote), else now.
    first: dict[int, int] = {}
    activity = [(c.author, c.timestamp) for c in conversation.comments]
    activity += [(voter, vote.first) for (voter, _c), vote in conversation.votes.items()]
    for pid, when in activity:
        if when is not None and when < first.get(pid, when + 1):
            first[pid] = when
    rows = [
        {
            "debate_id": debate.id,
            "user_id": users[pid],
            "external_id": pid,
            "external_xid": conversation.xids.get(pid),
            "position_before": None,
            "joined_at": moment(first.get(pid), now),
        }
        for pid in people
    ]
    progress("participants", 0, len(rows))
    for done, chunk in _chunks(rows):
        db.session.execute(insert(Participant.__table__), chunk)
        progress("participants", done, len(rows))
    return users


def _insert_statements(
    debate: Debate,
    conversation: Conversation,
    users: dict[int, int],
    keeps_text: dict[int, bool],
    now: datetime,
    progress: Progress,
) -> dict[int, int]:
    """Pol.is comment id -> the new statement's id."""
    counts = {c.id: [0, 0, 0] for c in conversation.comments}  # agree, disagree, pass
    slot = {1: 0, -1: 1, 0: 2}
    for (_voter, comment_id), vote in conversation.votes.items():
        counts[comment_id][slot[vote.value]] += 1
    meta = set(conversation.meta)
    rows = []
    for comment in conversation.comments:
        agree, disagree, passed = counts[comment.id]
        kept = keeps_text[comment.id]
        rows.append(
            {
                "debate_id": debate.id,
                "parent_id": None,
                "author_id": users[comment.author],
                "stance": None,
                "body": comment.body if kept else "",
                "body_html": str(render_markdown(comment.body)) if kept else "",
                "depth": 0,
                "path": "",
                "created_at": moment(comment.timestamp, now),
                "deleted_at": None if kept else now,
                "visibility": Visibility.HIDDEN
                if comment.moderated == REJECTED
                else Visibility.SHOWN,
                "moderation_reason": REJECTED_REASON if comment.moderated == REJECTED else "",
                "external_id": comment.id,
                "unreviewed": comment.moderated == UNMODERATED,
                "meta": comment.id in meta,
                "seed": comment.is_seed,
                "agree_count": agree,
                "disagree_count": disagree,
                "pass_count": passed,
                "score": wilson_lower_bound(agree, disagree),
                "reply_count": 0,
                "descendant_count": 0,
            }
        )
    table = Argument.__table__
    ids = _insert_returning_ids(table, rows, "statements", progress)
    db.session.execute(
        update(table).where(table.c.id == bindparam("row_id")).values(path=bindparam("new_path")),
        [{"row_id": i, "new_path": f"{i:0{PATH_STEP}d}"} for i in ids],
    )
    return dict(zip((c.id for c in conversation.comments), ids, strict=True))


def _insert_votes(
    conversation: Conversation,
    users: dict[int, int],
    arguments: dict[int, int],
    now: datetime,
    progress: Progress,
) -> None:
    rows = [
        {
            "argument_id": arguments[comment_id],
            "user_id": users[voter],
            "value": vote.value,
            "created_at": moment(vote.first, now),
            "updated_at": moment(vote.last, now),
        }
        for (voter, comment_id), vote in sorted(conversation.votes.items())
    ]
    table = ArgumentVote.__table__
    progress("votes", 0, len(rows))
    for done, chunk in _chunks(rows):
        db.session.execute(insert(table), chunk)
        progress("votes", done, len(rows))
