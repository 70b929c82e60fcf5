"""What the privacy pages do: the download of one's data, account deletion, the purge.

Each function changes rows and flushes; the caller commits once, so an account deletion is
one transaction: it happens whole or not at all.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from threading import Lock

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from .. import rules
from ..accounts import letters, recovery, sessions
from ..accounts.models import AddressLink, LoginSession, PasswordReset, RecoveryCode, SiteLogEntry
from ..accounts.pseudonyms import former_participant_label
from ..accounts.sessions import REMEMBER_DAYS
from ..agreements.models import AgreementPoint, Endorsement
from ..errors import InvalidInput
from ..extensions import db
from ..groups.models import AccessCode, Group, GroupMediator, GroupMember
from ..invitations.models import InvitationUse
from ..mailings import services as mailings
from ..models import (
    Argument,
    ArgumentRevision,
    ArgumentVote,
    Debate,
    Participant,
    User,
    new_session_token,
    utcnow,
)
from ..moderation import log as moderation_log
from ..moderation import notify
from ..moderation.models import (
    Appeal,
    Community,
    DebateRole,
    Flag,
    MediatorNote,
    Notification,
    Role,
    Sanction,
)
from ..moderation.notify import KINDS
from ..results import release
from ..rules import Standing

logger = logging.getLogger("deliberate")

DATA_FORMAT, DATA_VERSION = "deliberate.personal-data", 1


# --- download my data -----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _value(member) -> str | None:
    return None if member is None else member.value


def personal_data(user: User) -> dict:
    """Everything stored about `user` and everything they wrote, voted or declared, ready for
    JSON. One query per table, however much there is. Secrets are left out: the password
    hash, the second factor's secret, the hashes of password-reset links."""
    uid = user.id
    return {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        "generated_at": utcnow().isoformat(),
        "profile": {
            "pseudonym": user.pseudonym,
            "email": user.email,
            "created_at": _iso(user.created_at),
            "password_changed_at": _iso(user.password_changed_at),
            "two_factor": user.totp_secret is not None,
            "site_admin": user.is_admin,
        },
        "debates_joined": _debates_joined(uid),
        "roles": _roles(uid),
        "groups": [
            {"group": slug, "name": name, "role": role.value, "since": _iso(added)}
            for slug, name, role, added in db.session.execute(
                select(Group.slug, Group.name, GroupMember.role, GroupMember.added_at)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(GroupMember.user_id == uid)
                .order_by(GroupMember.id)
            )
        ],
        "debates_started": [
            {"debate": slug, "motion": motion, "created_at": _iso(created)}
            for slug, motion, created in db.session.execute(
                select(Debate.slug, Debate.motion, Debate.created_at)
                .where(Debate.organiser_id == uid)
                .order_by(Debate.id)
            )
        ],
        "arguments": _arguments(uid),
        "votes": [
            {
                "argument_id": argument_id,
                "value": value,
                "created_at": _iso(created),
                "updated_at": _iso(updated),
            }
            for argument_id, value, created, updated in db.session.execute(
                select(
                    ArgumentVote.argument_id,
                    ArgumentVote.value,
                    ArgumentVote.created_at,
                    ArgumentVote.updated_at,
                )
                .where(ArgumentVote.user_id == uid)
                .order_by(ArgumentVote.id)
            )
        ],
        "flags": [
            {
                "argument_id": argument_id,
                "rule": rule,
                "note": note,
                "created_at": _iso(created),
                "resolved_at": _iso(resolved),
            }
            for argument_id, rule, note, created, resolved in db.session.execute(
                select(
                    Flag.argument_id, Flag.rule_number, Flag.note, Flag.created_at, Flag.resolved_at
                )
                .where(Flag.flagger_id == uid)
                .order_by(Flag.id)
            )
        ],
        "endorsements": _endorsements(uid),
        "appeals": _appeals(uid),
        "mediator_notes": [
            {
                "debate": slug,
                "argument_id": argument_id,
                "kind": _value(kind),
                "body": body,
                "created_at": _iso(created),
            }
            for slug, argument_id, kind, body, created in db.session.execute(
                select(
                    Debate.slug,
                    MediatorNote.argument_id,
                    MediatorNote.kind,
                    MediatorNote.body,
                    MediatorNote.created_at,
                )
                .join(Debate, Debate.id == MediatorNote.debate_id)
                .where(MediatorNote.author_id == uid)
                .order_by(MediatorNote.id)
            )
        ],
        "agreement_points_written": [
            {
                "debate": slug,
                "number": number,
                "kind": _value(kind),
                "text": text,
                "created_at": _iso(created),
            }
            for slug, number, kind, text, created in db.session.execute(
                select(
                    Debate.slug,
                    AgreementPoint.number,
                    AgreementPoint.kind,
                    AgreementPoint.text,
                    AgreementPoint.created_at,
                )
                .join(Debate, Debate.id == AgreementPoint.debate_id)
                .where(AgreementPoint.created_by_id == uid)
                .order_by(AgreementPoint.id)
            )
        ],
        "sanctions": _sanctions(uid),
        "notifications": [
            {
                "kind": kind,
                "message": str(KINDS.get(kind, kind)),
                "detail": detail,
                "debate": slug,
                "argument_id": argument_id,
                "created_at": _iso(created),
                "read_at": _iso(read),
                "mailed_at": _iso(mailed),
            }
            for kind, detail, slug, argument_id, created, read, mailed in db.session.execute(
                select(
                    Notification.kind,
                    Notification.detail,
                    Debate.slug,
                    Notification.argument_id,
                    Notification.created_at,
                    Notification.read_at,
                    Notification.mailed_at,
                )
                .outerjoin(Debate, Debate.id == Notification.debate_id)
                .where(Notification.user_id == uid)
                .order_by(Notification.id)
            )
        ],
        "mail": _mail(uid),
        "password_resets": [
            {"created_at": _iso(created), "expires_at": _iso(expires), "used_at": _iso(used)}
            for created, expires, used in db.session.execute(
                select(PasswordReset.created_at, PasswordReset.expires_at, PasswordReset.used_at)
                .where(PasswordReset.user_id == uid)
                .order_by(PasswordReset.id)
            )
        ],
    }


def _mail(uid: int) -> dict:
    """The mail language and the cadence of each category, chosen or by default."""
    language, last_digest, cadences = mailings.stored_choices(uid)
    return {
        "language": language,
        "last_digest_at": _iso(last_digest),
        "cadences": {category.value: cadence.value for category, cadence in cadences.items()},
    }


def _debates_joined(uid: int) -> list[dict]:
    rows = db.session.execute(
        select(
            Debate.slug,
            Debate.motion,
            Participant.joined_at,
            Participant.rules_accepted_at,
            Participant.position_before,
            Participant.position_after,
            Participant.after_at,
            Community.name,
        )
        .join(Debate, Debate.id == Participant.debate_id)
        .outerjoin(Community, Community.id == Participant.community_id)
        .where(Participant.user_id == uid)
        .order_by(Participant.id)
    )
    return [
        {
            "debate": slug,
            "motion": motion,
            "joined_at": _iso(joined),
            "ground_rules_accepted_at": _iso(accepted),
            "position_before": _value(before),
            "position_after": _value(after),
            "position_after_at": _iso(after_at),
            "declared_community": community,
        }
        for slug, motion, joined, accepted, before, after, after_at, community in rows
    ]


def _roles(uid: int) -> list[dict]:
    rows = db.session.execute(
        select(
            Debate.slug,
            DebateRole.role,
            Community.name,
            DebateRole.started_at,
            DebateRole.ended_at,
        )
        .join(Debate, Debate.id == DebateRole.debate_id)
        .outerjoin(Community, Community.id == DebateRole.community_id)
        .where(DebateRole.user_id == uid)
        .order_by(DebateRole.id)
    )
    return [
        {
            "debate": slug,
            "role": _value(role),
            "community": community,
            "started_at": _iso(started),
            "ended_at": _iso(ended),
        }
        for slug, role, community, started, ended in rows
    ]


def _arguments(uid: int) -> list[dict]:
    revisions: dict[int, list[dict]] = {}
    for argument_id, body, written, replaced in db.session.execute(
        select(
            ArgumentRevision.argument_id,
            ArgumentRevision.body,
            ArgumentRevision.written_at,
            ArgumentRevision.replaced_at,
        )
        .join(Argument, Argument.id == ArgumentRevision.argument_id)
        .where(Argument.author_id == uid)
        .order_by(ArgumentRevision.id)
    ):
        revisions.setdefault(argument_id, []).append(
            {"body": body, "written_at": _iso(written), "replaced_at": _iso(replaced)}
        )
    rows = db.session.execute(
        select(
            Argument.id,
            Debate.slug,
            Argument.parent_id,
            Argument.stance,
            Argument.body,
            Argument.pending_body,
            Argument.created_at,
            Argument.edited_at,
            Argument.deleted_at,
            Argument.visibility,
            Argument.moderation_rule,
            Argument.moderation_reason,
            Argument.agree_count,
            Argument.disagree_count,
        )
        .join(Debate, Debate.id == Argument.debate_id)
        .where(Argument.author_id == uid)
        .order_by(Argument.id)
    )
    return [
        {
            "id": row.id,
            "debate": row.slug,
            "parent_id": row.parent_id,
            "stance": _value(row.stance),
            "body": row.body,
            "edit_awaiting_review": row.pending_body,
            "created_at": _iso(row.created_at),
            "edited_at": _iso(row.edited_at),
            "deleted_at": _iso(row.deleted_at),
            "visibility": _value(row.visibility),
            "moderation_rule": row.moderation_rule,
            "moderation_reason": row.moderation_reason,
            "agree": row.agree_count,
            "disagree": row.disagree_count,
            "earlier_versions": revisions.get(row.id, []),
        }
        for row in rows
    ]


def _endorsements(uid: int) -> list[dict]:
    rows = db.session.execute(
        select(
            Debate.slug,
            AgreementPoint.number,
            Endorsement.value,
            Endorsement.created_at,
            Endorsement.updated_at,
        )
        .join(AgreementPoint, AgreementPoint.id == Endorsement.point_id)
        .join(Debate, Debate.id == AgreementPoint.debate_id)
        .where(Endorsement.user_id == uid)
        .order_by(Endorsement.id)
    )
    return [
        {
            "debate": slug,
            "point": number,
            "value": "endorse" if value > 0 else "object",
            "created_at": _iso(created),
            "updated_at": _iso(updated),
        }
        for slug, number, value, created, updated in rows
    ]


def _appeals(uid: int) -> list[dict]:
    rows = db.session.execute(
        select(
            Debate.slug,
            Appeal.argument_id,
            Appeal.sanction_id,
            Appeal.text,
            Appeal.created_at,
            Appeal.decided_at,
            Appeal.outcome,
            Appeal.decision_reason,
        )
        .join(Debate, Debate.id == Appeal.debate_id)
        .where(Appeal.appellant_id == uid)
        .order_by(Appeal.id)
    )
    return [
        {
            "debate": slug,
            "argument_id": argument_id,
            "sanction_id": sanction_id,
            "text": text,
            "created_at": _iso(created),
            "decided_at": _iso(decided),
            "outcome": _value(outcome),
            "decision_reason": reason,
        }
        for slug, argument_id, sanction_id, text, created, decided, outcome, reason in rows
    ]


def _sanctions(uid: int) -> list[dict]:
    rows = db.session.execute(
        select(
            Sanction.id,
            Debate.slug,
            Sanction.kind,
            Sanction.status,
            Sanction.rule_number,
            Sanction.reason,
            Sanction.interval_minutes,
            Sanction.duration_minutes,
            Sanction.issued_at,
            Sanction.starts_at,
            Sanction.ends_at,
        )
        .join(Debate, Debate.id == Sanction.debate_id)
        # A proposal still waiting for its second key, or declined, is the mediators' own
        # deliberation: its target is told of a sanction once it is in force, not before.
        .where(Sanction.user_id == uid, Sanction.starts_at.is_not(None))
        .order_by(Sanction.id)
    )
    return [
        {
            "id": row.id,
            "debate": row.slug,
            "kind": _value(row.kind),
            "status": _value(row.status),
            "rule": row.rule_number,
            "reason": row.reason,
            "interval_minutes": row.interval_minutes,
            "duration_minutes": row.duration_minutes,
            "issued_at": _iso(row.issued_at),
            "starts_at": _iso(row.starts_at),
            "ends_at": _iso(row.ends_at),
        }
        for row in rows
    ]


# --- account deletion -----------------------------------------------------------------------


def sole_organiser_of(user: User) -> list[Debate]:
    """Debates where `user` is the only active organiser: after deletion only site admins
    can run them, so the deletion page suggests appointing someone first."""
    mine = select(DebateRole.debate_id).where(
        DebateRole.user_id == user.id,
        DebateRole.role == Role.ORGANISER,
        DebateRole.held(),
    )
    others = select(DebateRole.debate_id).where(
        DebateRole.user_id != user.id,
        DebateRole.role == Role.ORGANISER,
        DebateRole.held(),
    )
    return db.session.scalars(
        select(Debate)
        .where(Debate.id.in_(mine), Debate.id.not_in(others))
        .order_by(Debate.created_at.desc())
    ).all()


def delete_account(user: User) -> None:
    """Erase what identifies `user` and what is private to them; keep what they contributed
    to debates, attributed to "Former participant". The caller commits once: every step
    below happens in the same transaction, or none does."""
    _erase_private_rows(user)
    mailings.erase(user.id)
    _forget_communities(user)
    _end_roles(user)
    _clear_flag_notes(user)
    _anonymise(user)
    db.session.flush()


def _erase_private_rows(user: User) -> None:
    """Their inbox, password-reset and email-change links, sessions, recovery codes, which
    invitation let them in, which groups they belonged to (in Mali, which association one
    belongs to can be dangerous to know), the recovery codes a facilitator issued for them,
    and appeals (their own words in their defence; the outcome of a decided appeal stays in
    the public moderation log). The group log keeps its entries, under the label deleted
    accounts take."""
    for table, column in (
        (GroupMember, GroupMember.user_id),
        (GroupMediator, GroupMediator.user_id),
        (AccessCode, AccessCode.for_user_id),
        (Notification, Notification.user_id),
        (PasswordReset, PasswordReset.user_id),
        (AddressLink, AddressLink.user_id),
        (LoginSession, LoginSession.user_id),
        (RecoveryCode, RecoveryCode.user_id),
        (InvitationUse, InvitationUse.user_id),
        (Appeal, Appeal.appellant_id),
    ):
        db.session.execute(
            delete(table).where(column == user.id).execution_options(synchronize_session=False)
        )


def _forget_communities(user: User) -> None:
    """Declared communities are the most sensitive thing stored: drop them. The debates'
    results count communities, so they are marked stale, and the change waits for a batch
    (results/release.py) like any other, so the figures do not say what was dropped."""
    joined = select(Participant.debate_id).where(Participant.user_id == user.id)
    release.left_the_site(user.id)
    db.session.execute(
        update(Debate)
        .where(Debate.id.in_(joined))
        .values(results_version=Debate.results_version + 1)
        .execution_options(synchronize_session=False)
    )
    # Their votes stay as anonymous counts, never as a row of the vote downloads.
    db.session.execute(
        update(Participant)
        .where(Participant.user_id == user.id)
        .values(community_id=None, vote_record_public=False)
        .execution_options(synchronize_session=False)
    )


def _end_roles(user: User) -> None:
    """Their organiser and mediator roles and invitations end (the rows stay, for the
    record); a mediator's end is logged publicly as stepping down, as when they step down by
    hand (an invitation was never public, so its end is not logged)."""
    active = db.session.execute(
        select(DebateRole.id, DebateRole.debate_id, DebateRole.role, DebateRole.accepted_at).where(
            DebateRole.user_id == user.id, DebateRole.ended_at.is_(None)
        )
    ).all()
    if not active:
        return
    db.session.execute(
        update(DebateRole)
        .where(DebateRole.id.in_([row.id for row in active]))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    for row in active:
        if row.role is Role.MEDIATOR and row.accepted_at is not None:
            debate = db.session.get(Debate, row.debate_id)
            moderation_log.record(debate, user, "mediator", "mediator_stepped_down")


def _clear_flag_notes(user: User) -> None:
    """Their flags stay (they count towards hiding an argument until a mediator decides, and
    one person flags an argument once) but lose the free text, which could identify them."""
    db.session.execute(
        update(Flag)
        .where(Flag.flagger_id == user.id, Flag.note != "")
        .values(note="")
        .execution_options(synchronize_session=False)
    )


def _anonymise(user: User) -> None:
    """The account row stays, because their arguments, notes, votes and log entries point at
    it; what made it someone's is erased, and every session of theirs ends."""
    user.pseudonym = former_participant_label()
    user.pseudonym_key = None
    user.email = None
    user.password_hash = None
    user.password_changed_at = None
    user.totp_secret = None
    user.totp_last_step = None
    user.is_admin = False
    user.deleted_at = utcnow()
    user.session_token = new_session_token()


# --- the purge ------------------------------------------------------------------------------


def purge(days: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Remove transient personal data `days` (DELIBERATE_PURGE_DAYS) after it stopped being
    of use: password-reset and address links used or expired, notifications read, and the
    free-text notes of flags a mediator has dealt with; and the server's records of sessions
    older than a session can last. Returns how many rows each step touched;
    the caller commits."""
    if days is None:
        days = current_app.config["PURGE_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    done = {
        "password_resets": db.session.execute(
            delete(PasswordReset)
            .where(or_(PasswordReset.used_at < cutoff, PasswordReset.expires_at < cutoff))
            .execution_options(synchronize_session=False)
        ).rowcount,
        "notifications": db.session.execute(
            delete(Notification)
            .where(Notification.read_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount,
        "flag_notes": db.session.execute(
            update(Flag)
            .where(Flag.resolved_at < cutoff, Flag.note != "")
            .values(note="")
            .execution_options(synchronize_session=False)
        ).rowcount,
        "address_links": db.session.execute(
            delete(AddressLink)
            .where(or_(AddressLink.used_at < cutoff, AddressLink.expires_at < cutoff))
            .execution_options(synchronize_session=False)
        ).rowcount,
        # Past the longest a session can last (a remember-me one), whatever `days` says.
        "login_sessions": db.session.execute(
            delete(LoginSession)
            .where(LoginSession.created_at < (now or utcnow()) - timedelta(days=REMEMBER_DAYS))
            .execution_options(synchronize_session=False)
        ).rowcount,
    }
    return done


PURGE_STATE = "deliberate.purge"


def schedule_purge(app) -> None:
    """The first purge from requests comes one interval after start-up (`deliberate serve`
    purges at start-up itself), then at most once per interval per process."""
    app.extensions[PURGE_STATE] = {
        "next": time.monotonic() + app.config["PURGE_INTERVAL_SECONDS"],
        "lock": Lock(),
    }


def purge_if_due() -> bool:
    """Run the purge if this process has not run it for an interval; one thread at a time.
    A failure is logged and retried an interval later: the request goes on regardless."""
    app = current_app._get_current_object()
    state = app.extensions.get(PURGE_STATE)
    if state is None or time.monotonic() < state["next"]:
        return False
    if not state["lock"].acquire(blocking=False):
        return False
    try:
        if time.monotonic() < state["next"]:
            return False
        state["next"] = time.monotonic() + app.config["PURGE_INTERVAL_SECONDS"]
        # End whatever the request has read so far: on SQLite the purge's first statement
        # then starts a fresh transaction that waits for the write lock (as
        # moderation.services.apply_due_phase_changes does).
        db.session.commit()
        try:
            counts = purge()
            db.session.commit()
        except Exception:  # the purge must never break a page
            db.session.rollback()
            logger.exception("privacy purge failed; it will be retried")
            return False
        logger.info("privacy purge: %s", _describe(counts))
        return True
    finally:
        state["lock"].release()


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


# --- what site admins do to accounts ----------------------------------------------------------


def reset_second_factor(who: Standing, person: User, reason: str) -> bool:
    """Turn off `person`'s two-step login for them (a lost phone and no recovery code left),
    once the admin has checked who they are by other means. Logged with the reason in the
    site log; the person is told by notice and mail; every session of the account ends, in
    case someone else is in it. False if there was none to turn off."""
    rules.require(rules.reset_second_factor(who, person))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(_l("Say why: the person and the site log read it."))
    if person.totp_secret is None:
        return False
    person.totp_secret = None
    person.totp_last_step = None
    recovery.forget(person)
    sessions.end_all_sessions(person)
    db.session.add(
        SiteLogEntry(
            actor_id=who.user.id,
            action="second_factor_reset",
            subject_id=person.id,
            reason=reason,
        )
    )
    notify.send(person.id, "second_factor_reset", detail=reason)
    if person.email:
        letters.two_factor_reset(person.email, reason).send()
    return True
