"""Flags, the mediators' review queue and their decisions on arguments; cooling-off.

Every decision resolves the argument's open flags, takes it out of the queue (unless a
second mediator must look at it), tells its author, and is written in the public log.
"""

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from .. import rules
from ..counters import bump, count_in_tree, results_changed, wilson_lower_bound
from ..debates.queries import subtree_scope
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..markup import render_markdown
from ..models import (
    Argument,
    ArgumentRevision,
    ArgumentVote,
    Debate,
    Participant,
    Visibility,
    utcnow,
)
from ..rules import Standing
from . import log, notify
from .models import Flag, GroundRule, NoteKind
from .services import post_note

QUEUE_PAGE = 50


class Decision(enum.StrEnum):
    KEEP = "keep"
    HIDE = "hide"
    URGENT_HIDE = "urgent_hide"
    REQUEST_EDIT = "request_edit"
    APPROVE = "approve"
    REFUSE_EDIT = "refuse_edit"
    DUPLICATE = "duplicate"


#: Decisions that cite a rule and give a reason (the author reads both; the log shows them).
CITING = (
    Decision.HIDE,
    Decision.URGENT_HIDE,
    Decision.REQUEST_EDIT,
    Decision.REFUSE_EDIT,
    Decision.DUPLICATE,
)
#: What makes an argument "moderated before": its later edits wait for a mediator.
MODERATED = (
    "argument_kept",
    "argument_approved",
    "argument_hidden",
    "argument_hidden_urgently",
    "urgent_hide_confirmed",
    "edit_requested",
    "edit_approved",
    "edit_refused",
    "argument_merged",
    "appeal_upheld",
    "appeal_overturned",
)


def rule_exists(debate: Debate, number: int | None) -> int:
    if (
        number is None
        or db.session.scalar(
            select(GroundRule.id).where(
                GroundRule.debate_id == debate.id, GroundRule.number == number
            )
        )
        is None
    ):
        raise InvalidInput(_l("Cite one of the debate's ground rules."))
    return number


def citing(debate: Debate, rule_number: int, reason: str) -> str:
    """What the person concerned reads: the rule, in full, and the mediator's reason."""
    text = db.session.scalar(
        select(GroundRule.text).where(
            GroundRule.debate_id == debate.id, GroundRule.number == rule_number
        )
    )
    return f"{rule_number}. {text} — {reason}"


# --- flags ----------------------------------------------------------------------------------


def flag(who: Standing, argument: Argument, rule_number: int, note: str = "") -> Flag:
    debate = argument.debate
    rules.require(rules.flag_argument(who, debate, argument))
    rule_exists(debate, rule_number)
    flag = Flag(
        argument_id=argument.id,
        flagger_id=who.user.id,
        rule_number=rule_number,
        note=note,
        edition=edition(argument),
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        raise Conflict(_l("You have already flagged this text of the argument.")) from None
    # Counted in SQL, so concurrent flags all count.
    db.session.execute(
        update(Argument)
        .where(Argument.id == argument.id)
        .values(
            flag_count=Argument.flag_count + 1,
            queued_at=func.coalesce(Argument.queued_at, utcnow()),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(argument, ["flag_count", "queued_at", "visibility"])
    if argument.flag_count >= debate.flag_threshold and argument.visibility is Visibility.SHOWN:
        argument.visibility = Visibility.FLAGGED
        results_changed(debate.id)  # hidden until reviewed: the report stops counting it
    if argument.flag_count == 1:
        notify.to_mediators(debate, "new_flag", argument)
    db.session.flush()
    return flag


def edition(argument: Argument) -> int:
    """Which text of the argument this is: how many earlier texts it has."""
    return db.session.scalar(
        select(func.count())
        .select_from(ArgumentRevision)
        .where(ArgumentRevision.argument_id == argument.id)
    )


def already_flagged(who: Standing, argument: Argument) -> bool:
    """Whether `who` flagged the argument's present text (they may flag a changed one)."""
    return (
        who.signed_in
        and db.session.scalar(
            select(Flag.id).where(
                Flag.argument_id == argument.id,
                Flag.flagger_id == who.user.id,
                Flag.edition == edition(argument),
            )
        )
        is not None
    )


def open_flags(argument_ids) -> dict[int, list[Flag]]:
    ids = list(argument_ids)
    grouped: dict[int, list[Flag]] = {}
    if not ids:
        return grouped
    for f in db.session.scalars(
        select(Flag).where(Flag.argument_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
    ):
        grouped.setdefault(f.argument_id, []).append(f)
    return grouped


# --- the queue ------------------------------------------------------------------------------


def queue(
    who: Standing,
    debate: Debate,
    after: tuple[datetime, int] | None = None,
    limit: int = QUEUE_PAGE,
) -> list[Argument]:
    """Arguments waiting for a mediator, oldest first. Keyset pagination on (queued_at, id)
    over an index, so the hundredth page costs what the first does."""
    rules.require(rules.read_review_queue(who, debate))
    query = select(Argument).where(Argument.debate_id == debate.id, Argument.queued_at.is_not(None))
    if after is not None:
        # A row-value comparison, which both SQLite and PostgreSQL answer from the index.
        query = query.where(tuple_(Argument.queued_at, Argument.id) > tuple_(*after))
    return db.session.scalars(query.order_by(Argument.queued_at, Argument.id).limit(limit)).all()


def queue_length(debate: Debate) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Argument)
        .where(Argument.debate_id == debate.id, Argument.queued_at.is_not(None))
    )


# --- decisions ------------------------------------------------------------------------------


def decide(
    who: Standing,
    argument: Argument,
    decision: Decision,
    rule_number: int | None = None,
    reason: str = "",
    duplicate_of: Argument | None = None,
) -> None:
    debate = argument.debate
    rules.require(rules.review(who, debate))
    _check_fits(argument, decision, duplicate_of)
    if decision in CITING:
        rule_exists(debate, rule_number)
        if not reason.strip():
            raise InvalidInput(_l("Give a reason: it is shown to the author and in the log."))
    if argument.visibility is Visibility.HIDDEN and argument.hidden_by_id:
        # The second look at an urgent hide: keep it hidden, or restore it.
        rules.require(rules.confirm_hide(who, debate, argument))
    author = argument.author_id
    if decision is Decision.REFUSE_EDIT:
        _refuse_edit(who, argument, rule_number, reason)
        db.session.flush()
        return
    flaggers = _open_flaggers(argument)
    _resolve_flags(argument)
    _tell_flaggers(flaggers, decision, debate, argument)
    if decision is not Decision.APPROVE:
        argument.pending_body = None  # the mediator decided on the text the public reads
    if decision is Decision.KEEP:
        was_hidden = argument.visibility is not Visibility.SHOWN
        _set(argument, Visibility.SHOWN, None, "")
        notify.send(author, "restored" if was_hidden else "kept", debate, argument, reason)
        log.record(debate, who.user, "mediator", "argument_kept", reason, argument=argument)
    elif decision is Decision.APPROVE and argument.pending_body is not None:
        publish_edit(argument, argument.pending_body)
        _set(argument, Visibility.SHOWN, None, "")
        notify.send(author, "edit_approved", debate, argument)
        log.record(debate, who.user, "mediator", "edit_approved", argument=argument)
    elif decision is Decision.APPROVE:
        _approve(argument)
        notify.send(author, "approved", debate, argument)
        log.record(debate, who.user, "mediator", "argument_approved", argument=argument)
    elif decision is Decision.HIDE:
        confirming = argument.visibility is Visibility.HIDDEN and argument.hidden_by_id is not None
        _set(argument, Visibility.HIDDEN, rule_number, reason)
        if not confirming:
            notify.send(author, "hidden", debate, argument, citing(debate, rule_number, reason))
        action = "urgent_hide_confirmed" if confirming else "argument_hidden"
        log.record(
            debate, who.user, "mediator", action, reason, rule_number=rule_number, argument=argument
        )
    elif decision is Decision.URGENT_HIDE:
        _set(argument, Visibility.HIDDEN, rule_number, reason)
        argument.hidden_by_id = who.user.id
        argument.queued_at = utcnow()  # back in the queue, for a second mediator
        notify.send(
            author, "hidden_urgently", debate, argument, citing(debate, rule_number, reason)
        )
        notify.to_mediators(debate, "urgent_hide", argument, except_user_id=who.user.id)
        log.record(
            debate,
            who.user,
            "mediator",
            "argument_hidden_urgently",
            reason,
            rule_number=rule_number,
            argument=argument,
        )
    elif decision is Decision.DUPLICATE:
        merge(argument, duplicate_of)
        argument.moderation_rule, argument.moderation_reason = rule_number, reason
        notify.send(author, "merged", debate, argument, citing(debate, rule_number, reason))
        log.record(
            debate,
            who.user,
            "mediator",
            "argument_merged",
            f"#{argument.id} → #{duplicate_of.id} {reason}",
            rule_number=rule_number,
            argument=argument,
        )
    elif decision is Decision.REQUEST_EDIT:
        _set(argument, Visibility.EDIT_REQUESTED, rule_number, reason)
        notify.send(author, "edit_requested", debate, argument, citing(debate, rule_number, reason))
        log.record(
            debate,
            who.user,
            "mediator",
            "edit_requested",
            reason,
            rule_number=rule_number,
            argument=argument,
        )
    db.session.flush()


def _check_fits(argument: Argument, decision: Decision, duplicate_of: Argument | None) -> None:
    """Refuse a decision that does not fit the argument's state."""
    if argument.is_deleted or argument.visibility is Visibility.MERGED:
        raise Conflict(_l("This argument was deleted or merged."))
    # A held post is only approved (or left for its author to delete): it was never counted
    # in the tree, and showing it any other way would skip pre-moderation.
    if (argument.visibility is Visibility.PENDING) and decision is not Decision.APPROVE:
        raise Conflict(_l("Approve posts awaiting approval; other decisions are for public posts."))
    editing = argument.pending_body is not None
    if (
        decision is Decision.APPROVE
        and not editing
        and argument.visibility is not (Visibility.PENDING)
    ):
        raise Conflict(_l("Only a held post or an edit awaiting review can be approved."))
    if editing and decision is Decision.KEEP:
        raise Conflict(_l("An edit awaits review: approve it or refuse it."))
    if decision is Decision.REFUSE_EDIT and not editing:
        raise Conflict(_l("No edit of this argument awaits review."))
    if argument.queued_at is None and decision not in (Decision.URGENT_HIDE, Decision.DUPLICATE):
        raise Conflict(_l("This argument is not waiting for a decision."))
    if decision is Decision.DUPLICATE and duplicate_of is None:
        raise InvalidInput(_l("Give the number of the argument it duplicates."))


def _refuse_edit(who: Standing, argument: Argument, rule_number: int, reason: str) -> None:
    """The earlier text stays. Flags on it, if any, still wait for their own decision."""
    argument.pending_body = None
    if not argument.flag_count and argument.visibility is not Visibility.FLAGGED:
        argument.queued_at = None
    notify.send(
        argument.author_id,
        "edit_refused",
        argument.debate,
        argument,
        citing(argument.debate, rule_number, reason),
    )
    log.record(
        argument.debate,
        who.user,
        "mediator",
        "edit_refused",
        reason,
        rule_number=rule_number,
        argument=argument,
    )


# --- edits ---------------------------------------------------------------------------------


def premoderated(debate: Debate, participant: Participant) -> bool:
    """Safety mode: hold all posts, or a newcomer's until one was approved, for a mediator."""
    return debate.premoderation == "all" or (
        debate.premoderation == "first" and participant.approved_posts == 0
    )


def edit_needs_review(argument: Argument, participant: Participant) -> bool:
    """Whether an edit waits for a mediator before the public reads it: when safety mode
    holds this author's posts, when the argument is flagged or collapsed for an edit, or when
    a mediator decided on it before (approved, kept, hid, restored...). Otherwise an edit
    would slip past the review its earlier text had. A held post is not public: its author
    rewrites it freely until a mediator approves it."""
    if argument.visibility is Visibility.PENDING:
        return False
    if argument.visibility in (Visibility.FLAGGED, Visibility.EDIT_REQUESTED):
        return True
    if argument.flag_count or premoderated(argument.debate, participant):
        return True
    return (
        db.session.scalar(
            select(log.LogEntry.id)
            .where(log.LogEntry.argument_id == argument.id, log.LogEntry.action.in_(MODERATED))
            .limit(1)
        )
        is not None
    )


def hold_edit(argument: Argument, body: str) -> None:
    """Keep the new text aside, in the review queue; the public reads the earlier one."""
    argument.pending_body = body
    if argument.queued_at is None:
        argument.queued_at = utcnow()
    notify.to_mediators(argument.debate, "edit_to_review", argument)
    db.session.flush()


def publish_edit(argument: Argument, body: str) -> None:
    """The new text becomes the argument's; the earlier one joins its public history."""
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
    argument.pending_body = None
    results_changed(argument.debate_id)


def _set(argument: Argument, visibility: Visibility, rule_number, reason) -> None:
    if argument.visibility is not visibility:
        results_changed(argument.debate_id)
    argument.visibility = visibility
    argument.moderation_rule = rule_number
    argument.moderation_reason = reason
    argument.queued_at = None
    argument.hidden_by_id = None


#: What those who flagged an argument hear of the decision (never who took it).
FLAG_OUTCOMES = {
    Decision.KEEP: "flag_outcome_kept",
    Decision.HIDE: "flag_outcome_hidden",
    Decision.URGENT_HIDE: "flag_outcome_hidden",
    Decision.DUPLICATE: "flag_outcome_other",
    Decision.REQUEST_EDIT: "flag_outcome_other",
}


def _open_flaggers(argument: Argument) -> list[int]:
    return list(
        db.session.scalars(
            select(Flag.flagger_id).where(
                Flag.argument_id == argument.id, Flag.resolved_at.is_(None)
            )
        )
    )


def _tell_flaggers(flaggers: list[int], decision: Decision, debate, argument) -> None:
    kind = FLAG_OUTCOMES.get(decision)
    if kind is None:
        return
    for user_id in flaggers:
        notify.send(user_id, kind, debate, argument)


def _resolve_flags(argument: Argument) -> None:
    db.session.execute(
        update(Flag)
        .where(Flag.argument_id == argument.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    argument.flag_count = 0


def _approve(argument: Argument) -> None:
    """A pre-moderated argument goes public: now it counts in its parent's replies."""
    _set(argument, Visibility.SHOWN, None, "")
    count_in_tree(argument)
    db.session.execute(
        update(Participant)
        .where(
            Participant.debate_id == argument.debate_id, Participant.user_id == argument.author_id
        )
        .values(approved_posts=Participant.approved_posts + 1)
    )


# --- duplicates -----------------------------------------------------------------------------


def merge(duplicate: Argument, target: Argument) -> None:
    """Fold `duplicate` into `target`, an argument that makes the same point on the same side
    of the same parent (so every vote keeps its meaning): its replies (with their subtrees)
    and its votes move, each marked with where it came from, so an overturned merge can move
    them back (unmerge). Its address redirects. Counters change in the same transaction."""
    if target.debate_id != duplicate.debate_id or target.id == duplicate.id:
        raise InvalidInput(_l("Choose another argument of the same debate."))
    if not target.is_shown or target.is_deleted:
        raise InvalidInput(_l("Choose an argument that is shown."))
    if target.parent_id != duplicate.parent_id or target.stance != duplicate.stance:
        raise InvalidInput(
            _l(
                "Merge only into an argument on the same side that answers the same argument "
                "(or the motion): elsewhere its votes would mean something else."
            )
        )
    moved, children = duplicate.descendant_count, duplicate.reply_count
    _move_subtrees(duplicate, target, [duplicate], mark=True)
    # Same parent, so the same ancestors: they lose the duplicate itself; the target gains
    # its replies.
    db.session.execute(
        update(Argument)
        .where(Argument.id == target.id)
        .values(
            descendant_count=Argument.descendant_count + moved,
            reply_count=Argument.reply_count + children,
        )
        .execution_options(synchronize_session=False)
    )
    _uncount_in_ancestors(duplicate, -1)
    # Votes move, except where the voter already voted on the target or wrote it: those stay
    # with the merged duplicate, uncounted, until an overturned merge counts them again.
    voted_on_target = select(ArgumentVote.user_id).where(ArgumentVote.argument_id == target.id)
    db.session.execute(
        update(ArgumentVote)
        .where(
            ArgumentVote.argument_id == duplicate.id,
            ArgumentVote.user_id.not_in(voted_on_target),
            ArgumentVote.user_id != target.author_id,
        )
        .values(argument_id=target.id, moved_from_id=duplicate.id)
        .execution_options(synchronize_session=False)
    )
    left = _recount_votes(duplicate)
    _recount_votes(target)
    db.session.execute(
        update(Argument)
        .where(Argument.id == duplicate.id)
        .values(reply_count=0, descendant_count=0, agree_count=0, disagree_count=0, score=0.0)
        .execution_options(synchronize_session=False)
    )
    bump(Debate, duplicate.debate_id, argument_count=-1, vote_count=-left)
    db.session.expire_all()
    _set(duplicate, Visibility.MERGED, None, "")
    duplicate.merged_into_id = target.id


def unmerge(duplicate: Argument) -> None:
    """Undo a merge: the duplicate is shown again with the replies and votes that moved."""
    target = db.session.get(Argument, duplicate.merged_into_id)
    children = db.session.scalars(
        select(Argument).where(
            Argument.parent_id == target.id, Argument.moved_from_id == duplicate.id
        )
    ).all()
    moved = sum(1 + child.descendant_count for child in children)
    _move_subtrees(target, duplicate, children, mark=False)
    db.session.execute(
        update(Argument)
        .where(Argument.id == target.id)
        .values(
            descendant_count=Argument.descendant_count - moved,
            reply_count=Argument.reply_count - len(children),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Argument)
        .where(Argument.id == duplicate.id)
        .values(descendant_count=moved, reply_count=len(children))
        .execution_options(synchronize_session=False)
    )
    _uncount_in_ancestors(duplicate, +1)
    left = db.session.scalar(select(func.count()).where(ArgumentVote.argument_id == duplicate.id))
    db.session.execute(
        update(ArgumentVote)
        .where(ArgumentVote.argument_id == target.id, ArgumentVote.moved_from_id == duplicate.id)
        .values(argument_id=duplicate.id, moved_from_id=None)
        .execution_options(synchronize_session=False)
    )
    _recount_votes(duplicate)
    _recount_votes(target)
    bump(Debate, duplicate.debate_id, argument_count=1, vote_count=left)
    db.session.expire_all()
    _set(duplicate, Visibility.SHOWN, None, "")
    duplicate.merged_into_id = None


def _move_subtrees(source: Argument, destination: Argument, roots, *, mark: bool) -> None:
    """Move the subtrees below `roots` (the source itself: all its replies) from `source` to
    `destination`, a sibling: their paths change prefix; the depth stays."""
    cut = len(source.path)
    for root in roots:
        scope = (
            subtree_scope(root)
            if root is source
            else or_(Argument.id == root.id, subtree_scope(root))
        )
        db.session.execute(
            update(Argument)
            .where(Argument.debate_id == source.debate_id, scope)
            .values(
                path=destination.path + func.substr(Argument.path, cut + 1),
                parent_id=case(
                    (Argument.parent_id == source.id, destination.id), else_=Argument.parent_id
                ),
                moved_from_id=case(
                    (Argument.parent_id == source.id, source.id if mark else None),
                    else_=Argument.moved_from_id,
                ),
            )
            .execution_options(synchronize_session=False)
        )


def _uncount_in_ancestors(argument: Argument, change: int) -> None:
    """Count an argument in (+1) or out of (-1) its ancestors' replies."""
    if argument.parent_id is None:
        return
    db.session.execute(
        update(Argument)
        .where(Argument.id.in_(argument.ancestor_ids))
        .values(
            descendant_count=Argument.descendant_count + change,
            reply_count=Argument.reply_count
            + case((Argument.id == argument.parent_id, change), else_=0),
        )
        .execution_options(synchronize_session=False)
    )


def _recount_votes(argument: Argument) -> int:
    """Count an argument's votes again from its rows; returns how many it has."""
    counts = dict(
        db.session.execute(
            select(ArgumentVote.value, func.count())
            .where(ArgumentVote.argument_id == argument.id)
            .group_by(ArgumentVote.value)
        ).all()
    )
    agree, disagree, passed = counts.get(1, 0), counts.get(-1, 0), counts.get(0, 0)
    db.session.execute(
        update(Argument)
        .where(Argument.id == argument.id)
        .values(
            agree_count=agree,
            disagree_count=disagree,
            pass_count=passed,
            score=wilson_lower_bound(agree, disagree),
        )
        .execution_options(synchronize_session=False)
    )
    return agree + disagree + passed


# --- cooling-off ----------------------------------------------------------------------------


def freeze(
    who: Standing, debate: Debate, minutes: int, note: str, argument: Argument | None = None
):
    """Pause the whole debate, or one sub-thread, for `minutes`, with a public note."""
    rules.require(rules.review(who, debate))
    if not 1 <= minutes <= 7 * 24 * 60:
        raise InvalidInput(_l("Choose between 1 minute and 7 days."))
    until = utcnow() + timedelta(minutes=minutes)
    if argument is None:
        debate.frozen_until = until
    else:
        # The argument and everything below it: one range over the materialised path.
        db.session.execute(
            update(Argument)
            .where(
                Argument.debate_id == debate.id,
                or_(Argument.id == argument.id, subtree_scope(argument)),
            )
            .values(frozen_until=until)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(argument, ["frozen_until"])
    post_note(who, debate, NoteKind.COOLING_OFF, note, argument)
    log.record(debate, who.user, "mediator", "cooling_off", f"{minutes} min", argument=argument)


def lift_pause(who: Standing, debate: Debate, argument: Argument | None = None) -> None:
    """End a cooling-off pause early: the debate's, or the thread `argument` is in (from the
    top of the paused thread down, whichever of its arguments is given)."""
    rules.require(rules.lift_pause(who, debate))
    now = utcnow()
    if argument is None:
        if not (debate.frozen_until and debate.frozen_until > now):
            raise Conflict(_l("The debate is not paused."))
        debate.frozen_until = None
    else:
        line = db.session.scalars(
            select(Argument).where(Argument.id.in_([*argument.ancestor_ids, argument.id]))
        ).all()
        paused = sorted(
            (a for a in line if a.frozen_until and a.frozen_until > now), key=lambda a: len(a.path)
        )
        if not paused:
            raise Conflict(_l("This thread is not paused."))
        top = paused[0]
        db.session.execute(
            update(Argument)
            .where(Argument.debate_id == debate.id, or_(Argument.id == top.id, subtree_scope(top)))
            .values(frozen_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
        argument = top
    log.record(debate, who.user, "mediator", "cooling_off_lifted", argument=argument)


def set_slow_mode(who: Standing, debate: Debate, minutes: int) -> None:
    rules.require(rules.review(who, debate))
    if not 0 <= minutes <= 24 * 60:
        raise InvalidInput(_l("Choose between 0 (off) and 1,440 minutes."))
    debate.slow_mode_minutes = minutes
    log.record(debate, who.user, "mediator", "slow_mode", f"{minutes} min")
