"""Changes to debates, arguments, votes and positions.

Plain functions called by the HTML views, the JSON API and the CLI. Each checks its rule
(deliberate.rules), changes rows, keeps the denormalised counters in step with SQL
increments in the same transaction, and flushes; the caller commits once.
"""

import re
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import rules
from ..counters import bump, count_in_tree, wilson_lower_bound
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..groups import log as group_log
from ..groups.models import GroupMember
from ..invitations.models import Invitation, InvitationUse
from ..markup import render_markdown
from ..models import (
    AGREE,
    DISAGREE,
    PASS,
    PATH_STEP,
    Argument,
    ArgumentRevision,
    ArgumentVote,
    Audience,
    Debate,
    DebateFormat,
    DebateRevision,
    Participant,
    Position,
    Stance,
    User,
    Visibility,
    motion_side,
    utcnow,
)
from ..moderation import log, notify, review
from ..moderation.models import DebateRole, Role, Sanction, SanctionStatus
from ..moderation.review import premoderated
from ..moderation.services import actor_role, community_of, set_up_debate
from ..results import release
from ..rules import Standing

# --- debates -------------------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "debate"


def unique_slug(text: str, table=Debate) -> str:
    """A slug for a new debate (or group: `table`) that no other one has."""
    base = slugify(text)
    if db.session.scalar(select(table.id).where(table.slug == base)) is None:
        return base
    return f"{base}-{secrets.token_hex(3)}"


def start_debate(
    organiser: User,
    motion: str,
    background: str,
    slug: str | None = None,
    format: DebateFormat = DebateFormat.MOTION,
    language: str = "en",
    group=None,
    audience: Audience = Audience.PUBLIC,
) -> Debate:
    """A new debate, as a draft: its organiser sets rules and communities, then opens it.
    A group's debate is started by its admins and facilitators, and logged there."""
    who = Standing(organiser, group_role=group and group_role(organiser, group.id))
    rules.require(rules.start_debate(who, group))
    debate = Debate(
        slug=slug or unique_slug(motion),
        group_id=group and group.id,
        audience=audience,
        format=format,
        motion=motion.strip(),
        background=background.strip(),
        background_html=render_markdown(background.strip()),
        organiser_id=organiser.id,
        language=language,
    )
    db.session.add(debate)
    db.session.flush()
    set_up_debate(debate, organiser)
    if group is not None:
        group_log.record(group, organiser, "debate_started", detail=debate.motion)
    return debate


def edit_debate(who: Standing, debate: Debate, motion: str, background: str) -> bool:
    """Change the motion (only in a draft) and the background (until the debate closes).
    The earlier texts are kept, with who changed them and when, in the public history, and
    the log says what changed. Returns whether anything changed."""
    rules.require(rules.edit_background(who, debate))
    motion, background = motion.strip(), background.strip()
    changed = [
        name
        for name, new, old in (
            ("motion", motion, debate.motion),
            ("background", background, debate.background),
        )
        if new != old
    ]
    if not changed:
        return False
    if "motion" in changed:
        rules.require(rules.edit_motion(who, debate))
    db.session.add(
        DebateRevision(
            debate_id=debate.id,
            motion=debate.motion,
            background=debate.background,
            edited_by_id=who.user.id,
        )
    )
    debate.motion = motion
    debate.background = background
    debate.background_html = render_markdown(background)
    log.record(debate, who.user, actor_role(who), "debate_edited", ", ".join(changed))
    db.session.flush()
    return True


def revisions(debate: Debate) -> list[DebateRevision]:
    """The debate's earlier motions and backgrounds, newest first."""
    return db.session.scalars(
        select(DebateRevision)
        .where(DebateRevision.debate_id == debate.id)
        .order_by(DebateRevision.id.desc())
    ).all()


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
            DebateRole.held(),
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
        group_role=group_role(user, debate.group_id),
        invited=debate.audience is Audience.PRIVATE and came_invited(user, debate),
    )


def group_role(user: User, group_id: int | None) -> str | None:
    if group_id is None:
        return None
    role = db.session.scalar(
        select(GroupMember.role).where(
            GroupMember.group_id == group_id, GroupMember.user_id == user.id
        )
    )
    return None if role is None else str(role)


def came_invited(user: User, debate: Debate) -> bool:
    """They accepted one of the debate's invitation links (an ended link still counts: it
    let them in while it lasted)."""
    used = (
        select(InvitationUse.id)
        .join(Invitation, Invitation.id == InvitationUse.invitation_id)
        .where(Invitation.debate_id == debate.id, InvitationUse.user_id == user.id)
        .limit(1)
    )
    return db.session.scalar(used) is not None


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
    community = community_of(debate, community_id)
    participant = Participant(
        debate_id=debate.id,
        user_id=who.user.id,
        position_before=position,
        rules_accepted_at=utcnow(),
        community_id=community,
        vote_record_public=community is None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(participant)
    except IntegrityError:
        # Two clicks raced: the other one joined.
        raise Conflict() from None
    opening = {f"before_{position.value}": 1} if position else {}
    bump(Debate, debate.id, participant_count=1, **opening)
    release.private_change(debate.id, who.user.id)
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
    bump(Debate, debate.id, **changes)
    release.private_change(debate.id, who.user.id)


# --- arguments -----------------------------------------------------------------------------


def post_argument(
    who: Standing,
    debate: Debate,
    stance: Stance | None,
    body: str,
    parent: Argument | None = None,
    *,
    language: str | None = None,
) -> Argument:
    """An argument on the motion, a statement on an open question (no stance), or a reply
    (which supports or opposes its parent), written in `language`: one of the debate's
    languages, its own by default."""
    rules.require(rules.post_argument(who, debate, parent))
    if parent is not None and parent.debate_id != debate.id:
        raise Conflict()
    if language is not None and language not in debate.languages:
        raise InvalidInput(_l("Choose one of the debate's languages."))
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
        side=motion_side(stance, parent),
        body=body,
        body_html=render_markdown(body),
        depth=parent.depth + 1 if parent else 0,
        language=None if language == debate.language else language,
    )
    held = premoderated(debate, who.participant)
    if held:
        argument.visibility = Visibility.PENDING
        argument.queued_at = utcnow()
    db.session.add(argument)
    db.session.flush()
    argument.path = (parent.path if parent else "") + f"{argument.id:0{PATH_STEP}d}"
    who.participant.last_posted_at = utcnow()
    # Authors are named: their votes can no longer be published as a row of their own.
    who.participant.vote_record_public = False
    if held:
        notify.to_mediators(debate, "new_flag", argument)
    else:
        count_in_tree(argument)
    db.session.flush()
    return argument


def is_statement(debate: Debate, parent: Argument | None) -> bool:
    """Top-level contributions to an open question are statements, without a stance."""
    return debate.is_question and parent is None


def edit_argument(who: Standing, argument: Argument, body: str) -> bool:
    """Change an argument's text, keeping the earlier one in its public history. Returns
    whether the new text is public now; if not, it waits for a mediator (see
    moderation.review.edit_needs_review) and the public reads the earlier text meanwhile."""
    rules.require(rules.edit_argument(who, argument.debate, argument))
    if body == (argument.pending_body or argument.body):
        return argument.pending_body is None
    if review.edit_needs_review(argument, who.participant):
        review.hold_edit(argument, body)
        return False
    if argument.visibility is Visibility.PENDING:
        # Not public yet: the mediator who approves it reads the latest text.
        argument.body, argument.body_html = body, render_markdown(body)
    else:
        review.publish_edit(argument, body)
    db.session.flush()
    return True


def delete_argument(who: Standing, argument: Argument) -> None:
    """Withdraw the text; the node stays, shown as "[deleted]", so its replies keep their place."""
    rules.require(rules.delete_argument(who, argument.debate, argument))
    counted = argument.visibility not in (Visibility.PENDING, Visibility.MERGED)
    argument.deleted_at = utcnow()
    argument.queued_at = None
    argument.body = ""
    argument.body_html = ""
    argument.pending_body = None
    db.session.execute(delete(ArgumentRevision).where(ArgumentRevision.argument_id == argument.id))
    if counted:
        bump(Debate, argument.debate_id, argument_count=-1)
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
    bump(Debate, argument.debate_id, vote_count=total_change)
    release.private_change(argument.debate_id, user.id)
    db.session.flush()


def _count_vote(argument: Argument, value: int | None, change: int) -> None:
    if value == AGREE:
        argument.agree_count += change
    elif value == DISAGREE:
        argument.disagree_count += change
    elif value == PASS:
        argument.pass_count += change
