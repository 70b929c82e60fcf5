"""Who may do what: the whole permission table of deliberate.rules, role by action, in each
phase of a debate.

"ok" means allowed; otherwise the HTTP status of the refusal: 403 not allowed, 404 hidden
(drafts), 409 not in this phase.
"""

from datetime import UTC, datetime

import pytest
from flask_login import AnonymousUserMixin

from deliberate import rules
from deliberate.models import (
    Argument,
    Debate,
    Participant,
    Phase,
    Position,
    Stance,
    User,
    Visibility,
)
from deliberate.rules import Standing

ORGANISER, AUTHOR, PARTICIPANT, ADMIN, VISITOR, MEDIATOR = 1, 2, 3, 4, 5, 6


def user(user_id, admin=False):
    return User(id=user_id, pseudonym=f"u{user_id}", is_admin=admin)


def member(user_id):
    return Participant(
        debate_id=1,
        user_id=user_id,
        position_before=Position.FOR,
        rules_accepted_at=datetime.now(UTC),
    )


ROLES = {
    "anonymous": lambda: Standing(AnonymousUserMixin()),
    "visitor": lambda: Standing(user(VISITOR)),
    "participant": lambda: Standing(user(PARTICIPANT), member(PARTICIPANT)),
    "author": lambda: Standing(user(AUTHOR), member(AUTHOR)),
    "organiser": lambda: Standing(user(ORGANISER), roles=frozenset({"organiser"})),
    "mediator": lambda: Standing(user(MEDIATOR), roles=frozenset({"mediator"})),
    "admin": lambda: Standing(user(ADMIN, admin=True)),
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
        "admin":       ("ok", "ok", "ok", "ok", 403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
    },
    Phase.OPEN: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     403,  "ok",  "ok",     "ok", "ok",  "ok", 403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     403,  "ok",  "ok",     "ok", "ok",  403,  "ok", "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  "ok", "ok",    403,  403,   403,      403,  403,   403,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     "ok", 403,   403,      403,  403,   403,  403,  403),
    },
    Phase.FINAL_VOTE: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     409,  "ok",  "ok",     409,  409,   "ok", 403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     409,  "ok",  "ok",     409,  409,   403,  409,  "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  "ok", "ok",    409,  403,   403,      409,  409,   403,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     409,  403,   403,      409,  409,   403,  403,  403),
    },
    Phase.CLOSED: {
        "anonymous":   ("ok", 403, 403,   403,  403,  403,     403,  403,   403,      403,  403,   403,  403,  403),
        "visitor":     ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "participant": ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "author":      ("ok", "ok", 403,  403,  403,  403,     409,  409,   409,      409,  409,   409,  409,  "ok"),
        "organiser":   ("ok", "ok", "ok", 409,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
        "mediator":    ("ok", "ok", 403,  403,  409,  "ok",    409,  409,   409,      409,  409,   409,  403,  403),
        "admin":       ("ok", "ok", "ok", 409,  403,  403,     409,  409,   409,      409,  409,   409,  403,  403),
    },
}
# fmt: on


def outcome(refusal):
    return "ok" if refusal is None else refusal.status


def build(phase):
    debate = Debate(
        id=1, slug="d", motion="A motion to decide?", organiser_id=ORGANISER, phase=phase
    )
    argument = Argument(
        id=10,
        debate_id=1,
        author_id=AUTHOR,
        stance=Stance.PRO,
        depth=0,
        body="x" * 20,
        visibility=Visibility.SHOWN,
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
    for table in TABLES.values():
        assert table.keys() == ROLES.keys()
        assert all(len(row) == len(ACTIONS) for row in table.values())


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
# the cosign, appeal and decide-appeal columns concern a decision taken by "another mediator"
# (id 99, independent) about the author.
MODERATION = {
    "flag": lambda w, d, a: rules.flag_argument(w, d, a),
    "review": lambda w, d, a: rules.review(w, d),
    "sanction": lambda w, d, a: rules.sanction(w, d, ROLES["participant"]()),
    "cosign": lambda w, d, a: rules.cosign(w, d, 7, 99),
    "appeal": lambda w, d, a: rules.appeal(w, d, AUTHOR, False),
    "decide_appeal": lambda w, d, a: rules.decide_appeal(w, d, {99}),
    "draft_agreement": lambda w, d, a: rules.draft_agreement(w, d),
    "endorse": lambda w, d, a: rules.endorse_agreement(w, d),
}

# fmt: off
MODERATION_TABLE = {
    #               flag  review sanction cosign appeal decide draft  endorse
    "anonymous":   (403,  403,   403,     403,   403,   403,   403,   403),
    "visitor":     (403,  403,   403,     403,   403,   403,   403,   403),
    "participant": ("ok", 403,   403,     403,   403,   403,   403,   "ok"),
    "author":      (403,  403,   403,     403,   "ok",  403,   403,   "ok"),
    "organiser":   (403,  403,   403,     403,   403,   403,   403,   403),
    "mediator":    (403,  "ok",  "ok",    "ok",  403,   "ok",  "ok",  403),
    "admin":       (403,  403,   403,     403,   403,   403,   403,   403),
}
# fmt: on


@pytest.mark.parametrize("role", list(ROLES))
def test_moderation_permission_table(app, role):
    actual = {}
    for name, act in MODERATION.items():
        debate, argument = build(Phase.OPEN)
        actual[name] = outcome(act(ROLES[role](), debate, argument))
    assert actual == dict(zip(MODERATION, MODERATION_TABLE[role], strict=True))


RESULTS = {
    "report": lambda w, d, a: rules.read_results(w, d),
    "export_names": lambda w, d, a: rules.choose_export_pseudonyms(w, d),
}

# fmt: off
#: The report and downloads are as public as the debate: hidden while it is a draft.
RESULTS_TABLE = {
    #               draft report  open report  names (any phase)
    "anonymous":   (404,          "ok",        403),
    "visitor":     (404,          "ok",        403),
    "participant": (404,          "ok",        403),
    "author":      (404,          "ok",        403),
    "organiser":   ("ok",         "ok",        "ok"),
    "mediator":    ("ok",         "ok",        403),
    "admin":       ("ok",         "ok",        "ok"),
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
    )
    assert actual == RESULTS_TABLE[role]
    for phase in Phase:
        debate, _ = build(phase)
        assert outcome(RESULTS["export_names"](who, debate, argument)) == RESULTS_TABLE[role][2]


def test_sanctions_stop_taking_part(app):
    from types import SimpleNamespace

    debate, argument = build(Phase.OPEN)
    for kind in ("mute", "removal"):
        muted = Standing(
            user(PARTICIPANT), member(PARTICIPANT), sanctions=(SimpleNamespace(kind=kind),)
        )
        assert outcome(rules.post_argument(muted, debate)) == 403
        assert outcome(rules.vote_on_argument(muted, debate, argument)) == 403
        assert outcome(rules.flag_argument(muted, debate, argument)) == 403
