"""Changes to debates, arguments, votes and positions.

Plain functions called by the HTML views, the JSON API and the CLI. Each checks its rule
(deliberate.rules), changes rows, keeps the denormalised counters in step with SQL
increments in the same transaction, and flushes; the caller commits once.
"""

import math
import re
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from .. import rules
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..markup import render_markdown
from ..models import (
    AGREE,
    DISAGREE,
    PASS,
    PATH_STEP,
    Argument,
    ArgumentRevision,
    ArgumentVote,
    Debate,
    DebateFormat,
    Participant,
    Position,
    Stance,
    User,
    Visibility,
    utcnow,
)
from ..moderation import notify
from ..moderation.models import DebateRole, Role, Sanction, SanctionStatus
from ..moderation.review import author_edited
from ..moderation.services import community_of, set_up_debate
from ..rules import Standing

# --- debates -------------------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "debate"


def unique_slug(text: str) -> str:
    base = slugify(text)
    if db.session.scalar(select(Debate.id).where(Debate.slug == base)) is None:
        return base
    return f"{base}-{secrets.token_hex(3)}"


def start_debate(
    organiser: User,
    motion: str,
    background: str,
    slug: str | None = None,
    format: DebateFormat = DebateFormat.MOTION,
) -> Debate:
    """A new debate, as a draft: its organiser sets rules and communities, then opens it."""
    rules.require(rules.start_debate(Standing(organiser)))
    debate = Debate(
        slug=slug or unique_slug(motion),
        format=format,
        motion=motion.strip(),
        background=background.strip(),
        background_html=render_markdown(background.strip()),
        organiser_id=organiser.id,
    )
    db.session.add(debate)
    db.session.flush()
    set_up_debate(debate, organiser)
    return debate


def standing(user: User, debate: Debate) -> Standing:
    """Who `user` is in `debate` (three small queries when signed in, none otherwise)."""
    if not user.is_authenticated:
        return Standing(user)
    participant = db.session.scalar(
        select(Participant).where(
            Participant.debate_id == debate.id, Participant.user_id == user.id
        )
    )
    roles = db.session.execute(
        select(DebateRole.role, DebateRole.community_id).where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == user.id,
            DebateRole.ended_at.is_(None),
        )
    ).all()
    now = utcnow()
    sanctions = db.session.scalars(
        select(Sanction).where(
            Sanction.debate_id == debate.id,
            Sanction.user_id == user.id,
            Sanction.status == SanctionStatus.ACTIVE,
        )
    ).all()
    return Standing(
        user,
        participant,
        frozenset(role.value for role, _community in roles),
        tuple(s for s in sanctions if s.in_force(now)),
        next((c for role, c in roles if role is Role.MEDIATOR), None),
    )


# --- positions on the motion ---------------------------------------------------------------


def join_debate(
    who: Standing, debate: Debate, position: Position | None, community_id: int | None = None
) -> Participant:
    """Record the acceptance of the ground rules and, on a motion, the opening ("before")
    position: this is what makes someone a participant. An open question has no position.
    The community, if declared, stays private."""
    rules.require(rules.join_debate(who, debate))
    if (position is None) != debate.is_question:
        raise InvalidInput(
            _l("An open question takes no position.")
            if debate.is_question
            else _l("Choose for, against or undecided.")
        )
    participant = Participant(
        debate_id=debate.id,
        user_id=who.user.id,
        position_before=position,
        rules_accepted_at=utcnow(),
        community_id=community_of(debate, community_id),
    )
    try:
        with db.session.begin_nested():
            db.session.add(participant)
    except IntegrityError:
        # Two clicks raced: the other one joined.
        raise Conflict() from None
    opening = {f"before_{position.value}": 1} if position else {}
    _bump(Debate, debate.id, participant_count=1, **opening)
    return participant


def record_final_position(who: Standing, debate: Debate, position: Position) -> None:
    """Record or change the closing ("after") position, until the debate closes."""
    rules.require(rules.record_final_position(who, debate))
    participant = who.participant
    previous = participant.position_after
    if previous == position:
        return
    changes = {f"after_{position.value}": 1}
    if previous is not None:
        changes[f"after_{previous.value}"] = -1
    participant.position_after = position
    participant.after_at = utcnow()
    _bump(Debate, debate.id, **changes)


# --- arguments -----------------------------------------------------------------------------


def post_argument(
    who: Standing, debate: Debate, stance: Stance | None, body: str, parent: Argument | None = None
) -> Argument:
    """An argument on the motion, a statement on an open question (no stance), or a reply
    (which supports or opposes its parent)."""
    rules.require(rules.post_argument(who, debate, parent))
    if parent is not None and parent.debate_id != debate.id:
        raise Conflict()
    if (stance is None) != is_statement(debate, parent):
        raise InvalidInput(
            _l("A statement on an open question takes no side.")
            if stance is not None
            else _l("Say whether your argument is for or against.")
        )
    argument = Argument(
        debate_id=debate.id,
        parent_id=parent.id if parent else None,
        author_id=who.user.id,
        stance=stance,
        body=body,
        body_html=render_markdown(body),
        depth=parent.depth + 1 if parent else 0,
    )
    held = premoderated(debate, who.participant)
    if held:
        argument.visibility = Visibility.PENDING
        argument.queued_at = utcnow()
    db.session.add(argument)
    db.session.flush()
    argument.path = (parent.path if parent else "") + f"{argument.id:0{PATH_STEP}d}"
    who.participant.last_posted_at = utcnow()
    if held:
        notify.to_mediators(debate, "new_flag", argument)
    else:
        count_in_tree(argument)
    db.session.flush()
    return argument


def is_statement(debate: Debate, parent: Argument | None) -> bool:
    """Top-level contributions to an open question are statements, without a stance."""
    return debate.is_question and parent is None


def premoderated(debate: Debate, participant: Participant) -> bool:
    """Safety mode: hold all posts, or a newcomer's until one was approved, for a mediator."""
    return debate.premoderation == "all" or (
        debate.premoderation == "first" and participant.approved_posts == 0
    )


def count_in_tree(argument: Argument) -> None:
    """Count a newly public argument in the debate and in each ancestor's replies, and tell
    the parent's author."""
    if argument.parent_id is None:
        _bump(Debate, argument.debate_id, argument_count=1)
        return
    parent_id = argument.ancestor_ids[-1]
    # One statement, so the check descendant_count >= reply_count holds at every step.
    db.session.execute(
        update(Argument)
        .where(Argument.id.in_(argument.ancestor_ids))
        .values(
            descendant_count=Argument.descendant_count + 1,
            reply_count=Argument.reply_count + case((Argument.id == parent_id, 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    # Arguments, then the debate: the order cast_vote locks them in, so the two never
    # deadlock on PostgreSQL.
    _bump(Debate, argument.debate_id, argument_count=1)
    parent = db.session.get(Argument, parent_id)
    db.session.expire(parent, ["reply_count", "descendant_count"])
    if parent.author_id != argument.author_id:
        notify.send(parent.author_id, "reply", parent.debate, argument)


def edit_argument(who: Standing, argument: Argument, body: str) -> None:
    rules.require(rules.edit_argument(who, argument.debate, argument))
    if body == argument.body:
        return
    db.session.add(
        ArgumentRevision(
            argument_id=argument.id,
            body=argument.body,
            written_at=argument.edited_at or argument.created_at,
        )
    )
    argument.body = body
    argument.body_html = render_markdown(body)
    argument.edited_at = utcnow()
    author_edited(argument)
    results_changed(argument.debate_id)
    db.session.flush()


def delete_argument(who: Standing, argument: Argument) -> None:
    """Withdraw the text; the node stays, shown as "[deleted]", so its replies keep their place."""
    rules.require(rules.delete_argument(who, argument.debate, argument))
    counted = argument.visibility not in (Visibility.PENDING, Visibility.MERGED)
    argument.deleted_at = utcnow()
    argument.queued_at = None
    argument.body = ""
    argument.body_html = ""
    db.session.execute(delete(ArgumentRevision).where(ArgumentRevision.argument_id == argument.id))
    if counted:
        _bump(Debate, argument.debate_id, argument_count=-1)
    db.session.flush()


# --- votes on arguments --------------------------------------------------------------------


def cast_vote(who: Standing, argument: Argument, value: int | None) -> None:
    """Agree (+1), disagree (-1), pass (0, on a statement only) or retract (None) one's vote
    on an argument."""
    rules.require(rules.vote_on_argument(who, argument.debate, argument))
    if value == PASS and argument.stance is not None:
        raise InvalidInput(_l("Passing is only for the statements of an open question."))
    if value not in (AGREE, DISAGREE, PASS, None):
        raise InvalidInput(_l("Agree, disagree or pass."))
    user = who.user
    # Lock the argument row (PostgreSQL) so its counters and score change one voter at a time.
    # populate_existing: the argument loaded by the view holds counts read before the lock;
    # of=Argument: lock only this row, not the author's (joined) user row, which inserts
    # elsewhere reference; NO KEY UPDATE lets those inserts proceed.
    argument = db.session.scalars(
        select(Argument)
        .where(Argument.id == argument.id)
        .with_for_update(of=Argument, key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    existing = db.session.scalar(
        select(ArgumentVote).where(
            ArgumentVote.argument_id == argument.id, ArgumentVote.user_id == user.id
        )
    )
    previous = existing.value if existing else None
    if previous == value:
        return
    if existing is None:
        db.session.add(ArgumentVote(argument_id=argument.id, user_id=user.id, value=value))
    elif value is None:
        db.session.delete(existing)
    else:
        existing.value = value
    _count_vote(argument, previous, -1)
    _count_vote(argument, value, +1)
    argument.score = wilson_lower_bound(argument.agree_count, argument.disagree_count)
    total_change = (value is not None) - (previous is not None)
    _bump(Debate, argument.debate_id, vote_count=total_change)
    db.session.flush()


def _count_vote(argument: Argument, value: int | None, change: int) -> None:
    if value == AGREE:
        argument.agree_count += change
    elif value == DISAGREE:
        argument.disagree_count += change
    elif value == PASS:
        argument.pass_count += change


def wilson_lower_bound(agree: int, disagree: int, z: float = 1.959964) -> float:
    """Lower bound of the 95% Wilson interval for the share of agree votes.

    Ranks an argument by how sure we are that people agree with it, so 40 agree / 10
    disagree beats 2 agree / 0 disagree (Evan Miller, "How Not To Sort By Average Rating").
    """
    n = agree + disagree
    if n == 0:
        return 0.0
    p = agree / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - spread) / (1 + z * z / n)


# --- helpers -------------------------------------------------------------------------------


def results_changed(debate_id: int) -> None:
    """Something the results read changed without changing a counter: mark them stale."""
    _bump(Debate, debate_id)


def _bump(model, row_id: int, **changes: int) -> None:
    """Add to counter columns in SQL, so concurrent writers never lose an increment.
    Any change to a debate's counters also marks its cached results stale."""
    values = {name: getattr(model, name) + change for name, change in changes.items()}
    if model is Debate:
        values["updated_at"] = utcnow()
        values["results_version"] = Debate.results_version + 1
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # The object loaded in this session, if any, still holds the old counts: reload on read.
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded, list(values))
