"""Graduated, restorative sanctions, with appeals and two keys.

Warning -> slow mode -> mute -> removal. Each tells the person which rule and why and can be
appealed once, to a different mediator. A mute over 24 hours, or a removal, takes effect
only when a second mediator from another community co-signs it.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true

from .. import rules
from ..counters import results_changed
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import Argument, Debate, Visibility, utcnow
from ..rules import Standing
from . import log, notify
from .models import (
    Appeal,
    AppealOutcome,
    DebateRole,
    Role,
    Sanction,
    SanctionKind,
    SanctionStatus,
)
from .review import citing, rule_exists, unmerge

TWO_KEYS_ABOVE_MINUTES = 24 * 60
#: Restrictions add up over a rolling week: chained short ones need two keys as one long one.
WEEK = timedelta(days=7)
RESTRICTIONS = (SanctionKind.SLOW_MODE, SanctionKind.MUTE)


def needs_second_key(
    kind: SanctionKind, duration_minutes: int | None, earlier_minutes: int = 0
) -> bool:
    """A removal always; a restriction (slow mode, mute) when, with those already on the
    person in the past week, it restricts them for more than 24 hours."""
    if kind is SanctionKind.REMOVAL:
        return True
    return kind in RESTRICTIONS and (duration_minutes or 0) + earlier_minutes > (
        TWO_KEYS_ABOVE_MINUTES
    )


def restricted_minutes(debate: Debate, user_id: int) -> int:
    """Minutes of slow mode or mute this person has had since a week ago, or has ahead."""
    since = utcnow() - WEEK
    periods = db.session.execute(
        select(Sanction.starts_at, Sanction.ends_at).where(
            Sanction.debate_id == debate.id,
            Sanction.user_id == user_id,
            Sanction.kind.in_(RESTRICTIONS),
            Sanction.status == SanctionStatus.ACTIVE,
            Sanction.ends_at > since,
        )
    ).all()
    return sum(int((end - max(start, since)).total_seconds() // 60) for start, end in periods)


def issue(
    who: Standing,
    debate: Debate,
    target: Standing,
    kind: SanctionKind,
    rule_number: int,
    reason: str,
    duration_minutes: int | None = None,
    interval_minutes: int | None = None,
) -> Sanction:
    rules.require(rules.sanction(who, debate, target))
    rule_exists(debate, rule_number)
    if not reason.strip():
        raise InvalidInput(_l("Give a reason: the person and the log will read it."))
    if kind in RESTRICTIONS and not duration_minutes:
        raise InvalidInput(_l("Say how long it lasts."))
    if kind is SanctionKind.SLOW_MODE and not interval_minutes:
        raise InvalidInput(_l("Say how many minutes between two posts."))
    earlier = restricted_minutes(debate, target.user.id) if kind in RESTRICTIONS else 0
    two_keys = needs_second_key(kind, duration_minutes, earlier)
    sanction = Sanction(
        debate_id=debate.id,
        user_id=target.user.id,
        kind=kind,
        status=SanctionStatus.AWAITING_COSIGN if two_keys else SanctionStatus.ACTIVE,
        rule_number=rule_number,
        reason=reason,
        duration_minutes=duration_minutes if kind in RESTRICTIONS else None,
        interval_minutes=interval_minutes if kind is SanctionKind.SLOW_MODE else None,
        issued_by_id=who.user.id,
    )
    db.session.add(sanction)
    if not two_keys:
        _start(sanction)
    db.session.flush()
    if two_keys:
        # The person hears of it, and the log names them, only once it takes effect: when
        # the second mediator signs.
        notify.to_mediators(debate, "cosign_request", except_user_id=who.user.id, sanction=sanction)
        log.record(debate, who.user, "mediator", "sanction_proposed", kind.value)
    else:
        _announce(sanction, debate, "sanction")
        log.record(
            debate,
            who.user,
            "mediator",
            f"sanction_{kind.value}",
            reason,
            rule_number=rule_number,
            subject=target.user,
        )
    return sanction


def _announce(sanction: Sanction, debate: Debate, kind: str) -> None:
    notify.send(
        sanction.user_id,
        kind,
        debate,
        detail=citing(debate, sanction.rule_number, sanction.reason),
        sanction=sanction,
    )


def cosign(who: Standing, sanction: Sanction) -> None:
    debate = db.session.get(Debate, sanction.debate_id)
    _check_second_key(who, debate, sanction)
    sanction.cosigned_by_id = who.user.id
    sanction.status = SanctionStatus.ACTIVE
    _start(sanction)
    _announce(sanction, debate, "sanction_in_force")
    log.record(
        debate,
        who.user,
        "mediator",
        f"sanction_{sanction.kind.value}",
        f"{sanction.reason}{log.COSIGNED}",
        rule_number=sanction.rule_number,
        subject=sanction.user,
    )


def decline(who: Standing, sanction: Sanction, reason: str) -> None:
    """The second mediator refuses to sign: the sanction never takes effect. Its proposer
    reads why; the log says a proposal was declined (its target was never named there)."""
    debate = db.session.get(Debate, sanction.debate_id)
    _check_second_key(who, debate, sanction)
    if not reason.strip():
        raise InvalidInput(_l("Give a reason: the mediator who proposed it will read it."))
    sanction.status = SanctionStatus.DECLINED
    notify.send(sanction.issued_by_id, "cosign_declined", debate, detail=reason, sanction=sanction)
    log.record(debate, who.user, "mediator", "sanction_declined", sanction.kind.value)


def _check_second_key(who: Standing, debate: Debate, sanction: Sanction) -> None:
    if sanction.status is not SanctionStatus.AWAITING_COSIGN:
        raise Conflict(_l("This sanction does not await a signature."))
    rules.require(
        rules.cosign(
            who, debate, mediator_community(debate, sanction.issued_by_id), sanction.issued_by_id
        )
    )


def lift(who: Standing, sanction: Sanction, reason: str) -> None:
    """End a sanction in force now (a warning has nothing to lift)."""
    debate = db.session.get(Debate, sanction.debate_id)
    rules.require(rules.lift_sanction(who, debate, sanction))
    if not reason.strip():
        raise InvalidInput(_l("Give a reason: the person and the log will read it."))
    sanction.ends_at = utcnow()
    notify.send(sanction.user_id, "sanction_lifted", debate, detail=reason, sanction=sanction)
    log.record(debate, who.user, "mediator", "sanction_lifted", reason, subject=sanction.user)


def shorten(who: Standing, sanction: Sanction, hours_left: int, reason: str) -> None:
    """Make a slow mode or a mute end sooner: `hours_left` from now."""
    debate = db.session.get(Debate, sanction.debate_id)
    rules.require(rules.shorten_sanction(who, debate, sanction))
    if not reason.strip():
        raise InvalidInput(_l("Give a reason: the person and the log will read it."))
    ends_at = utcnow() + timedelta(hours=hours_left)
    if hours_left < 1 or ends_at >= sanction.ends_at:
        raise InvalidInput(_l("Choose an end sooner than the present one."))
    sanction.ends_at = ends_at
    notify.send(sanction.user_id, "sanction_shortened", debate, detail=reason, sanction=sanction)
    log.record(debate, who.user, "mediator", "sanction_shortened", reason, subject=sanction.user)


def mediator_community(debate: Debate, user_id: int) -> int | None:
    return db.session.scalar(
        select(DebateRole.community_id)
        .where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == user_id,
            DebateRole.role == Role.MEDIATOR,
            DebateRole.accepted_at.is_not(None),
        )
        .order_by(DebateRole.started_at.desc())
        .limit(1)
    )


def mediator_communities(debate: Debate, user_ids) -> dict[int, int | None]:
    """mediator_community for several mediators at once (their latest appointment each)."""
    rows = db.session.execute(
        select(DebateRole.user_id, DebateRole.community_id)
        .where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id.in_(list(user_ids)),
            DebateRole.role == Role.MEDIATOR,
            DebateRole.accepted_at.is_not(None),
        )
        .order_by(DebateRole.started_at)
    ).all()
    return dict(rows)  # the latest appointment of each comes last, and wins


def _start(sanction: Sanction) -> None:
    now = utcnow()
    sanction.starts_at = now
    if sanction.duration_minutes:
        sanction.ends_at = now + timedelta(minutes=sanction.duration_minutes)


def history(debate: Debate, user_id: int) -> list[Sanction]:
    return db.session.scalars(
        select(Sanction)
        .where(Sanction.debate_id == debate.id, Sanction.user_id == user_id)
        .order_by(Sanction.issued_at)
    ).all()


def next_step(debate: Debate, user_id: int) -> SanctionKind:
    """The graduated ladder: suggest the step after the strongest one already taken."""
    ladder = list(SanctionKind)
    set_aside = (SanctionStatus.OVERTURNED, SanctionStatus.DECLINED)
    taken = [s.kind for s in history(debate, user_id) if s.status not in set_aside]
    if not taken:
        return SanctionKind.WARNING
    return ladder[min(max(ladder.index(k) for k in taken) + 1, len(ladder) - 1)]


def in_force(debate: Debate, user_ids=None) -> dict[int, list[Sanction]]:
    """The sanctions in force now, by person (all of the debate's, or these people's)."""
    now = utcnow()
    query = select(Sanction).where(
        Sanction.debate_id == debate.id,
        Sanction.status == SanctionStatus.ACTIVE,
        Sanction.starts_at <= now,
        or_(Sanction.ends_at.is_(None), Sanction.ends_at > now),
        Sanction.kind != SanctionKind.WARNING,
    )
    if user_ids is not None:
        query = query.where(Sanction.user_id.in_(list(user_ids)))
    grouped: dict[int, list[Sanction]] = {}
    for sanction in db.session.scalars(query.order_by(Sanction.issued_at)):
        grouped.setdefault(sanction.user_id, []).append(sanction)
    return grouped


def awaiting_cosign(debate: Debate) -> list[Sanction]:
    return db.session.scalars(
        select(Sanction)
        .where(Sanction.debate_id == debate.id, Sanction.status == SanctionStatus.AWAITING_COSIGN)
        .order_by(Sanction.issued_at)
    ).all()


# --- appeals --------------------------------------------------------------------------------


def check_appeal(who: Standing, debate: Debate, *, argument=None, sanction=None) -> None:
    """Raise unless `who` may appeal the decision on this argument or this sanction."""
    if argument is not None:
        if argument.visibility not in APPEALABLE:
            raise Conflict(_l("Only a hidden, collapsed or merged argument can be appealed."))
        # Once per decision: an appeal filed since the latest decision to hide or collapse it.
        decided_at = db.session.scalar(
            select(func.max(log.LogEntry.created_at)).where(
                log.LogEntry.argument_id == argument.id, log.LogEntry.action.in_(HIDING_ACTIONS)
            )
        )
        already = db.session.scalar(
            select(Appeal.id).where(
                Appeal.argument_id == argument.id,
                Appeal.created_at >= decided_at if decided_at else true(),
            )
        )
        rules.require(rules.appeal(who, debate, argument.author_id, already is not None))
    else:
        already = db.session.scalar(select(Appeal.id).where(Appeal.sanction_id == sanction.id))
        rules.require(rules.appeal(who, debate, sanction.user_id, already is not None))


def appeal_argument(who: Standing, argument: Argument, text: str) -> Appeal:
    debate = argument.debate
    check_appeal(who, debate, argument=argument)
    decided_against = db.session.scalar(
        select(log.LogEntry.actor_id)
        .where(log.LogEntry.argument_id == argument.id, log.LogEntry.action.in_(HIDING_ACTIONS))
        .order_by(log.LogEntry.id.desc())
        .limit(1)
    )
    return _file(who, debate, text, decided_against, argument_id=argument.id)


def appeal_sanction(who: Standing, sanction: Sanction, text: str) -> Appeal:
    debate = db.session.get(Debate, sanction.debate_id)
    check_appeal(who, debate, sanction=sanction)
    return _file(who, debate, text, sanction.issued_by_id, sanction_id=sanction.id)


def _file(who, debate, text, decided_against, **subject) -> Appeal:
    text = text.strip()
    if not 10 <= len(text) <= 2000:
        raise InvalidInput(_l("Explain your appeal in 10 to 2000 characters."))
    appeal = Appeal(
        debate_id=debate.id,
        appellant_id=who.user.id,
        text=text,
        decided_against_id=decided_against,
        **subject,
    )
    db.session.add(appeal)
    db.session.flush()
    notify.to_mediators(debate, "new_appeal", except_user_id=decided_against)
    # Nobody is named: the sanction may not be in force, the argument may since be deleted.
    log.record(
        debate,
        None,
        "participant",
        "appeal_filed",
        "",  # the appeal's text stays with the mediators: it may repeat what was hidden
        argument=db.session.get(Argument, subject["argument_id"])
        if "argument_id" in subject
        else None,
    )
    return appeal


def latest_appeal(argument: Argument) -> Appeal | None:
    """The appeal against the argument's latest decision to hide, collapse or merge it."""
    decided_at = db.session.scalar(
        select(func.max(log.LogEntry.created_at)).where(
            log.LogEntry.argument_id == argument.id, log.LogEntry.action.in_(HIDING_ACTIONS)
        )
    )
    return db.session.scalar(
        select(Appeal)
        .where(
            Appeal.argument_id == argument.id,
            Appeal.created_at >= decided_at if decided_at else true(),
        )
        .order_by(Appeal.id.desc())
        .limit(1)
    )


def appeals_of(sanction_ids) -> dict[int, Appeal]:
    """The appeal against each of these sanctions, if any."""
    ids = list(sanction_ids)
    if not ids:
        return {}
    return {
        appeal.sanction_id: appeal
        for appeal in db.session.scalars(select(Appeal).where(Appeal.sanction_id.in_(ids)))
    }


def open_appeals(debate: Debate) -> list[Appeal]:
    return db.session.scalars(
        select(Appeal)
        .where(Appeal.debate_id == debate.id, Appeal.decided_at.is_(None))
        .order_by(Appeal.created_at)
    ).all()


HIDING_ACTIONS = (
    "argument_hidden",
    "argument_hidden_urgently",
    "urgent_hide_confirmed",
    "edit_requested",
    "argument_merged",
)
APPEALABLE = (Visibility.HIDDEN, Visibility.EDIT_REQUESTED, Visibility.MERGED)


def took_part(appeal: Appeal) -> set[int]:
    """The mediators who took the decision an appeal is against: none of them may decide it."""
    if appeal.sanction_id is not None:
        sanction = db.session.get(Sanction, appeal.sanction_id)
        return {i for i in (sanction.issued_by_id, sanction.cosigned_by_id) if i}
    actors = db.session.scalars(
        select(log.LogEntry.actor_id).where(
            log.LogEntry.argument_id == appeal.argument_id,
            log.LogEntry.action.in_(HIDING_ACTIONS),
        )
    ).all()
    return {a for a in actors if a} | ({appeal.decided_against_id} - {None})


def decide_appeal(who: Standing, appeal: Appeal, outcome: AppealOutcome, reason: str) -> None:
    debate = db.session.get(Debate, appeal.debate_id)
    rules.require(rules.decide_appeal(who, debate, took_part(appeal)))
    if appeal.decided_at is not None:
        raise Conflict(_l("This appeal was already decided."))
    if not reason.strip():
        raise InvalidInput(_l("Give a reason: the person and the log will read it."))
    appeal.decided_by_id = who.user.id
    appeal.decided_at = utcnow()
    appeal.outcome = outcome
    appeal.decision_reason = reason
    argument = db.session.get(Argument, appeal.argument_id) if appeal.argument_id else None
    if outcome is AppealOutcome.OVERTURNED:
        if argument is not None:
            results_changed(debate.id)  # shown again: the report counts it
        if argument is not None and argument.visibility is Visibility.MERGED:
            unmerge(argument)
        elif argument is not None:
            argument.visibility = Visibility.SHOWN
            argument.moderation_rule = None
            argument.moderation_reason = ""
            argument.queued_at = None
            argument.hidden_by_id = None
        else:
            sanction = db.session.get(Sanction, appeal.sanction_id)
            sanction.status = SanctionStatus.OVERTURNED
            sanction.ends_at = utcnow()
    notify.send(appeal.appellant_id, f"appeal_{outcome.value}", debate, argument, reason)
    log.record(
        debate,
        who.user,
        "mediator",
        f"appeal_{outcome.value}",
        reason,
        argument=argument,
    )
