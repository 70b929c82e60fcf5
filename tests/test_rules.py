"""Who may do what: the whole permission table of deliberate.rules, role by action.

Each row is a kind of user; each column an action on an open or closed debate. "ok" means
allowed; otherwise the HTTP status of the refusal (403 not allowed, 409 debate closed).
"""

import pytest
from flask_login import AnonymousUserMixin

from deliberate import rules
from deliberate.models import Argument, Debate, DebateStatus, Participant, Position, Stance, User

ORGANISER, AUTHOR, PARTICIPANT, ADMIN, VISITOR = 1, 2, 3, 4, 5


def build(closed=False):
    debate = Debate(
        id=1,
        slug="d",
        motion="A motion to decide?",
        organiser_id=ORGANISER,
        status=DebateStatus.CLOSED if closed else DebateStatus.OPEN,
    )
    argument = Argument(
        id=10, debate_id=1, author_id=AUTHOR, stance=Stance.PRO, depth=0, body="x" * 20
    )
    return debate, argument


def user(user_id, admin=False):
    return User(id=user_id, pseudonym=f"u{user_id}", is_admin=admin)


def member(user_id):
    return Participant(debate_id=1, user_id=user_id, position_before=Position.FOR)


ROLES = {
    # role: (user, participant row or None)
    "anonymous": lambda: (AnonymousUserMixin(), None),
    "logged-in visitor": lambda: (user(VISITOR), None),
    "participant": lambda: (user(PARTICIPANT), member(PARTICIPANT)),
    "author": lambda: (user(AUTHOR), member(AUTHOR)),
    "organiser (not joined)": lambda: (user(ORGANISER), None),
    "site admin": lambda: (user(ADMIN, admin=True), None),
}

ACTIONS = {
    "start a debate": lambda u, p, d, a: rules.start_debate(u),
    "close or reopen": lambda u, p, d, a: rules.manage_debate(u, d),
    "join (opening position)": lambda u, p, d, a: rules.join_debate(u, d, p),
    "final position": lambda u, p, d, a: rules.record_final_position(u, d, p),
    "post an argument": lambda u, p, d, a: rules.post_argument(u, d, p),
    "reply": lambda u, p, d, a: rules.post_argument(u, d, p, a),
    "vote on the argument": lambda u, p, d, a: rules.vote_on_argument(u, d, p, a),
    "edit the argument": lambda u, p, d, a: rules.edit_argument(u, d, a),
    "delete the argument": lambda u, p, d, a: rules.delete_argument(u, d, a),
}

# Expected outcome on an OPEN debate.
OPEN_TABLE = {
    #                         start close join  final post  reply vote  edit  delete
    "anonymous": (403, 403, 403, 403, 403, 403, 403, 403, 403),
    "logged-in visitor": ("ok", 403, "ok", 403, 403, 403, 403, 403, 403),
    "participant": ("ok", 403, 403, "ok", "ok", "ok", "ok", 403, 403),
    "author": ("ok", 403, 403, "ok", "ok", "ok", 403, "ok", "ok"),
    "organiser (not joined)": ("ok", "ok", "ok", 403, 403, 403, 403, 403, 403),
    "site admin": ("ok", "ok", "ok", 403, 403, 403, 403, 403, 403),
}

# On a CLOSED debate every change to it answers 409 ("closed", which says why) to anyone
# logged in, except: starting another debate, managing this one, editing someone else's
# argument (403 whatever the phase), and an author withdrawing their own words.
CLOSED_TABLE = {
    #                         start close join  final post  reply vote  edit  delete
    "anonymous": (403, 403, 403, 403, 403, 403, 403, 403, 403),
    "logged-in visitor": ("ok", 403, 409, 409, 409, 409, 409, 403, 403),
    "participant": ("ok", 403, 409, 409, 409, 409, 409, 403, 403),
    "author": ("ok", 403, 409, 409, 409, 409, 409, 409, "ok"),
    "organiser (not joined)": ("ok", "ok", 409, 409, 409, 409, 409, 403, 403),
    "site admin": ("ok", "ok", 409, 409, 409, 409, 409, 403, 403),
}


def outcome(refusal):
    return "ok" if refusal is None else refusal.status


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("role", list(ROLES))
def test_permission_table(app, role, closed):
    table = CLOSED_TABLE if closed else OPEN_TABLE
    the_user, participant = ROLES[role]()
    actual = []
    for act in ACTIONS.values():
        debate, argument = build(closed)
        actual.append(outcome(act(the_user, participant, debate, argument)))
    assert dict(zip(ACTIONS, actual, strict=True)) == dict(zip(ACTIONS, table[role], strict=True))


def test_closed_table_shape_matches_the_open_one():
    assert OPEN_TABLE.keys() == CLOSED_TABLE.keys() == ROLES.keys()
    assert all(len(row) == len(ACTIONS) for row in (*OPEN_TABLE.values(), *CLOSED_TABLE.values()))


def test_no_reply_to_a_deleted_argument_and_no_vote_on_it(app):
    from datetime import UTC, datetime

    debate, argument = build()
    argument.deleted_at = datetime.now(UTC)
    voter = user(PARTICIPANT)
    assert outcome(rules.post_argument(voter, debate, member(PARTICIPANT), argument)) == 403
    assert outcome(rules.vote_on_argument(voter, debate, member(PARTICIPANT), argument)) == 403
    assert outcome(rules.delete_argument(user(AUTHOR), debate, argument)) == 403
