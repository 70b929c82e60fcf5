"""Flags, the mediators' review queue and their decisions on arguments; cooling-off.

Every decision resolves the argument's open flags, takes it out of the queue (unless a
second mediator must look at it), tells its author, and is written in the public log.
"""

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from .. import rules
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import Argument, Debate, Visibility, utcnow
from ..rules import Standing
from . import log, notify
from .models import Flag, GroundRule

QUEUE_PAGE = 50


class Decision(enum.StrEnum):
    KEEP = "keep"
    HIDE = "hide"
    URGENT_HIDE = "urgent_hide"
    REQUEST_EDIT = "request_edit"
    APPROVE = "approve"
    DUPLICATE = "duplicate"


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
    flag = Flag(argument_id=argument.id, flagger_id=who.user.id, rule_number=rule_number, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        raise Conflict(_l("You have already flagged this argument.")) from None
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
    if argument.flag_count == 1:
        notify.to_mediators(debate, "new_flag", argument)
    db.session.flush()
    return flag


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
    rules.require(rules.review(who, debate))
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
    if argument.is_deleted or argument.visibility is Visibility.MERGED:
        raise Conflict(_l("This argument was deleted or merged."))
    # A held post is only approved (or left for its author to delete): it was never counted
    # in the tree, and showing it any other way would skip pre-moderation.
    if (argument.visibility is Visibility.PENDING) != (decision is Decision.APPROVE):
        raise Conflict(_l("Approve posts awaiting approval; other decisions are for public posts."))
    if argument.queued_at is None and decision not in (Decision.URGENT_HIDE, Decision.DUPLICATE):
        raise Conflict(_l("This argument is not waiting for a decision."))
    if decision in (Decision.HIDE, Decision.URGENT_HIDE, Decision.REQUEST_EDIT):
        rule_exists(debate, rule_number)
        if not reason.strip():
            raise InvalidInput(_l("Give a reason: it is shown to the author and in the log."))
    if argument.visibility is Visibility.HIDDEN and argument.hidden_by_id:
        # The second look at an urgent hide: keep it hidden, or restore it.
        rules.require(rules.confirm_hide(who, debate, argument))
    _resolve_flags(argument)
    author = argument.author_id
    if decision is Decision.KEEP:
        was_hidden = argument.visibility is not Visibility.SHOWN
        _set(argument, Visibility.SHOWN, None, "")
        notify.send(author, "restored" if was_hidden else "kept", debate, argument, reason)
        log.record(debate, who.user, "mediator", "argument_kept", reason, argument=argument)
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
        if duplicate_of is None:
            raise InvalidInput(_l("Give the id of the argument it duplicates."))
        merge(argument, duplicate_of)
        notify.send(author, "merged", debate, duplicate_of, reason)
        log.record(
            debate,
            who.user,
            "mediator",
            "argument_merged",
            f"#{argument.id} → #{duplicate_of.id} {reason}".strip(),
            argument=duplicate_of,
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


def _set(argument: Argument, visibility: Visibility, rule_number, reason) -> None:
    from ..debates.services import results_changed

    if argument.visibility is not visibility:
        results_changed(argument.debate_id)
    argument.visibility = visibility
    argument.moderation_rule = rule_number
    argument.moderation_reason = reason
    argument.queued_at = None
    argument.hidden_by_id = None


def _resolve_flags(argument: Argument) -> None:
    db.session.execute(
        update(Flag)
        .where(Flag.argument_id == argument.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    argument.flag_count = 0


def _approve(argument: Argument) -> None:
    """A pre-moderated argument goes public: now it counts in its parent's replies."""
    from ..debates.services import count_in_tree

    _set(argument, Visibility.SHOWN, None, "")
    count_in_tree(argument)
    from ..models import Participant

    db.session.execute(
        update(Participant)
        .where(
            Participant.debate_id == argument.debate_id, Participant.user_id == argument.author_id
        )
        .values(approved_posts=Participant.approved_posts + 1)
    )


def author_edited(argument: Argument) -> None:
    """An argument collapsed for an edit goes back to the queue once its author edits it."""
    if argument.visibility is Visibility.EDIT_REQUESTED:
        argument.queued_at = utcnow()
        notify.to_mediators(argument.debate, "new_flag", argument)


# --- duplicates -----------------------------------------------------------------------------


def merge(duplicate: Argument, target: Argument) -> None:
    """Fold `duplicate` into `target`: its replies (with their subtrees) and its votes move;
    its address redirects. Counters on both sides change in the same transaction."""
    from ..debates.queries import subtree_scope
    from ..debates.services import _bump, wilson_lower_bound
    from ..models import ArgumentVote

    if target.debate_id != duplicate.debate_id or target.id == duplicate.id:
        raise InvalidInput(_l("Choose another argument of the same debate."))
    if target.path.startswith(duplicate.path) or not target.is_shown or target.is_deleted:
        raise InvalidInput(
            _l("Choose a visible argument that is not among the duplicate's own replies.")
        )
    moved, children = duplicate.descendant_count, duplicate.reply_count
    cut = len(duplicate.path)
    # The subtree moves under the target: new path prefix, depth shifted.
    db.session.execute(
        update(Argument)
        .where(Argument.debate_id == duplicate.debate_id, subtree_scope(duplicate))
        .values(
            path=target.path + func.substr(Argument.path, cut + 1),
            depth=Argument.depth + (target.depth - duplicate.depth),
            parent_id=case(
                (Argument.parent_id == duplicate.id, target.id), else_=Argument.parent_id
            ),
        )
        .execution_options(synchronize_session=False)
    )
    # The target and its ancestors gain the moved replies...
    db.session.execute(
        update(Argument)
        .where(Argument.id.in_([*target.ancestor_ids, target.id]))
        .values(
            descendant_count=Argument.descendant_count + moved,
            reply_count=Argument.reply_count + case((Argument.id == target.id, children), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    # ...the duplicate's ancestors lose them and the duplicate itself.
    if duplicate.parent_id is not None:
        db.session.execute(
            update(Argument)
            .where(Argument.id.in_(duplicate.ancestor_ids))
            .values(
                descendant_count=Argument.descendant_count - (moved + 1),
                reply_count=Argument.reply_count
                - case((Argument.id == duplicate.parent_id, 1), else_=0),
            )
            .execution_options(synchronize_session=False)
        )
    # Votes move, except where the voter already voted on the target or wrote it.
    voted_on_target = select(ArgumentVote.user_id).where(ArgumentVote.argument_id == target.id)
    db.session.execute(
        update(ArgumentVote)
        .where(
            ArgumentVote.argument_id == duplicate.id,
            ArgumentVote.user_id.not_in(voted_on_target),
            ArgumentVote.user_id != target.author_id,
        )
        .values(argument_id=target.id)
        .execution_options(synchronize_session=False)
    )
    dropped = db.session.execute(
        delete(ArgumentVote).where(ArgumentVote.argument_id == duplicate.id)
    ).rowcount
    agree, disagree = (
        db.session.scalar(
            select(func.count()).where(
                ArgumentVote.argument_id == target.id, ArgumentVote.value == v
            )
        )
        for v in (1, -1)
    )
    db.session.execute(
        update(Argument)
        .where(Argument.id == target.id)
        .values(
            agree_count=agree, disagree_count=disagree, score=wilson_lower_bound(agree, disagree)
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Argument)
        .where(Argument.id == duplicate.id)
        .values(reply_count=0, descendant_count=0, agree_count=0, disagree_count=0, score=0.0)
        .execution_options(synchronize_session=False)
    )
    _bump(Debate, duplicate.debate_id, argument_count=-1, vote_count=-dropped)
    db.session.expire_all()
    _set(duplicate, Visibility.MERGED, None, "")
    duplicate.merged_into_id = target.id


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
        from ..debates.queries import subtree_scope

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
    from .models import NoteKind
    from .services import post_note

    post_note(who, debate, NoteKind.COOLING_OFF, note, argument)
    log.record(debate, who.user, "mediator", "cooling_off", f"{minutes} min", argument=argument)


def set_slow_mode(who: Standing, debate: Debate, minutes: int) -> None:
    rules.require(rules.review(who, debate))
    if not 0 <= minutes <= 24 * 60:
        raise InvalidInput(_l("Choose between 0 (off) and 1,440 minutes."))
    debate.slow_mode_minutes = minutes
    log.record(debate, who.user, "mediator", "slow_mode", f"{minutes} min")
