"""No mass assignment: extra form fields change nothing.

Every form POST of the app is sent twice from the same world (tests/test_routes.py): once
with its legitimate fields, once with the same fields plus extras an attacker might add
(`role=admin`, `is_admin=1`, `user_id=<someone else>`, `agree_count=999`,
`debate_id=<another debate>`...). Both must leave the database in the same state (times,
password hashes and random tokens aside), answer the same, and log the same person in.

The POSTs come from the app's URL map (test_every_post_route_has_a_case), with the URL,
form and role of their row in the route table of tests/test_routes.py; a row whose table
data is refused on purpose, or that needs more than one request, has an explicit case.

The extras sent to a route leave out the fields that route has: the app itself tells, as the
request records every form key a view asks about. A form class asks whether its fields are
there; a key read directly (request.form.get) must be one of READ_DIRECTLY; and no route may
ask for any of NEVER_FIELDS (is_admin, user_id, author_id, agree_count...) at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.utils import cached_property

from deliberate.accounts import totp
from deliberate.extensions import db
from deliberate.models import Debate, User, utcnow
from deliberate.tokens import UnmaskingRequest

from .conftest import PASSWORD, csrf_token, post
from .test_routes import ROLES, ROUTES, TABLE, World, module_world, served

# --- which form keys a view reads -----------------------------------------------------------

#: (key, how) for every form or query key the current request asked about: "field" when
#: asked whether it is there (how a form looks for its fields), "read" when its value is read
#: directly (request.form.get...).
ASKED: set[tuple[str, str]] = set()
_quiet = [0]  # inside one of our own calls: what werkzeug asks itself is not the app asking


def _note(key, how: str) -> None:
    if not _quiet[0]:
        ASKED.add((key, how))


def _asking(how: str, method):
    def asks(self, key, *args, **kwargs):
        _note(key, how)
        _quiet[0] += 1
        try:
            return method(self, key, *args, **kwargs)
        finally:
            _quiet[0] -= 1

    return asks


class RecordingDict(ImmutableMultiDict):
    """Form and query data that remember every key asked about."""

    __contains__ = _asking("field", ImmutableMultiDict.__contains__)
    getlist = _asking("field", ImmutableMultiDict.getlist)
    __getitem__ = _asking("read", ImmutableMultiDict.__getitem__)
    get = _asking("read", ImmutableMultiDict.get)


class RecordingCombinedDict(CombinedMultiDict):
    __contains__ = _asking("field", CombinedMultiDict.__contains__)
    getlist = _asking("field", CombinedMultiDict.getlist)
    __getitem__ = _asking("read", CombinedMultiDict.__getitem__)
    get = _asking("read", CombinedMultiDict.get)


class RecordingRequest(UnmaskingRequest):  # the app's own request class, recording
    parameter_storage_class = RecordingDict

    @cached_property
    def values(self):
        sources = [self.args] if self.method == "GET" else [self.args, self.form]
        return RecordingCombinedDict(sources)


def recording(app) -> None:
    app.request_class = RecordingRequest


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    with module_world(database_url, tmp_path_factory, recording) as world:
        yield world


@pytest.fixture
def world(built):
    yield built
    built.reset(detail=False)


# --- the extras -----------------------------------------------------------------------------

#: What an attacker adds to a form. A route that reads one of these keys as a field of its
#: own does not get it (its legitimate value is what the first request sends).
EXTRAS = {
    "id": "{other_id}",
    "role": "admin",
    "is_admin": "1",
    "is_demo": "1",
    "is_imported": "1",
    "user_id": "{other_id}",
    "author_id": "{other_id}",
    "appellant_id": "{other_id}",
    "issued_by_id": "{other_id}",
    "cosigned_by_id": "{other_id}",
    "decided_by_id": "{other_id}",
    "created_by_id": "{other_id}",
    "hidden_by_id": "{other_id}",
    "organiser_id": "{other_id}",
    "debate_id": "{b_id}",
    "argument_id": "{b_arg}",
    "parent_id": "{b_arg}",
    "point_id": "{b_point}",
    "merged_into_id": "{other_arg}",
    "community_id": "{farmers}",
    "community": "{farmers}",
    "agree_count": "999",
    "disagree_count": "999",
    "pass_count": "999",
    "reply_count": "999",
    "flag_count": "999",
    "vote_count": "999",
    "argument_count": "999",
    "participant_count": "999",
    "results_version": "999",
    "agree": "999",
    "value": "999",
    "score": "999",
    "depth": "9",
    "number": "99",
    "phase": "closed",
    "status": "active",
    "kind": "removal",
    "outcome": "overturned",
    "visibility": "shown",
    "stance": "pro",
    "position": "against",
    "position_before": "against",
    "position_after": "against",
    "premoderation": "all",
    "flag_threshold": "1",
    "slow_mode_minutes": "999",
    "export_pseudonyms": "1",
    "pseudonyms": "1",
    "deleted_at": "2030-01-01T00:00:00",
    "frozen_until": "2030-01-01T00:00:00",
    "rules_accepted_at": "2030-01-01T00:00:00",
    "ended_at": "2030-01-01T00:00:00",
    "session_token": "x",
    "password_hash": "x",
    "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "email": "intruder@example.org",
    "pseudonym": "Intruder",
    "password": "an intruder's password",
    "body": "Text the form did not ask for.",
    "text": "Text the form did not ask for.",
    "reason": "A reason the form did not ask for.",
}

#: Names no form of the app may read: what they would set is never the requester's to say.
NEVER_FIELDS = {
    "is_admin",
    "is_demo",
    "is_imported",
    "session_token",
    "password_hash",
    "totp_secret",
    "user_id",
    "author_id",
    "appellant_id",
    "issued_by_id",
    "cosigned_by_id",
    "decided_by_id",
    "created_by_id",
    "hidden_by_id",
    "organiser_id",
    "merged_into_id",
    "debate_id",
    "agree_count",
    "disagree_count",
    "pass_count",
    "reply_count",
    "flag_count",
    "vote_count",
    "argument_count",
    "participant_count",
    "results_version",
    "score",
    "deleted_at",
}
#: Form keys some views read directly rather than through a form class, on purpose.
READ_DIRECTLY = {
    "csrf_token",
    "next",
    "lang",
    "phase",
    "argument",
    "reason",
    "pseudonyms",
    "token",
    "confirm",  # the box ticked to close or reopen a debate
    "role",  # which of one's own roles to step down from: mediator or organiser
    "group",  # ?group=: the group a new debate's form offers first (a choice it checks)
    "c",  # ?c=: the code a card's QR link fills in (the code form checks it)
    "to",  # ?to=: the language a translation page offers first (a choice it checks)
}
#: The boxes of the page that translates the debate's own texts, one per text
#: ("motion-0", "rule-3"...): read directly, each matched against the debate's texts.
DEBATE_TEXT_BOX = re.compile(r"(motion|background|rule|note|point)-\d+")

#: Columns whose values are random: compared as kept from the world as built, or replaced.
RANDOM_COLUMNS = {
    "password_hash",
    "session_token",
    "totp_secret",
    "token_hash",
    "totp_last_step",
    "code_hash",
    "token",
}


def normalise(state: dict, pristine: dict, now: datetime) -> dict:
    """Rows without what differs between two identical requests: times near now, and random
    values (only whether each was kept or replaced counts); anything an extra could have
    written stays as it is."""
    normalised = {}
    for table in db.metadata.sorted_tables:
        names = [column.name for column in table.columns]
        keys = [names.index(column.name) for column in table.primary_key.columns]
        before = {tuple(row[i] for i in keys): row for row in pristine[table.name]}
        normalised[table.name] = [
            tuple(
                _value(names[position], v, before.get(tuple(row[i] for i in keys)), position, now)
                for position, v in enumerate(row)
            )
            for row in state[table.name]
        ]
    return normalised


def _value(column: str, v, before, position: int, now: datetime):
    if v is None:
        return None
    if column in RANDOM_COLUMNS and v not in EXTRAS.values():
        return "<kept>" if before is not None and before[position] == v else "<new>"
    if isinstance(v, datetime) and abs(v - now) < timedelta(days=8):
        return "<now>"
    return v


# --- the cases ------------------------------------------------------------------------------

#: Whose legitimate request a row is, when the table allows it to several: the first of these.
PREFERENCE = ("owner", "other", "med", "org", "admin", "visitor", "xmed", "muted", "anon")


@dataclass
class Case:
    role: str
    url: str
    data: dict
    #: Before each of the two requests, on the pristine world: set up what the request needs
    #: and return the client to send it from and the form (None: the role's own client).
    prepare: object = None


def from_the_table(name: str) -> Case | None:
    _endpoint, method, url, data = ROUTES[name]
    statuses = dict(zip(ROLES, TABLE[name], strict=True))
    for role in PREFERENCE:
        if statuses[role] in (200, 302):
            return Case(role, url, dict(data or {}))
    return None


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrolling(world: World):
    """Two-step login set up from the page that shows the secret, in the same session."""
    client = world.client("visitor")
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    return client, {"password": PASSWORD, "code": totp.code_for(secret, totp.current_step())}


def half_logged_in(world: World):
    """The visitor, with two-step login on, after the password and before the code."""
    user = db.session.get(User, world.ids["visitor_id"])
    user.totp_secret = SECRET
    db.session.commit()
    client = world.app.test_client()
    response = post(client, "/login", {"email": "visitor@example.org", "password": PASSWORD})
    assert "/login/code" in response.headers["Location"]
    return client, {"code": totp.code_for(SECRET, totp.current_step())}


def with_two_step(world: World):
    """The visitor, with two-step login on, turning it off."""
    user = db.session.get(User, world.ids["visitor_id"])
    user.totp_secret = SECRET
    db.session.commit()
    return world.client("visitor"), {"code": totp.code_for(SECRET, totp.current_step())}


def renewing_codes(world: World):
    """The visitor, with two-step login on, asking for new recovery codes."""
    _client, data = with_two_step(world)
    return world.client("visitor"), {"codes-password": PASSWORD, "codes-code": data["code"]}


def lost_phone(world: World):
    """The visitor, with two-step login on, lost their phone; the admin turns it off."""
    with_two_step(world)
    return world.client("admin"), {}


def paused(world: World):
    """The debate paused, for the mediator to lift the pause early."""
    debate = db.session.get(Debate, world.ids["debate_id"])
    debate.frozen_until = utcnow() + timedelta(hours=1)
    db.session.commit()
    return world.client("med"), {}


def invited(world: World):
    """The visitor, invited by the organiser to mediate debate A, answering."""
    from deliberate.moderation import services as moderation
    from deliberate.moderation.models import Role
    from deliberate.rules import Standing

    debate = db.session.get(Debate, world.ids["debate_id"])
    organiser = db.session.get(User, debate.organiser_id)
    visitor = db.session.get(User, world.ids["visitor_id"])
    running = Standing(organiser, roles=frozenset({"organiser"}))
    with world.app.test_request_context():
        invitation = moderation.appoint(running, debate, visitor.pseudonym, Role.MEDIATOR)
    db.session.commit()
    world.ids["invitation"] = invitation.id
    return world.client("visitor"), {}


def suspended(world: World):
    """Group G suspended by a site admin, for the admin to lift the suspension."""
    from deliberate.groups.models import Group

    group = db.session.scalar(db.select(Group).where(Group.slug == world.ids["group"]))
    group.suspended_at, group.suspension_reason = utcnow(), "Threats."
    db.session.commit()
    return world.client("admin"), {}


def member_without_email(world: World):
    """A member of group G without an email, who lost their password: its facilitator
    (`med`) gives them a recovery code."""
    from deliberate.accounts import services as accounts
    from deliberate.groups.models import Group, GroupMember, GroupRole

    group = db.session.scalar(db.select(Group).where(Group.slug == world.ids["group"]))
    person = accounts.register_without_email("Nomail Member", PASSWORD)
    db.session.add(GroupMember(group_id=group.id, user_id=person.id, role=GroupRole.MEMBER))
    db.session.commit()
    world.ids["nomail_id"] = person.id
    return world.client("med"), {}


def with_machine_translation(world: World):
    """A machine translation server, for a participant's draft of an English argument."""
    from .libretranslate_server import FakeLibreTranslate

    if not world.app.config.get("TRANSLATE_URL"):
        world.app.config["TRANSLATE_URL"] = FakeLibreTranslate().start().url
    return world.client("other"), {"language": "fr"}


def holding_a_code(world: World):
    """Someone in the workshop with a card of group G's, signing up with it."""
    from deliberate.groups import codes
    from deliberate.groups import services as groups
    from deliberate.groups.models import Group

    group = db.session.scalar(db.select(Group).where(Group.slug == world.ids["group"]))
    organiser = db.session.get(User, world.ids["org_id"])
    with world.app.test_request_context():
        _sheet, [code] = codes.issue_sheet(groups.standing(organiser, group), group, "Card", 1, 7)
    db.session.commit()
    return world.app.test_client(), {"code": code}


#: Rows whose table data is refused on purpose, or that need more than one request.
EXPLICIT = {
    "register!": Case(
        "anon", "/register", {"pseudonym": "Newcomer Two", "email": "new2@example.org"}
    ),
    "login!": Case("anon", "/login", {"email": "owner@example.org", "password": PASSWORD}),
    # Ground rules change in drafts only: the organiser's draft.
    "ground rules!": Case("org", "/d/{draft}/ground-rules", {"lines": "Be kind.\nListen first."}),
    "edit debate!": Case(
        "org",
        "/d/{draft}/edit",
        {"motion": "Should the draft ask this instead?", "background": "Corrected facts."},
    ),
    "two factor!": Case("visitor", "/account/two-factor", {}, enrolling),
    "login code!": Case("anon", "/login/code", {}, half_logged_in),
    "no two factor!": Case(
        "visitor", "/account/two-factor/disable", {"password": PASSWORD}, with_two_step
    ),
    "reset two factor!": Case(
        "admin",
        "/admin/users/{visitor_id}/reset-two-factor",
        {"reset-{visitor_id}-reason": "Lost phone, checked in person."},
        lost_phone,
    ),
    "new recovery codes!": Case(
        "visitor", "/account/two-factor/recovery-codes", {}, renewing_codes
    ),
    # Nothing is paused in the world as built.
    "unfreeze!": Case("med", "/d/{slug}/unfreeze", {}, paused),
    # Caucuses are chosen in drafts only: the organiser's draft.
    "caucuses!": Case("org", "/d/{draft}/caucuses", {"percent": "67"}),
    # Nobody is invited in the world as built.
    "accept invitation!": Case("visitor", "/account/invitations/{invitation}/accept", {}, invited),
    "decline invitation!": Case(
        "visitor", "/account/invitations/{invitation}/decline", {}, invited
    ),
    # No machine translation server in the world as built.
    "machine draft!": Case(
        "other", "/d/{slug}/a/{arg}/translate/machine", {}, with_machine_translation
    ),
    # Nothing is suspended, nobody is without an email and no code is known in the world as
    # built.
    "unsuspend group!": Case("admin", "/g/{group}/suspension/end", {}, suspended),
    "recovery code!": Case(
        "med", "/g/{group}/members/{nomail_id}/recovery-code", {}, member_without_email
    ),
    "code!": Case(
        "anon",
        "/code",
        {"pseudonym": "Card Holder", "password": PASSWORD, "confirm": PASSWORD},
        holding_a_code,
    ),
}

POSTS = [name for name, (_e, method, *_rest) in ROUTES.items() if method == "POST"]
CASES = {name: EXPLICIT.get(name) or from_the_table(name) for name in POSTS}

#: Routes that write nothing even when they succeed (so only the answer and the session
#: are compared).
NO_WRITES = {
    "language",
    "register!",
    "login!",
    "logout!",
    "change email!",
    # Its preparation turned two-step login on; turning it off leaves the world as built.
    "no two factor!",
    "my data!",
    # A machine draft fills the form in; nothing is saved until the translator submits it.
    "machine draft!",
}


def test_every_post_route_has_a_case(built):
    posts = {endpoint for endpoint, method in served(built.app) if method == "POST"}
    assert posts == {ROUTES[name][0] for name, case in CASES.items() if case is not None}


def logged_in_as(world: World, client) -> str | None:
    """Who the client's session logs in (the user id in flask-login's session id)."""
    cookie = client.get_cookie(world.app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return None
    session = world.app.session_interface.get_signing_serializer(world.app).loads(cookie.value)
    return str(session.get("_user_id", "")).split(":")[0] or None


def attempt(world: World, case: Case, extras: dict):
    """One request of `case` on the pristine world: what it answered, who it logged in, the
    rows it left, and the form keys it read."""
    world.restore()
    client, data = world.client(case.role), dict(case.data)
    if case.prepare is not None:
        client, more = case.prepare(world)
        data.update(more)
    form = {**data, **extras}
    if case.prepare is not None:
        form["csrf_token"] = csrf_token(client, "/register")
    ASKED.clear()
    response = world.send(case.role, "POST", case.url, form, client=client)
    asked = set(ASKED)
    answer = (response.status_code, response.headers.get("Location"), logged_in_as(world, client))
    state = normalise(world.dump(), world.pristine, utcnow())
    world.restore()
    return answer, state, asked


@pytest.mark.parametrize("name", POSTS)
def test_extra_fields_change_nothing(world, name):
    case = CASES[name]
    pristine = normalise(world.pristine, world.pristine, utcnow())
    answer, state, asked = attempt(world, case, {})
    assert answer[0] in (200, 302), f"{name}: the legitimate request answered {answer[0]}"
    if name not in NO_WRITES:
        assert state != pristine, f"{name}: the legitimate request changed nothing"
    assert not {key for key, _how in asked} & NEVER_FIELDS, f"{name} asks for {asked}"
    read = {key for key, how in asked if how == "read"} - set(case.data)
    read = {key for key in read if not DEBATE_TEXT_BOX.fullmatch(key)}
    assert read <= READ_DIRECTLY, f"{name} reads {sorted(read - READ_DIRECTLY)} outside a form"
    fields = {key for key, _how in asked}
    extras = {key: value for key, value in EXTRAS.items() if key not in set(case.data) | fields}
    assert extras, name
    with_extras, state_with_extras, _asked = attempt(world, case, extras)
    assert with_extras == answer, f"{name}: extras {sorted(extras)} changed the answer"
    differ = {
        table: (rows, state_with_extras[table])
        for table, rows in state.items()
        if state_with_extras[table] != rows
    }
    assert not differ, f"{name}: extras {sorted(extras)} changed {differ}"
