"""Who may do what: the whole permission table of deliberate.rules, role by action, in each
phase of a debate.

"ok" means allowed; otherwise the HTTP status of the refusal: 403 not allowed, 404 hidden
(drafts), 409 not in this phase. For read_argument, True or False.

Roles (rows), all about one debate:

- anonymous: not logged in;
- visitor: logged in, not joined;
- participant: joined, did not write the argument under test;
- author: joined, wrote it;
- organiser, mediator: of this debate (the mediator is independent);
- xmed: a mediator of another debate only: roles are per debate, so here a mere visitor;
- admin: a site administrator with no role in this debate;
- muted, removed: participants (not the author) with a mute or a removal in force here;
- deleted: a deleted account. Its session cookies load nobody any more
  (accounts/sessions.py), so the rules see it as they see anyone not logged in.

test_every_permission_is_in_a_table fails when rules.py gains a permission no table checks.
"""

import inspect
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from deliberate import rules
from deliberate.models import (
    Argument,
    Debate,
    DebateFormat,
    Participant,
    Phase,
    Position,
    Stance,
    User,
    Visibility,
)
from deliberate.moderation.models import Sanction, SanctionKind, SanctionStatus
from deliberate.rules import Standing

ORGANISER, AUTHOR, PARTICIPANT, ADMIN, VISITOR, MEDIATOR, XMED, MUTED, REMOVED = range(1, 10)
#: The other mediator, who took the decisions under appeal or awaiting a second key.
OTHER_MEDIATOR = 99


def user(user_id, admin=False):
    return User(id=user_id, pseudonym=f"u{user_id}", is_admin=admin)


def member(user_id):
    return Participant(
        debate_id=1,
        user_id=user_id,
        position_before=Position.FOR,
        rules_accepted_at=datetime.now(UTC),
    )


def sanctioned(kind):
    return (SimpleNamespace(kind=kind, ends_at=datetime(2030, 1, 1, tzinfo=UTC)),)


ROLES = {
    "anonymous": lambda: Standing(AnonymousUserMixin()),
    "visitor": lambda: Standing(user(VISITOR)),
    "participant": lambda: Standing(user(PARTICIPANT), member(PARTICIPANT)),
    "author": lambda: Standing(user(AUTHOR), member(AUTHOR)),
    "organiser": lambda: Standing(user(ORGANISER), roles=frozenset({"organiser"})),
    "mediator": lambda: Standing(user(MEDIATOR), roles=frozenset({"mediator"})),
    "xmed": lambda: Standing(user(XMED)),
    "admin": lambda: Standing(user(ADMIN, admin=True)),
    "muted": lambda: Standing(user(MUTED), member(MUTED), sanctions=sanctioned("mute")),
    "removed": lambda: Standing(user(REMOVED), member(REMOVED), sanctions=sanctioned("removal")),
    "deleted": lambda: Standing(AnonymousUserMixin()),
}

ACTIONS = {
    "view": lambda w, d, a: rules.view_debate(w, d),
    "start": lambda w, d, a: rules.start_debate(w),
    "manage": lambda w, d, a: rules.manage_debate(w, d),
    "rules": lambda w, d, a: rules.edit_ground_rules(w, d),
    "note": lambda w, d, a: rules.post_mediator_note(w, d),
    "stepdown": lambda w, d, a: rules.step_down(w, d),
    "join": lambda w, d, a: rules.join_debate(w, d),
    "final": lambda w, d, a: rules.record_final_position(w, d),
    "community": lambda w, d, a: rules.declare_community(w, d),
    "post": lambda w, d, a: rules.post_argument(w, d),
    "reply": lambda w, d, a: rules.post_argument(w, d, a),
    "vote": lambda w, d, a: rules.vote_on_argument(w, d, a),
    "edit": lambda w, d, a: rules.edit_argument(w, d, a),
    "delete": lambda w, d, a: rules.delete_argument(w, d, a),
}

# fmt: off
TABLES = {
    #                view  start  manage rules  note  stepdown join  final  community post  reply  vote  edit  delete
    Phase.DRAFT: {
        "anonymous":   (404, 403,  403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "participant": (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "author":      (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  409,  "ok"),
        "organiser":   ("ok", "ok", "ok", "ok", 403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  "ok", "ok",    409,  409,   409,      409,  409,   409,  403,  403),
        "xmed":        (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "admin":       ("ok", "ok", "ok", "ok", 403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "muted":       (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "removed":     (404, "ok", 403,   403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "deleted":     (404, 403,  403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
    },
    Phase.OPEN: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     403,  "ok",  "ok",     "ok", "ok",  "ok", 403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     403,  "ok",  "ok",     "ok", "ok",  403,  "ok", "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  "ok", "ok",    403,  403,   403,      403,  403,   403,  403,  403),
        "xmed":        ("ok", "ok", 403,  403,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        # A mute stops posting, not saying where one stands or declaring one's community.
        "muted":       ("ok", "ok", 403,  403,  403,  403,     403,  "ok",  "ok",     403,  403,   403,  403,  403),
        "removed":     ("ok", "ok", 403,  403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "deleted":     ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
    },
    Phase.FINAL_VOTE: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     409,  "ok",  "ok",     409,  409,   "ok", 403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     409,  "ok",  "ok",     409,  409,   403,  409,  "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  "ok", "ok",    409,  403,   403,      409,  409,   403,  403,  403),
        "xmed":        ("ok", "ok", 403,  403,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "muted":       ("ok", "ok", 403,  403,  403,  403,     409,  "ok",  "ok",     409,  409,   403,  403,  403),
        "removed":     ("ok", "ok", 403,  403,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "deleted":     ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
    },
    Phase.CLOSED: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  409,  "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  409,  "ok",    409,  409,   409,      409,  409,   409,  403,  403),
        "xmed":        ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "muted":       ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "removed":     ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "deleted":     ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
    },
}
# fmt: on


def outcome(refusal):
    return "ok" if refusal is None else refusal.status


def build(phase, visibility=Visibility.SHOWN, format=DebateFormat.MOTION):
    debate = Debate(
        id=1,
        slug="d",
        motion="A motion to decide?",
        organiser_id=ORGANISER,
        phase=phase,
        format=format,
    )
    argument = Argument(
        id=10,
        debate_id=1,
        author_id=AUTHOR,
        stance=Stance.PRO,
        depth=0,
        body="x" * 20,
        visibility=visibility,
    )
    return debate, argument


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("role", list(ROLES))
def test_permission_table(app, role, phase):
    actual = {}
    for name, act in ACTIONS.items():
        debate, argument = build(phase)
        actual[name] = outcome(act(ROLES[role](), debate, argument))
    assert actual == dict(zip(ACTIONS, TABLES[phase][role], strict=True))


def test_every_role_and_phase_has_a_full_row():
    assert set(TABLES) == set(Phase)
    for table in (*TABLES.values(), MODERATION_TABLE, RESULTS_TABLE, SITE_TABLE, READ_TABLE):
        assert table.keys() == ROLES.keys()
    assert all(len(row) == len(ACTIONS) for table in TABLES.values() for row in table.values())
    assert all(len(row) == len(MODERATION) for row in MODERATION_TABLE.values())
    assert all(len(row) == len(SITE) for row in SITE_TABLE.values())
    assert all(len(row) == len(READABLE) for row in READ_TABLE.values())


def test_a_deleted_account_is_anonymous_in_every_table():
    for table in (*TABLES.values(), MODERATION_TABLE, RESULTS_TABLE, SITE_TABLE, READ_TABLE):
        assert table["deleted"] == table["anonymous"]


def test_no_reply_to_a_deleted_argument_and_no_vote_on_it(app):
    debate, argument = build(Phase.OPEN)
    argument.deleted_at = datetime.now(UTC)
    voter = ROLES["participant"]()
    assert outcome(rules.post_argument(voter, debate, argument)) == 403
    assert outcome(rules.vote_on_argument(voter, debate, argument)) == 403
    assert outcome(rules.delete_argument(ROLES["author"](), debate, argument)) == 403


def test_posting_needs_the_ground_rules_accepted(app):
    debate, _argument = build(Phase.OPEN)
    participant = member(PARTICIPANT)
    participant.rules_accepted_at = None
    assert outcome(rules.post_argument(Standing(user(PARTICIPANT), participant), debate)) == 403


# Moderation and agreement actions, on an open debate. The sanction target is a participant;
# the cosign, appeal, decide-appeal and confirm-hide columns concern a decision taken by
# another mediator (OTHER_MEDIATOR, of community 7) about the author.


def confirm_hide(w, d, a):
    a.visibility, a.hidden_by_id = Visibility.HIDDEN, OTHER_MEDIATOR
    return rules.confirm_hide(w, d, a)


MODERATION = {
    "flag": lambda w, d, a: rules.flag_argument(w, d, a),
    "review": lambda w, d, a: rules.review(w, d),
    "confirm_hide": confirm_hide,
    "sanction": lambda w, d, a: rules.sanction(w, d, ROLES["participant"]()),
    "cosign": lambda w, d, a: rules.cosign(w, d, 7, OTHER_MEDIATOR),
    "appeal": lambda w, d, a: rules.appeal(w, d, AUTHOR, False),
    "decide_appeal": lambda w, d, a: rules.decide_appeal(w, d, {OTHER_MEDIATOR}),
    "draft_agreement": lambda w, d, a: rules.draft_agreement(w, d),
    "endorse": lambda w, d, a: rules.endorse_agreement(w, d),
    "person": lambda w, d, a: rules.see_person(w, d),
    "people": lambda w, d, a: rules.see_participants(w, d),
    "lift": lambda w, d, a: rules.lift_sanction(w, d, a_mute()),
    "shorten": lambda w, d, a: rules.shorten_sanction(w, d, a_mute()),
    "unpause": lambda w, d, a: rules.lift_pause(w, d),
    "remove_role": lambda w, d, a: rules.remove_role(w, d, a_mediators_role()),
    "read_queue": lambda w, d, a: rules.read_review_queue(w, d),
    "caucuses": lambda w, d, a: rules.choose_caucuses(w, d),
}


def a_mediators_role(**changes):
    """The other mediator's role, accepted."""
    fields = {"role": "mediator", "user_id": OTHER_MEDIATOR, "accepted_at": datetime.now(UTC)}
    return SimpleNamespace(**{**fields, **changes})


def a_mute(**changes):
    """A mute in force on a participant, issued by the other mediator."""
    now = datetime.now(UTC)
    fields = {
        "kind": SanctionKind.MUTE,
        "status": SanctionStatus.ACTIVE,
        "issued_by_id": OTHER_MEDIATOR,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(hours=1),
    }
    return Sanction(**{**fields, **changes})


# fmt: off
MODERATION_TABLE = {
    #               flag  review confirm sanction cosign appeal decide draft  endorse person people lift shorten unpause remove queue caucuses
    "anonymous":   (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   403,   403, 403,    403, 403,  403, 403),
    "visitor":     (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   403,   403, 403,    403, 403,  403, 403),
    "participant": ("ok", 403,   403,    403,     403,   403,   403,   403,   "ok",   403,   403,   403, 403,    403, 403,  403, 403),
    "author":      (403,  403,   403,    403,     403,   "ok",  403,   403,   "ok",   403,   403,   403, 403,    403, 403,  403, 403),
    # Organisers see who takes part (never their communities), not a person's record; they
    # read the review queue without deciding, and remove mediators and co-organisers.
    "organiser":   (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   "ok",  403, 403,    403, "ok", "ok", 409),
    # Any mediator may lift or shorten: leniency needs no second key.
    "mediator":    (403,  "ok",  "ok",   "ok",    "ok",  403,   "ok",  "ok",  403,    "ok",  "ok",  "ok", "ok",  "ok", 403,  "ok", 403),
    "xmed":        (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   403,   403, 403,    403, 403,  403, 403),
    "admin":       (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   "ok",  403, 403,    403, "ok", "ok", 409),
    # A mute stops flags, posts and votes; answers to the agreement stay open to the muted.
    "muted":       (403,  403,   403,    403,     403,   403,   403,   403,   "ok",   403,   403,   403, 403,    403, 403,  403, 403),
    "removed":     (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   403,   403, 403,    403, 403,  403, 403),
    "deleted":     (403,  403,   403,    403,     403,   403,   403,   403,   403,    403,   403,   403, 403,    403, 403,  403, 403),
}
# fmt: on


@pytest.mark.parametrize("role", list(ROLES))
def test_moderation_permission_table(app, role):
    actual = {}
    for name, act in MODERATION.items():
        debate, argument = build(Phase.OPEN)
        actual[name] = outcome(act(ROLES[role](), debate, argument))
    assert actual == dict(zip(MODERATION, MODERATION_TABLE[role], strict=True))


def test_two_keys_are_two_different_people(app):
    """Nobody confirms, co-signs or hears an appeal against their own decision; a second
    signature comes from another community (independent counts as one)."""
    debate, argument = build(Phase.OPEN)
    mediator = ROLES["mediator"]()
    argument.hidden_by_id = MEDIATOR
    assert outcome(rules.confirm_hide(mediator, debate, argument)) == 403
    assert outcome(rules.cosign(mediator, debate, 7, MEDIATOR)) == 403
    assert outcome(rules.cosign(mediator, debate, None, OTHER_MEDIATOR)) == 403
    of_community_7 = Standing(
        user(MEDIATOR), roles=frozenset({"mediator"}), mediator_community_id=7
    )
    assert outcome(rules.cosign(of_community_7, debate, 7, OTHER_MEDIATOR)) == 403
    assert outcome(rules.cosign(of_community_7, debate, None, OTHER_MEDIATOR)) == "ok"
    assert outcome(rules.decide_appeal(mediator, debate, {OTHER_MEDIATOR, MEDIATOR})) == 403
    assert outcome(rules.appeal(ROLES["author"](), debate, AUTHOR, True)) == 403


def test_only_a_sanction_in_force_is_lifted_and_only_one_with_an_end_shortened(app):
    debate, _argument = build(Phase.OPEN)
    mediator = ROLES["mediator"]()
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert outcome(rules.lift_sanction(mediator, debate, a_mute(ends_at=past))) == 403
    assert outcome(rules.lift_sanction(mediator, debate, a_mute(kind="warning"))) == 403
    unsigned = a_mute(status=SanctionStatus.AWAITING_COSIGN, starts_at=None)
    assert outcome(rules.lift_sanction(mediator, debate, unsigned)) == 403
    removal = a_mute(kind=SanctionKind.REMOVAL, ends_at=None)
    assert outcome(rules.lift_sanction(mediator, debate, removal)) == "ok"
    assert outcome(rules.shorten_sanction(mediator, debate, removal)) == 403


def test_sanctions_apply_to_participants_only(app):
    debate, _argument = build(Phase.OPEN)
    mediator = ROLES["mediator"]()
    for target in ("visitor", "organiser", "mediator", "xmed", "admin", "deleted"):
        assert outcome(rules.sanction(mediator, debate, ROLES[target]())) == 403, target
    for target in ("participant", "author", "muted", "removed"):
        assert outcome(rules.sanction(mediator, debate, ROLES[target]())) == "ok", target


RESULTS = {
    "report": lambda w, d, a: rules.read_results(w, d),
    "export_names": lambda w, d, a: rules.choose_export_pseudonyms(w, d),
    "invite": lambda w, d, a: rules.invite(w, d),
    "xids": lambda w, d, a: rules.download_xids(w, d),
}

# fmt: off
#: The report and downloads are as public as the debate: hidden while it is a draft. Whether
#: downloads name authors, the invitation links and the xids of participants imported from
#: Pol.is (which may name them on the site that embedded the conversation) are the
#: organisers' (in any phase).
RESULTS_TABLE = {
    #               draft report  open report  names   invite  xids
    "anonymous":   (404,          "ok",        403,    403,    403),
    "visitor":     (404,          "ok",        403,    403,    403),
    "participant": (404,          "ok",        403,    403,    403),
    "author":      (404,          "ok",        403,    403,    403),
    "organiser":   ("ok",         "ok",        "ok",   "ok",   "ok"),
    "mediator":    ("ok",         "ok",        403,    403,    403),
    "xmed":        (404,          "ok",        403,    403,    403),
    "admin":       ("ok",         "ok",        "ok",   "ok",   "ok"),
    "muted":       (404,          "ok",        403,    403,    403),
    "removed":     (404,          "ok",        403,    403,    403),
    "deleted":     (404,          "ok",        403,    403,    403),
}
# fmt: on


@pytest.mark.parametrize("role", list(ROLES))
def test_results_permission_table(app, role):
    draft, argument = build(Phase.DRAFT)
    open_, _ = build(Phase.OPEN)
    who = ROLES[role]()
    actual = (
        outcome(RESULTS["report"](who, draft, argument)),
        outcome(RESULTS["report"](who, open_, argument)),
        outcome(RESULTS["export_names"](who, open_, argument)),
        outcome(RESULTS["invite"](who, open_, argument)),
        outcome(RESULTS["xids"](who, open_, argument)),
    )
    assert actual == RESULTS_TABLE[role]
    for phase in Phase:
        debate, _ = build(phase)
        assert outcome(RESULTS["export_names"](who, debate, argument)) == RESULTS_TABLE[role][2]
        assert outcome(RESULTS["invite"](who, debate, argument)) == RESULTS_TABLE[role][3]
        assert outcome(RESULTS["xids"](who, debate, argument)) == RESULTS_TABLE[role][4]


def test_sanctions_stop_taking_part(app):
    debate, argument = build(Phase.OPEN)
    for kind in ("mute", "removal"):
        muted = Standing(user(PARTICIPANT), member(PARTICIPANT), sanctions=sanctioned(kind))
        assert outcome(rules.post_argument(muted, debate)) == 403
        assert outcome(rules.vote_on_argument(muted, debate, argument)) == 403
        assert outcome(rules.flag_argument(muted, debate, argument)) == 403


@pytest.mark.parametrize("kind", ["mute", "removal"])
def test_sanctioned_authors_keep_the_right_to_withdraw_and_appeal(app, kind):
    """A muted or removed author may not rewrite their argument, but may delete it (their
    safety first) and appeal a decision about them; a warning or slow mode stops neither."""
    debate, argument = build(Phase.OPEN)
    author = Standing(user(AUTHOR), member(AUTHOR), sanctions=sanctioned(kind))
    assert outcome(rules.edit_argument(author, debate, argument)) == 403
    assert outcome(rules.delete_argument(author, debate, argument)) == "ok"
    assert outcome(rules.appeal(author, debate, AUTHOR, False)) == "ok"
    for mild in ("warning", "slow_mode"):
        warned = Standing(user(AUTHOR), member(AUTHOR), sanctions=sanctioned(mild))
        assert outcome(rules.edit_argument(warned, debate, argument)) == "ok"


def test_an_open_question_has_no_final_position(app):
    for phase in (Phase.OPEN, Phase.FINAL_VOTE):
        debate, _argument = build(phase, format=DebateFormat.QUESTION)
        for role in ROLES:
            assert outcome(rules.record_final_position(ROLES[role](), debate)) == 403, role


# Site-wide permissions, the same whatever the debate and phase.
#: Someone else's account, for the site admin's actions on accounts.
SOMEONE = User(id=10**6, pseudonym="Someone Else")

SITE = {
    "see_emails": lambda w: rules.see_emails(w),
    "start": lambda w: rules.start_debate(w),
    "no_2fa": lambda w: rules.act_without_second_factor(w),
    "no_2fa_private": lambda w: rules.act_without_second_factor(w, "private", private=True),
    "no_2fa_staff": lambda w: rules.act_without_second_factor(w, "staff"),
    "no_2fa_admins": lambda w: rules.act_without_second_factor(w, "admins"),
    "reset_2fa": lambda w: rules.reset_second_factor(w, SOMEONE),
    "site_log": lambda w: rules.read_site_log(w),
}

# fmt: off
#: An email is seen by its owner (on their own pages) and by site admins, nobody else. Who
#: must have two-step login before acting (here nobody has it; see
#: test_staff_with_a_second_factor_act) is the site's setting DELIBERATE_TWO_STEP_FOR:
#: "private" (the default: site admins; organisers and mediators of a private debate, the
#: column no_2fa_private; not of this public one, no_2fa), "staff" (every organiser and
#: mediator) or "admins". Only site admins turn off someone's two-step login (never their
#: own that way) and read the site log.
SITE_TABLE = {
    #               see_emails start  no_2fa no_2fa_private no_2fa_staff no_2fa_admins reset_2fa site_log
    "anonymous":   (403,       403,   "ok",  "ok",          "ok",        "ok",         403,      403),
    "visitor":     (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "participant": (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "author":      (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "organiser":   (403,       "ok",  "ok",  403,           403,         "ok",         403,      403),
    "mediator":    (403,       "ok",  "ok",  403,           403,         "ok",         403,      403),
    "xmed":        (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "admin":       ("ok",      "ok",  403,   403,           403,         403,          "ok",     "ok"),
    "muted":       (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "removed":     (403,       "ok",  "ok",  "ok",          "ok",        "ok",         403,      403),
    "deleted":     (403,       403,   "ok",  "ok",          "ok",        "ok",         403,      403),
}
# fmt: on


@pytest.mark.parametrize("role", list(ROLES))
def test_site_permission_table(app, role):
    actual = tuple(outcome(act(ROLES[role]())) for act in SITE.values())
    assert actual == SITE_TABLE[role]


@pytest.mark.parametrize("role", ["organiser", "mediator", "admin"])
def test_staff_with_a_second_factor_act(app, role):
    who = ROLES[role]()
    assert rules.act_without_second_factor(who, "staff") is not None
    who.user.totp_secret = "JBSWY3DPEHPK3PXP"
    assert rules.act_without_second_factor(who, "staff") is None


# --- groups and private debates ---------------------------------------------------------------

GROUP_ROLES = {
    "anonymous": lambda: Standing(AnonymousUserMixin()),
    "outsider": lambda: Standing(user(VISITOR)),
    "member": lambda: Standing(user(PARTICIPANT), group_role="member"),
    "facilitator": lambda: Standing(user(ORGANISER), group_role="facilitator"),
    "group_admin": lambda: Standing(user(MEDIATOR), group_role="admin"),
    "site_admin": lambda: Standing(user(ADMIN, admin=True)),
}
#: A member without an email address: whom a recovery code is for.
NO_EMAIL = User(id=10**6 + 1, pseudonym="No Email", email=None)


def group(suspended=False):
    from deliberate.groups.models import Group

    return Group(
        id=1,
        slug="g",
        name="A group",
        suspended_at=datetime(2026, 1, 1, tzinfo=UTC) if suspended else None,
        suspension_reason="threats" if suspended else None,
    )


GROUP = {
    "start_group": lambda w, g: rules.start_group(w),
    "start_debate": lambda w, g: rules.start_debate(w, g),
    "members": lambda w, g: rules.see_members(w, g),
    "manage": lambda w, g: rules.manage_members(w, g),
    "log": lambda w, g: rules.read_group_log(w, g),
    "codes": lambda w, g: rules.issue_access_codes(w, g),
    "sheets": lambda w, g: rules.keep_code_sheets(w, g),
    "recovery": lambda w, g: rules.issue_recovery_code(w, g, NO_EMAIL, "member"),
    "suspend": lambda w, g: rules.suspend_group(w, g),
    "remove": lambda w, g: rules.remove_member(w, g, SOMEONE.id),
    "leave": lambda w, g: rules.remove_member(w, g, w.user.id if w.signed_in else 0),
    "2fa": lambda w, g: rules.act_without_second_factor(w),
}

# fmt: off
#: Anyone signed in starts a group; its admins and facilitators start its debates and hand
#: out codes (also recovery codes, for members without email); its admins manage members
#: (site admins too, for a group that lost its admins); its members read its member list and
#: log, which do not exist for anyone else; site admins suspend. Anyone may leave; admins
#: remove others. By default admins and facilitators need two-step login on their group's
#: pages.
GROUP_TABLE = {
    #               start_group start_debate members manage log   codes sheets recovery suspend remove leave 2fa
    "anonymous":   (403,        403,         404,    403,   404,  403,  403,   403,     403,    403,   403,  "ok"),
    "outsider":    ("ok",       403,         404,    403,   404,  403,  403,   403,     403,    403,   "ok", "ok"),
    "member":      ("ok",       403,         "ok",   403,   "ok", 403,  403,   403,     403,    403,   "ok", "ok"),
    "facilitator": ("ok",       "ok",        "ok",   403,   "ok", "ok", "ok",  "ok",    403,    403,   "ok", 403),
    "group_admin": ("ok",       "ok",        "ok",   "ok",  "ok", "ok", "ok",  "ok",    403,    "ok",  "ok", 403),
    "site_admin":  ("ok",       403,         "ok",   "ok",  "ok", 403,  403,   403,     "ok",   "ok",  "ok", 403),
}
#: Its admins and facilitators, in a suspended group: nothing starts and no code is handed
#: out, but sheets can still be withdrawn.
SUSPENDED = {"start_debate": 403, "codes": 403, "recovery": 403, "sheets": "ok"}
# fmt: on


@pytest.mark.parametrize("role", list(GROUP_ROLES))
def test_group_permission_table(app, role):
    actual = tuple(outcome(act(GROUP_ROLES[role](), group())) for act in GROUP.values())
    assert actual == GROUP_TABLE[role]
    if role in ("facilitator", "group_admin"):  # for anyone else, suspension changes nothing
        for name, status in SUSPENDED.items():
            assert outcome(GROUP[name](GROUP_ROLES[role](), group(suspended=True))) == status


def test_recovery_codes_are_only_for_members_without_email(app):
    facilitator = GROUP_ROLES["facilitator"]()
    with_email = User(id=10**6 + 2, pseudonym="Has Email", email="a@example.org")
    assert outcome(rules.issue_recovery_code(facilitator, group(), with_email, "member")) == 403
    for role in ("facilitator", "admin", None):  # peers' powers; people not in the group
        assert outcome(rules.issue_recovery_code(facilitator, group(), NO_EMAIL, role)) == 403
    assert (
        outcome(rules.issue_recovery_code(facilitator, group(), facilitator.user, "member")) == 403
    )


# fmt: off
#: Who sees a private debate (open): its group's members and the people it invited, its
#: organisers and mediators, site admins. Anyone else: 404, as for a draft; having joined
#: is not enough (below: the members and the invited, who joined).
PRIVATE_TABLE = {
    "anonymous": 404, "visitor": 404, "participant": 404, "author": 404, "organiser": "ok",
    "mediator": "ok", "xmed": 404, "admin": "ok", "muted": 404, "removed": 404, "deleted": 404,
}
# fmt: on


@pytest.mark.parametrize("role", list(PRIVATE_TABLE))
def test_who_sees_a_private_debate(app, role):
    from deliberate.models import Audience

    debate, _argument = build(Phase.OPEN)
    debate.audience = Audience.PRIVATE
    assert outcome(rules.view_debate(ROLES[role](), debate)) == PRIVATE_TABLE[role]
    joined = member(PARTICIPANT)
    for group_role in ("member", "facilitator", "admin"):
        who = Standing(user(PARTICIPANT), joined, group_role=group_role)
        assert rules.view_debate(who, debate) is None
    assert rules.view_debate(Standing(user(PARTICIPANT), joined, invited=True), debate) is None


#: Whose eyes an argument's text is for, by where moderation has put it.
READABLE = tuple(Visibility)

# fmt: off
READ_TABLE = {
    #               shown pending flagged hidden edit_requested merged
    "anonymous":   (True, False,  False,  False, True,          False),
    "visitor":     (True, False,  False,  False, True,          False),
    "participant": (True, False,  False,  False, True,          False),
    "author":      (True, True,   True,   True,  True,          True),
    "organiser":   (True, False,  False,  False, True,          False),
    "mediator":    (True, True,   True,   True,  True,          True),
    "xmed":        (True, False,  False,  False, True,          False),
    "admin":       (True, False,  False,  False, True,          False),
    "muted":       (True, False,  False,  False, True,          False),
    "removed":     (True, False,  False,  False, True,          False),
    "deleted":     (True, False,  False,  False, True,          False),
}
# fmt: on


@pytest.mark.parametrize("role", list(ROLES))
def test_read_argument_table(app, role):
    actual = tuple(
        rules.read_argument(ROLES[role](), build(Phase.OPEN, visibility)[1])
        for visibility in READABLE
    )
    assert actual == READ_TABLE[role]


# --- translations ---------------------------------------------------------------------------

TRANSLATION = {
    "translate": lambda w, d, a: rules.translate(w, d, a),
    "publish": lambda w, d, a: rules.publish_translation(w, d),
    "check": lambda w, d, a: rules.check_translations(w, d),
    "queue": lambda w, d, a: rules.read_translation_queue(w, d),
    "machine": lambda w, d, a: rules.choose_machine_drafts(w, d),
    "texts": lambda w, d, a: rules.translate_debate_texts(w, d),
}
TRANSLATION_ROLES = {
    **ROLES,
    "translator": lambda: Standing(user(VISITOR), roles=frozenset({"translator"})),
}

# fmt: off
#: An open debate in two languages, a readable argument. Translating takes no side:
#: participants, organisers, mediators and translators may; translators and mediators
#: publish at once; mediators check what others propose; the organiser decides whether
#: readers see machine drafts.
TRANSLATION_TABLE = {
    #               translate  publish  check  queue  machine  texts
    "anonymous":   (403,       403,     403,   403,   403,     403),
    "visitor":     (403,       403,     403,   403,   403,     403),
    "participant": ("ok",      403,     403,   403,   403,     403),
    "author":      ("ok",      403,     403,   403,   403,     403),
    "organiser":   ("ok",      403,     403,   "ok",  "ok",    "ok"),
    "mediator":    ("ok",      "ok",    "ok",  "ok",  403,     "ok"),
    "xmed":        (403,       403,     403,   403,   403,     403),
    "admin":       ("ok",      403,     403,   "ok",  "ok",    "ok"),
    "muted":       (403,       403,     403,   403,   403,     403),
    "removed":     (403,       403,     403,   403,   403,     403),
    "deleted":     (403,       403,     403,   403,   403,     403),
    "translator":  ("ok",      "ok",    403,   "ok",  403,     "ok"),
}
# fmt: on


def bilingual(phase=Phase.OPEN, visibility=Visibility.SHOWN):
    from deliberate.models import DebateLanguage

    debate, argument = build(phase, visibility)
    debate.language = "en"
    debate.other_languages = [DebateLanguage(tag="fr", position=1)]
    return debate, argument


@pytest.mark.parametrize("role", list(TRANSLATION_ROLES))
def test_translation_permission_table(app, role):
    who = TRANSLATION_ROLES[role]()
    debate, argument = bilingual()
    actual = tuple(outcome(act(who, debate, argument)) for act in TRANSLATION.values())
    assert actual == TRANSLATION_TABLE[role]
    # Nobody translates in a draft, in a one-language debate, or text the public cannot read.
    assert outcome(rules.translate(who, *bilingual(Phase.DRAFT))) != "ok"
    assert outcome(rules.translate(who, *build(Phase.OPEN))) != "ok"
    for hidden in (Visibility.HIDDEN, Visibility.FLAGGED, Visibility.EDIT_REQUESTED):
        assert outcome(rules.translate(who, *bilingual(visibility=hidden))) != "ok"


# --- in-person circles ------------------------------------------------------------------------

CIRCLE = {
    "record": lambda w, d, c: rules.record_circle(w, d),
    "confirm": lambda w, d, c: rules.confirm_circle(w, d, c),
}
CIRCLE_ROLES = {
    **ROLES,
    "group facilitator": lambda: Standing(user(VISITOR), group_role="facilitator"),
    "group member": lambda: Standing(user(VISITOR), group_role="member"),
}

# fmt: off
#: A circle is recorded by the debate's mediators or its group's facilitators and admins,
#: and confirmed by another of them (here the circle was entered by someone else).
CIRCLE_TABLE = {
    #                     record  confirm
    "anonymous":         (403,    403),
    "visitor":           (403,    403),
    "participant":       (403,    403),
    "author":            (403,    403),
    "organiser":         (403,    403),
    "mediator":          ("ok",   "ok"),
    "xmed":              (403,    403),
    "admin":             (403,    403),
    "muted":             (403,    403),
    "removed":           (403,    403),
    "deleted":           (403,    403),
    "group facilitator": ("ok",   "ok"),
    "group member":      (403,    403),
}
# fmt: on


def a_circle(entered_by: int):
    from deliberate.circles.models import Circle

    return Circle(id=5, debate_id=1, place="Mopti", entered_by_id=entered_by)


@pytest.mark.parametrize("role", list(CIRCLE_ROLES))
def test_circle_permission_table(app, role):
    who = CIRCLE_ROLES[role]()
    debate, _argument = build(Phase.OPEN)
    circle = a_circle(entered_by=XMED)
    actual = tuple(outcome(act(who, debate, circle)) for act in CIRCLE.values())
    assert actual == CIRCLE_TABLE[role]
    # Never before the debate opens; never the second key to one's own circle.
    draft, _argument = build(Phase.DRAFT)
    assert outcome(rules.record_circle(who, draft)) != "ok"
    if who.signed_in:
        own = a_circle(entered_by=who.user.id)
        assert outcome(rules.confirm_circle(who, debate, own)) != "ok"


def every_table_call():
    """Ask every table's question, for every role (and phase)."""
    for phase in Phase:
        for role in ROLES:
            for act in (
                *ACTIONS.values(),
                *MODERATION.values(),
                *RESULTS.values(),
                *EDITING.values(),
            ):
                debate, argument = build(phase)
                act(ROLES[role](), debate, argument)
            for act in SITE.values():
                act(ROLES[role]())
            for visibility in READABLE:
                rules.read_argument(ROLES[role](), build(phase, visibility)[1])
        for role in GROUP_ROLES:
            for act in GROUP.values():
                act(GROUP_ROLES[role](), group())
        for role in TRANSLATION_ROLES:
            for act in TRANSLATION.values():
                act(TRANSLATION_ROLES[role](), *bilingual(phase))
        for role in CIRCLE_ROLES:
            for act in CIRCLE.values():
                act(CIRCLE_ROLES[role](), build(phase)[0], a_circle(entered_by=XMED))


def test_every_permission_is_in_a_table(app, monkeypatch):
    permissions = {
        name
        for name, function in vars(rules).items()
        if inspect.isfunction(function)
        and function.__module__ == rules.__name__
        and not name.startswith("_")
        and name not in ("require", "allowed")
    }
    asked = set()
    for name in permissions:
        function = getattr(rules, name)

        def recording(*args, _name=name, _function=function, **kwargs):
            asked.add(_name)
            return _function(*args, **kwargs)

        monkeypatch.setattr(rules, name, recording)
    every_table_call()
    assert permissions - asked == set()


# --- editing the debate's motion and background ------------------------------------------------

EDITING = {
    "motion": lambda w, d, a: rules.edit_motion(w, d),
    "background": lambda w, d, a: rules.edit_background(w, d),
}
#: Organisers (and site admins) edit the motion in a draft, the background until it closes.
EDITORS = {"organiser", "admin"}
EDIT_TABLE = {
    Phase.DRAFT: ("ok", "ok"),
    Phase.OPEN: (409, "ok"),
    Phase.FINAL_VOTE: (409, "ok"),
    Phase.CLOSED: (409, 409),
}


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("role", list(ROLES))
def test_editing_permission_table(app, role, phase):
    actual = tuple(outcome(act(ROLES[role](), *build(phase))) for act in EDITING.values())
    assert actual == (EDIT_TABLE[phase] if role in EDITORS else (403, 403))


def test_roles_end_by_stepping_down_or_by_another_organiser(app):
    """Anyone steps down from a role they hold, the last organiser too; organisers remove
    others (appointed organisers included), never themselves; the founder only by an admin."""
    debate, _argument = build(Phase.OPEN)
    organiser, admin = ROLES["organiser"](), ROLES["admin"]()
    assert rules.step_down(organiser, debate, "organiser") is None
    assert outcome(rules.step_down(organiser, debate, "mediator")) == 403
    assert rules.step_down(ROLES["mediator"](), debate) is None
    co_organiser = a_mediators_role(role="organiser", user_id=VISITOR)
    assert rules.remove_role(organiser, debate, co_organiser) is None
    own = a_mediators_role(user_id=ORGANISER)
    assert outcome(rules.remove_role(organiser, debate, own)) == 403
    founder = a_mediators_role(role="organiser", user_id=ORGANISER)
    other_organiser = Standing(user(VISITOR), roles=frozenset({"organiser"}))
    assert outcome(rules.remove_role(other_organiser, debate, founder)) == 403
    assert rules.remove_role(admin, debate, founder) is None


def test_caucuses_are_chosen_by_organisers_before_opening(app):
    debate, _argument = build(Phase.DRAFT)
    assert rules.choose_caucuses(ROLES["organiser"](), debate) is None
    assert outcome(rules.choose_caucuses(ROLES["mediator"](), debate)) == 403
