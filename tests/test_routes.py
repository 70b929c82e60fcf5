"""Every route, by every kind of user: the expected status of each (route, role) cell.

One world is built per module (two open debates, A and B, and a draft C) and every cell runs
against it; a cell that changed the database is undone before the next one (SQLite: the
file is copied back; PostgreSQL: the tables are emptied and refilled). A refused request, a
redirect to log in and every GET must change nothing at all: each cell checks that too.

Roles (columns), all about debate A unless said otherwise:

- anon: not logged in;
- visitor: logged in, never joined;
- owner: a participant who owns the objects under test (the argument, the hidden arguments,
  the appeal, the warning, the notifications);
- other: another participant of A, who owns none of them;
- med: a mediator of A (independent; the decisions under appeal or awaiting a second key
  were taken by A's second mediator, who represents a community, so `med` may decide them);
- xmed: a mediator of debate B only;
- org: A's organiser;
- admin: a site administrator with no role in A;
- muted: a participant with a mute in force in A;
- removed: a participant removed from A (co-signed, in force);
- deleted: an account deleted after it logged in; its client still holds the old session
  cookie, so it must be treated exactly as anonymous.

Statuses: 200, 400, 403, 404, 409 as such; 302 a redirect anywhere but the login page
(done, or sent on); L a redirect to log in (/login?next=...). POSTs carry a valid CSRF token
and valid data, so a refusal is about who asks. test_every_route_is_in_the_table fails on a
route (or method) without a row.

Each cell also checks that what it shows is for the reader: an anonymous or deleted reader
sees a logged-out page; no page or download shows an email but the reader's own (the admins'
user list aside), nor private text (hidden or held arguments, appeals, flag notes, unsigned
sanctions) to those not allowed to read it. After the table come the object-level cases:
another person's objects, and ids of another debate swapped into URLs and form fields.
"""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from deliberate import create_app
from deliberate.accounts import services as accounts
from deliberate.agreements import services as agreements
from deliberate.agreements.models import PointKind
from deliberate.circles import services as circles
from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.groups import codes as access_codes
from deliberate.groups import services as groups
from deliberate.groups.models import GroupRole
from deliberate.invitations import services as invitations
from deliberate.mailings import services as mailings
from deliberate.models import Audience, Phase, Position, Stance, User
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role, SanctionKind
from deliberate.privacy import services as privacy
from deliberate.translating import services as translating

from .conftest import PASSWORD, FreshContextClient, base_config, csrf_token, empty_tables, post

ROLES = (
    "anon",
    "visitor",
    "owner",
    "other",
    "med",
    "xmed",
    "org",
    "admin",
    "muted",
    "removed",
    "deleted",
)
L = "login"  # a redirect to the login page
#: People who are no column of the table but act in the object-level cases: A's second
#: mediator (Youth), B's organiser, B's second mediator and B's participant.
HELPERS = ("med2", "borg", "bmed2", "bpart")

# --- the world ------------------------------------------------------------------------------

MOTION_A = "Should the town build a new well near the market?"
MOTION_B = "Should the village plant trees along the river?"
MOTION_C = "Should the district open a night school for adults?"
MOTION_P = "Should the association ask the mayor for a footbridge?"


@dataclass
class World:
    """The people, debates and objects every cell acts on, and how to put them back."""

    app: object
    ids: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    path: Path | None = None  # SQLite: the live database file
    copy: Path | None = None  # SQLite: the pristine copy
    rows: dict | None = None  # PostgreSQL: the pristine rows
    pristine: dict | None = None
    pristine_print: object = None

    # -- requests --

    def client(self, role: str):
        client = self.app.test_client()
        name = self.app.config["SESSION_COOKIE_NAME"]
        client.set_cookie(name, self.cookies[role])
        return client

    def send(self, role, method, url, data=None, client=None, **kwargs):
        """`role` sends one request (with its CSRF token) and the response, read and closed.
        URL and form values may name the world's ids: "{slug}", "{arg}"..."""
        url = url.format(**self.ids)
        client = client or self.client(role)
        if method == "GET":
            response = client.get(url, **kwargs)
        else:
            form = {
                key.format(**self.ids): str(value).format(**self.ids)
                for key, value in (data or {}).items()
            }
            form.setdefault("csrf_token", self.tokens[role])
            response = client.open(url, method=method, data=form, **kwargs)
        response.get_data()
        response.close()  # static files stream from an open file
        return response

    # -- state --

    def dump(self) -> dict:
        """Every row of every table, in primary-key order."""
        db.session.remove()
        with db.engine.connect() as conn:
            return {
                table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                for table in db.metadata.sorted_tables
            }

    def changed(self) -> dict:
        """The tables whose rows differ from the pristine world."""
        if self.fingerprint() == self.pristine_print:
            return {}
        now = self.dump()
        return {name: rows for name, rows in now.items() if rows != self.pristine[name]}

    def snapshot(self) -> None:
        db.session.remove()
        if self.path is not None:
            db.engine.dispose()  # closes every connection, so the WAL is folded into the file
            shutil.copyfile(self.path, self.copy)
        self.pristine = self.dump()
        self.pristine_print = self.fingerprint()
        self.rows = self.pristine

    def restore(self) -> None:
        db.session.remove()
        if self.path is not None:
            db.engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.copy, self.path)
            return
        tables = db.metadata.sorted_tables
        try:
            with db.engine.begin() as conn:
                # As a replica: no triggers (the moderation log refuses DELETE), no foreign-key
                # checks while the rows go back. Faster than TRUNCATE; needs a superuser.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in reversed(tables):
                    conn.execute(table.delete())
                self._refill(conn)
        except ProgrammingError:  # not a superuser
            names = ", ".join(f'"{t.name}"' for t in tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                self._refill(conn)

    def _refill(self, conn) -> None:
        for table in db.metadata.sorted_tables:
            if self.rows[table.name]:
                conn.execute(table.insert(), [row._asdict() for row in self.rows[table.name]])
        conn.execute(text(self.sequences))

    @cached_property
    def sequences(self) -> str:
        """One statement that sets every id sequence back to where the world left it."""
        calls = [
            f"(SELECT setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), coalesce(max(id), 1),"
            f' max(id) IS NOT NULL) FROM "{t.name}")'
            for t in db.metadata.sorted_tables
            if "id" in t.c and t.c.id.autoincrement in (True, "auto")
        ]
        return "SELECT " + ", ".join(calls)

    def fingerprint(self):
        """Something that changes whenever any row does: on PostgreSQL every row as JSON, in
        one query; on SQLite (where queries cost nothing) the rows themselves."""
        if self.path is not None:
            return self.dump()
        parts = [
            f"(SELECT coalesce(json_agg(r ORDER BY {', '.join(c.name for c in table.primary_key)}),"
            f" '[]')::text FROM \"{table.name}\" r)"
            for table in db.metadata.sorted_tables
        ]
        db.session.remove()
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT " + " || ".join(parts))).scalar_one()

    def reset(self, detail: bool = True) -> dict:
        """Put the world back if anything changed; return the tables that had changed (with
        `detail=False`, only whether anything had: {"*": ...})."""
        if self.fingerprint() == self.pristine_print:
            return {}
        changed = self.changed() if detail else {"*": True}
        self.restore()
        return changed


def world_app(database_url, tmp_path):
    """An app of its own for one module, on a copy of the migrated template (SQLite) or on
    the shared test database (PostgreSQL, emptied when the module ends)."""
    url, path = database_url, None
    if url.startswith("sqlite"):
        path = tmp_path / "world.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
    app = create_app(base_config(url))
    app.test_client_class = FreshContextClient
    return app, path


def build_world(app, path, tmp_path) -> World:
    world = World(app=app, path=path, copy=tmp_path / "world-pristine.sqlite3" if path else None)
    people = {}

    def person(key, pseudonym, admin=False):
        user = accounts.register_user(pseudonym, f"{key}@example.org", PASSWORD)
        user.is_admin = admin
        db.session.flush()
        people[key] = user
        return user

    def who(key, debate):
        return debates.standing(people[key], debate)

    def joined(key, debate, community=None):
        debates.join_debate(who(key, debate), debate, Position.UNDECIDED, community)

    def argue(key, debate, body, parent=None, stance=Stance.PRO):
        return debates.post_argument(who(key, debate), debate, stance, body, parent)

    # Debate A: an organiser, two mediators (one independent, one for "Youth"), participants.
    person("org", "Organiser")
    a = debates.start_debate(people["org"], MOTION_A, "")
    moderation.change_phase(who("org", a), a, Phase.OPEN)
    moderation.set_communities(who("org", a), a, ["Youth", "Elders"])
    youth, elders = moderation.communities(a)
    person("med", "Mediator")
    moderation.appoint_accepted(who("org", a), a, "Mediator", Role.MEDIATOR)
    person("med2", "Second Mediator")
    med2_role = moderation.appoint_accepted(
        who("org", a), a, "Second Mediator", Role.MEDIATOR, youth.id
    )
    for key, pseudonym in (
        ("owner", "Owner"),
        ("other", "Other"),
        ("muted", "Muted"),
        ("removed", "Removed"),
        ("deleted", "Deleted"),
    ):
        person(key, pseudonym)
        joined(key, a, elders.id if key == "owner" else None)
    person("visitor", "Visitor")
    person("admin", "Admin", admin=True)

    arg = argue("owner", a, "The argument the table acts on, by its owner.")
    hidden = argue("owner", a, "An argument a mediator hid, not yet appealed.")
    appealed = argue("owner", a, "An argument a mediator hid, already appealed.")
    other_arg = argue("other", a, "An argument by the other participant.", stance=Stance.CON)
    argue("other", a, "A reply that tells the owner something.", arg, Stance.CON)
    argue("deleted", a, "An argument by someone who later left the site.")
    muted_arg = argue("muted", a, "An argument written before its author was muted.")
    removed_arg = argue("removed", a, "An argument written before its author was removed.")
    a.premoderation = "all"
    held = argue("other", a, "A post waiting for approval by a mediator.")
    a.premoderation = "off"
    for target in (hidden, appealed):
        review.decide(who("med2", a), target, review.Decision.URGENT_HIDE, 2, "Names a person.")
    appeal = sanctions.appeal_argument(who("owner", a), appealed, "It names nobody at all.")
    review.flag(who("other", a), muted_arg, 1, "A private note for the mediators.")
    warning = sanctions.issue(
        who("med2", a), a, who("owner", a), SanctionKind.WARNING, 1, "Mind the tone."
    )
    mute = sanctions.issue(
        who("med", a), a, who("muted", a), SanctionKind.MUTE, 1, "Cool down.", duration_minutes=600
    )
    removal = sanctions.issue(
        who("med2", a), a, who("removed", a), SanctionKind.REMOVAL, 1, "Repeated insults."
    )
    sanctions.cosign(who("med", a), removal)
    pending = sanctions.issue(
        who("med2", a), a, who("other", a), SanctionKind.REMOVAL, 1, "Insults, once more."
    )
    point = agreements.add_point(
        who("med", a), a, PointKind.COMMON_GROUND, "Water is for everyone.", []
    )
    # The second mediator entered a circle of A, waiting for its second key.
    circle = circles.record(
        who("med2", a),
        a,
        date(2026, 3, 12),
        "Mopti",
        [circles.Count(youth.id, 12, (7, 3, 2), (9, 2, 1))],
    )
    # And another, confirmed by the mediator: its figures can be corrected.
    confirmed_circle = circles.record(
        who("med2", a),
        a,
        date(2026, 3, 1),
        "Ségou",
        [circles.Count(youth.id, 8, (3, 3, 2), (5, 2, 1))],
    )
    circles.confirm(who("med", a), a, confirmed_circle)
    # A takes French too; the other participant proposed a translation of the owner's
    # argument, waiting for a mediator.
    moderation.set_languages(who("org", a), a, ["fr"])
    proposal = translating.translate(
        who("other", a), a, arg, "fr", "L'argument sur lequel agit la table."
    )

    # Debate B: another organiser and mediator, and an object of every kind.
    person("borg", "B Organiser")
    b = debates.start_debate(people["borg"], MOTION_B, "")
    moderation.change_phase(who("borg", b), b, Phase.OPEN)
    moderation.set_communities(who("borg", b), b, ["Farmers", "Herders"])
    farmers, _herders = moderation.communities(b)
    person("xmed", "Other Mediator")
    xmed_role = moderation.appoint_accepted(who("borg", b), b, "Other Mediator", Role.MEDIATOR)
    person("bmed2", "B Second Mediator")
    moderation.appoint_accepted(who("borg", b), b, "B Second Mediator", Role.MEDIATOR, farmers.id)
    person("bpart", "B Participant")
    joined("bpart", b, farmers.id)
    b_arg = argue("bpart", b, "An argument of debate B.")
    b_hidden = argue("bpart", b, "An argument of debate B that a mediator hid.")
    review.decide(who("bmed2", b), b_hidden, review.Decision.URGENT_HIDE, 2, "Names a person.")
    b_appeal = sanctions.appeal_argument(who("bpart", b), b_hidden, "It names nobody in B.")
    b_warning = sanctions.issue(
        who("bmed2", b), b, who("bpart", b), SanctionKind.WARNING, 1, "Mind the tone in B."
    )
    b_pending = sanctions.issue(
        who("bmed2", b), b, who("bpart", b), SanctionKind.REMOVAL, 1, "Insults in B."
    )
    b_point = agreements.add_point(
        who("xmed", b), b, PointKind.NEXT_STEP, "Meet again by the river.", []
    )

    # Debate C: a draft, seen only by those preparing it.
    c = debates.start_debate(people["org"], MOTION_C, "")
    invitation = invitations.create(who("org", a), a, "Youth workshop", 30, 7)

    # Group G: `org` is its admin, `med` a facilitator, `owner` a member; its debate P is
    # private (org organises it), and B's organiser is in its pool of mediators.
    g = groups.create(people["org"], "Riverside association", "Neighbours by the river.")
    as_admin = groups.standing(people["org"], g)
    groups.add_member(as_admin, g, "Mediator", GroupRole.FACILITATOR)
    groups.add_member(as_admin, g, "Owner", GroupRole.MEMBER)
    groups.add_mediator(as_admin, g, "B Organiser")
    p = debates.start_debate(people["org"], MOTION_P, "", group=g, audience=Audience.PRIVATE)
    moderation.change_phase(who("org", p), p, Phase.OPEN)
    code_sheet, _codes = access_codes.issue_sheet(as_admin, g, "Riverside workshop", 2, 7)
    db.session.commit()

    world.ids = {
        "slug": a.slug,
        "debate_id": a.id,
        "arg": arg.id,
        "other_arg": other_arg.id,
        "hidden": hidden.id,
        "appealed": appealed.id,
        "held": held.id,
        "muted_arg": muted_arg.id,
        "removed_arg": removed_arg.id,
        "org_role": next(r.id for r in moderation.active_roles(a) if r.role is Role.ORGANISER),
        "appeal": appeal.id,
        "warning": warning.id,
        "pending": pending.id,
        "mute": mute.id,
        "removal": removal.id,
        "point": point.id,
        "proposal": proposal.id,
        "circle": circle.id,
        "confirmed_circle": confirmed_circle.id,
        "med2_role": med2_role.id,
        "youth": youth.id,
        "elders": elders.id,
        "b_slug": b.slug,
        "b_id": b.id,
        "b_arg": b_arg.id,
        "b_hidden": b_hidden.id,
        "b_appeal": b_appeal.id,
        "b_warning": b_warning.id,
        "b_pending": b_pending.id,
        "b_point": b_point.id,
        "b_role": xmed_role.id,
        "farmers": farmers.id,
        "draft": c.slug,
        "draft_id": c.id,
        "invitation_link": invitation.id,
        "group": g.slug,
        "private": p.slug,
        "code_sheet": code_sheet.id,
        "invitation_token": invitation.token,
        **{f"{key}_id": user.id for key, user in people.items()},
    }

    # Every role logs in once; its cells reuse the session cookie and CSRF token.
    cookie = app.config["SESSION_COOKIE_NAME"]
    for role in (*ROLES, *HELPERS):
        client = app.test_client()
        if role != "anon":
            response = post(
                client, "/login", {"email": f"{role}@example.org", "password": PASSWORD}
            )
            assert response.status_code == 302, role
        world.tokens[role] = csrf_token(client)
        world.cookies[role] = client.get_cookie(cookie).value

    # Links that arrive by mail: to finish a registration, to reset the owner's password, to
    # confirm the owner's new email.
    world.send("anon", "POST", "/register", {"pseudonym": "Newcomer", "email": "new@example.org"})
    world.ids["registration_link"] = mailed_link(app, "new@example.org")
    world.send("anon", "POST", "/reset", {"email": "owner@example.org"})
    world.ids["reset_link"] = mailed_link(app, "owner@example.org")
    world.send(
        "owner", "POST", "/account/email", {"email": "owner2@example.org", "password": PASSWORD}
    )
    world.ids["email_link"] = mailed_link(app, "owner2@example.org")
    # The one-click link of a mail to the owner about replies.
    world.ids["unsubscribe_token"] = mailings.unsubscribe_token(world.ids["owner_id"], "replies")

    # The deleted account goes after it logged in: its client keeps the old cookie.
    privacy.delete_account(db.session.get(User, world.ids["deleted_id"]))
    db.session.commit()

    # The report's figures are computed once, so that reading them writes nothing.
    for url in ("/d/{slug}/report", "/d/{draft}/report", "/d/{private}/report"):
        world.send("org", "GET", url)
    world.snapshot()
    return world


def mailed_link(app, to: str) -> str:
    """The path of the link in the last mail to `to`."""
    message = next(m for m in reversed(app.extensions["deliberate.mail"].outbox) if m["To"] == to)
    return re.findall(r"http://localhost(/\S+)", message.get_content())[-1]


@contextmanager
def module_world(database_url, tmp_path_factory, prepare_app=None):
    """The world of one test module, with its own app (`prepare_app` may adjust it)."""
    tmp_path = tmp_path_factory.mktemp("world")
    app, path = world_app(database_url, tmp_path)
    if prepare_app is not None:
        prepare_app(app)
    with app.app_context():
        try:
            yield build_world(app, path, tmp_path)
        finally:
            db.session.remove()
            if path is None:  # PostgreSQL: leave the shared database empty, as tests expect
                empty_tables()
            db.engine.dispose()


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    with module_world(database_url, tmp_path_factory) as world:
        yield world


@pytest.fixture
def world(built):
    """The world as built; whatever a test changes is undone afterwards."""
    yield built
    built.reset(detail=False)


# --- the table ------------------------------------------------------------------------------

D = "/d/{slug}"
A = "/d/{slug}/a/{arg}"
TEXT = {"stance": "con", "body": "A fresh argument for the route table."}

#: name: (endpoint, method, URL, form data). Every (endpoint, method) the app serves is here.
ROUTES = {
    "home": ("main.home", "GET", "/", None),
    "healthz": ("main.healthz", "GET", "/healthz", None),
    "readyz": ("main.readyz", "GET", "/readyz", None),
    "language": ("main.set_language", "GET", "/language/fr", None),
    "static": ("static", "GET", "/static/style.css", None),
    "register": ("accounts.register", "GET", "/register", None),
    "register!": ("accounts.register", "POST", "/register", {"pseudonym": "x"}),
    "login": ("accounts.login", "GET", "/login", None),
    "login!": ("accounts.login", "POST", "/login", {"email": "nobody@example.org"}),
    "logout!": ("accounts.logout", "POST", "/logout", {}),
    "account": ("accounts.account", "GET", "/account", None),
    "check mail": ("accounts.check_mail", "GET", "/check-mail?about=register", None),
    "registration link": ("accounts.confirm_registration", "GET", "{registration_link}", None),
    "registration link!": (
        "accounts.confirm_registration",
        "POST",
        "{registration_link}",
        {"pseudonym": "Newcomer", "password": "a long new password"},
    ),
    "forged registration link": (
        "accounts.confirm_registration",
        "GET",
        "/register/confirm?token=forged",
        None,
    ),
    "login code": ("accounts.login_code", "GET", "/login/code", None),
    "login code!": ("accounts.login_code", "POST", "/login/code", {"code": "123456"}),
    "reset": ("accounts.reset_request", "GET", "/reset", None),
    "reset!": ("accounts.reset_request", "POST", "/reset", {"email": "owner@example.org"}),
    "reset link": ("accounts.reset_password", "GET", "{reset_link}", None),
    "reset link!": (
        "accounts.reset_password",
        "POST",
        "{reset_link}",
        {"password": "a brand new password"},
    ),
    "forged reset link": ("accounts.reset_password", "GET", "/reset/forged", None),
    "settings": ("accounts.settings", "GET", "/account/settings", None),
    "change email!": (
        "accounts.change_email",
        "POST",
        "/account/email",
        {"email": "brand.new@example.org", "password": PASSWORD},
    ),
    "email link": ("accounts.confirm_email", "GET", "{email_link}", None),
    "email link!": ("accounts.confirm_email", "POST", "{email_link}", {}),
    "change password!": (
        "accounts.change_password",
        "POST",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "another long password"},
    ),
    "logout everywhere!": ("accounts.logout_everywhere", "POST", "/account/logout-everywhere", {}),
    "two factor": ("accounts.two_factor", "GET", "/account/two-factor", None),
    "two factor!": (
        "accounts.two_factor",
        "POST",
        "/account/two-factor",
        {"password": PASSWORD, "code": "000000"},
    ),
    "no two factor!": (
        "accounts.disable_two_factor",
        "POST",
        "/account/two-factor/disable",
        {"password": PASSWORD, "code": "000000"},
    ),
    "new recovery codes!": (
        "accounts.new_recovery_codes",
        "POST",
        "/account/two-factor/recovery-codes",
        {"codes-password": PASSWORD, "codes-code": "000000"},
    ),
    "my data": ("privacy.my_data", "GET", "/account/data", None),
    "my data!": ("privacy.my_data", "POST", "/account/data", {}),
    "delete account": ("privacy.delete_account", "GET", "/account/delete", None),
    "delete account!": (
        "privacy.delete_account",
        "POST",
        "/account/delete",
        {"password": PASSWORD, "confirm": "y"},
    ),
    "admin users": ("privacy.admin_users", "GET", "/admin/users", None),
    "admin log": ("privacy.site_log", "GET", "/admin/log", None),
    "reset two factor!": (
        "privacy.reset_two_factor",
        "POST",
        "/admin/users/{visitor_id}/reset-two-factor",
        {"reset-{visitor_id}-reason": "Lost phone, checked in person."},
    ),
    "api debates": ("api.debates", "GET", "/api/v1/debates", None),
    "api debate": ("api.debate", "GET", "/api/v1/debates/{slug}", None),
    "api draft": ("api.debate", "GET", "/api/v1/debates/{draft}", None),
    "api log": ("api.moderation_log", "GET", "/api/v1/debates/{slug}/moderation-log", None),
    "api results": ("api.results", "GET", "/api/v1/debates/{slug}/results", None),
    "api comments.csv": (
        "api.export",
        "GET",
        "/api/v1/debates/{slug}/export/comments.csv?format=current",
        None,
    ),
    "report": ("results.report", "GET", D + "/report", None),
    "draft report": ("results.report", "GET", "/d/{draft}/report", None),
    "arguments.json": ("results.export", "GET", D + "/export/arguments.json", None),
    "comments.csv": ("results.export", "GET", D + "/export/comments.csv", None),
    "votes.csv": ("results.export", "GET", D + "/export/votes.csv", None),
    "p-votes.csv": ("results.export", "GET", D + "/export/participants-votes.csv", None),
    "log.csv": ("results.export", "GET", D + "/export/moderation-log.csv", None),
    "name authors!": (
        "results.export_pseudonyms",
        "POST",
        D + "/export/pseudonyms",
        {"pseudonyms": "1"},
    ),
    "new debate": ("debates.new_debate", "GET", "/debates/new", None),
    "new debate!": (
        "debates.new_debate",
        "POST",
        "/debates/new",
        {"format": "motion", "motion": "A new question to ask, is it?"},
    ),
    "debate": ("debates.debate", "GET", D, None),
    "draft": ("debates.debate", "GET", "/d/{draft}", None),
    "argument": ("debates.argument", "GET", A, None),
    "hidden argument": ("debates.argument", "GET", D + "/a/{hidden}", None),
    "held argument": ("debates.argument", "GET", D + "/a/{held}", None),
    "history": ("debates.history", "GET", A + "/history", None),
    "hidden history": ("debates.history", "GET", D + "/a/{hidden}/history", None),
    "join!": ("debates.join", "POST", D + "/join", {"position": "for", "accept_rules": "y"}),
    "position!": ("debates.final_position", "POST", D + "/position", {"position": "for"}),
    "new argument": ("debates.new_argument", "GET", D + "/arguments/new", None),
    "new argument!": ("debates.new_argument", "POST", D + "/arguments/new", TEXT),
    "reply": ("debates.reply", "GET", A + "/reply", None),
    "reply!": ("debates.reply", "POST", A + "/reply", TEXT),
    "vote!": ("debates.vote", "POST", D + "/vote", {"value": "{arg}:1"}),
    "edit": ("debates.edit_argument", "GET", A + "/edit", None),
    "edit!": (
        "debates.edit_argument",
        "POST",
        A + "/edit",
        {"body": "An edited text, long enough."},
    ),
    "delete": ("debates.delete_argument", "GET", A + "/delete", None),
    "delete!": ("debates.delete_argument", "POST", A + "/delete", {}),
    "manage": ("moderation.manage", "GET", D + "/manage", None),
    "edit debate": ("debates.edit_debate", "GET", D + "/edit", None),
    "edit debate!": (
        "debates.edit_debate",
        "POST",
        D + "/edit",
        {"background": "A corrected background for everyone."},
    ),
    "debate history": ("debates.debate_history", "GET", D + "/revisions", None),
    "phase!": ("moderation.change_phase", "POST", D + "/phase", {"phase": "final_vote"}),
    "schedule!": (
        "moderation.schedule",
        "POST",
        D + "/schedule",
        {"phase": "closed", "due_at": "2031-01-01T10:00"},
    ),
    "unschedule!": ("moderation.unschedule", "POST", D + "/unschedule", {"phase": "closed"}),
    "ground rules": ("moderation.ground_rules", "GET", D + "/ground-rules", None),
    "ground rules!": (
        "moderation.ground_rules",
        "POST",
        D + "/ground-rules",
        {"lines": "Be kind to each other."},
    ),
    "communities!": (
        "moderation.communities",
        "POST",
        D + "/communities",
        {"lines": "Youth\nElders\nWomen"},
    ),
    "appoint!": (
        "moderation.appoint",
        "POST",
        D + "/appoint",
        {"pseudonym": "Visitor", "role": "mediator", "community": ""},
    ),
    "remove role!": ("moderation.remove_role", "POST", D + "/roles/{med2_role}/remove", {}),
    "step down!": ("moderation.step_down", "POST", D + "/step-down", {}),
    "caucuses!": ("moderation.caucuses", "POST", D + "/caucuses", {"percent": "50"}),
    # Nobody here was invited: an invitation that is not one's own is not found.
    "accept invitation!": (
        "moderation.accept_invitation",
        "POST",
        "/account/invitations/999999/accept",
        {},
    ),
    "decline invitation!": (
        "moderation.decline_invitation",
        "POST",
        "/account/invitations/999999/decline",
        {},
    ),
    "note": ("moderation.note", "GET", D + "/notes", None),
    "note!": (
        "moderation.note",
        "POST",
        D + "/notes",
        {"kind": "summary", "body": "Where the debate stands now."},
    ),
    "community!": (
        "moderation.declare_community",
        "POST",
        D + "/community",
        {"community": "{youth}"},
    ),
    "log": ("moderation.moderation_log", "GET", D + "/moderation", None),
    "argument by id": ("debates.argument_by_id", "GET", "/a/{arg}", None),
    "debate by id": ("debates.debate_by_id", "GET", "/debates/{debate_id}", None),
    "flag": ("review.flag", "GET", A + "/flag", None),
    "flag!": ("review.flag", "POST", A + "/flag", {"rule": "1", "note": ""}),
    "queue": ("review.queue", "GET", D + "/queue", None),
    "decide!": (
        "review.decide",
        "POST",
        A + "/decide",
        {"decision": "urgent_hide", "rule": "2", "reason": "It names someone."},
    ),
    "appeal hide": ("review.appeal_argument", "GET", D + "/a/{hidden}/appeal", None),
    "appeal hide!": (
        "review.appeal_argument",
        "POST",
        D + "/a/{hidden}/appeal",
        {"text": "It broke no rule at all."},
    ),
    "appeal warning": ("review.appeal_sanction", "GET", D + "/sanctions/{warning}/appeal", None),
    "appeal warning!": (
        "review.appeal_sanction",
        "POST",
        D + "/sanctions/{warning}/appeal",
        {"text": "I did not break that rule."},
    ),
    "decide appeal!": (
        "review.decide_appeal",
        "POST",
        D + "/appeals/{appeal}/decide",
        {"outcome": "upheld", "reason": "It stands."},
    ),
    "sanction": ("review.sanction", "GET", D + "/people/{owner_id}/sanction", None),
    "sanction!": (
        "review.sanction",
        "POST",
        D + "/people/{owner_id}/sanction",
        {"kind": "warning", "rule": "1", "reason": "Mind the tone."},
    ),
    "cosign!": ("review.cosign", "POST", D + "/sanctions/{pending}/cosign", {}),
    "decline!": (
        "review.decline",
        "POST",
        D + "/sanctions/{pending}/decline",
        {"reason": "A quotation, not an insult."},
    ),
    "lift!": (
        "review.lift",
        "POST",
        D + "/sanctions/{mute}/lift",
        {"lift{mute}-reason": "An apology was made."},
    ),
    "shorten!": (
        "review.shorten",
        "POST",
        D + "/sanctions/{mute}/shorten",
        {"shorten{mute}-hours": "1", "shorten{mute}-reason": "Calmer now."},
    ),
    "person": ("review.person", "GET", D + "/people/{owner_id}", None),
    "participants": ("review.participants", "GET", D + "/people", None),
    "unfreeze!": ("review.unfreeze", "POST", D + "/unfreeze", {}),
    "freeze!": (
        "review.freeze",
        "POST",
        D + "/freeze",
        {"minutes": "5", "note": "A short pause, please."},
    ),
    "slow mode!": ("review.slow_mode", "POST", D + "/slow-mode", {"minutes": "2"}),
    "settings!": (
        "review.settings",
        "POST",
        D + "/settings",
        {"premoderation": "first", "flag_threshold": "2"},
    ),
    "audience!": ("review.audience", "POST", D + "/audience", {"audience": "unlisted"}),
    "languages!": ("moderation.set_languages", "POST", D + "/languages", {"languages": "bm, ff"}),
    "translate": ("translating.translate", "GET", A + "/translate", None),
    "translate!": (
        "translating.translate",
        "POST",
        A + "/translate",
        {"language": "fr", "body": "Une traduction de l'argument."},
    ),
    "machine draft!": ("translating.machine_draft", "POST", A + "/translate/machine", {}),
    "translation queue": ("translating.queue", "GET", D + "/translations?to=fr", None),
    "approve translation!": (
        "translating.approve",
        "POST",
        D + "/translations/{proposal}/approve",
        {},
    ),
    "correct translation": (
        "translating.correct",
        "GET",
        D + "/translations/{proposal}/correct",
        None,
    ),
    "correct translation!": (
        "translating.correct",
        "POST",
        D + "/translations/{proposal}/correct",
        {"body": "Une traduction corrigée."},
    ),
    "reject translation!": (
        "translating.reject",
        "POST",
        D + "/translations/{proposal}/reject",
        {"reason": "Le sens est inversé."},
    ),
    "machine drafts!": (
        "translating.machine_drafts",
        "POST",
        D + "/machine-drafts",
        {"shown": "y"},
    ),
    "debate texts": ("translating.texts", "GET", D + "/texts?to=fr", None),
    "debate texts!": (
        "translating.texts",
        "POST",
        D + "/texts?to=fr",
        {"motion-0": "Faut-il creuser un nouveau puits près du marché ?"},
    ),
    "circles": ("circles.circles", "GET", D + "/circles", None),
    "confirm circle!": ("circles.confirm", "POST", D + "/circles/{circle}/confirm", {}),
    "new circle": ("circles.new_circle", "GET", D + "/circles/new", None),
    "circle kit": ("circles.kit", "GET", D + "/circles/kit", None),
    "correct circle": ("circles.correct", "GET", D + "/circles/{confirmed_circle}/correct", None),
    "correct circle!": (
        "circles.correct",
        "POST",
        D + "/circles/{confirmed_circle}/correct",
        {
            "held_on": "2026-03-01",
            "place": "Ségou",
            "counts-0-community": "{youth}",
            "counts-0-attendance": "9",
            "counts-0-opening_for": "3",
        },
    ),
    "new circle!": (
        "circles.new_circle",
        "POST",
        D + "/circles/new",
        {
            "held_on": "2026-03-12",
            "place": "Mopti",
            "counts-0-community": "{youth}",
            "counts-0-attendance": "12",
            "counts-0-opening_for": "7",
            "counts-0-closing_for": "9",
        },
    ),
    "invitations!": (
        "invitations.create",
        "POST",
        D + "/invitations",
        {"label": "Elders' meeting", "capacity": "12", "days": "7"},
    ),
    "invitation revoke!": (
        "invitations.revoke",
        "POST",
        D + "/invitations/{invitation_link}/revoke",
        {},
    ),
    "invitation sheet": (
        "invitations.sheet",
        "GET",
        D + "/invitations/{invitation_link}/sheet",
        None,
    ),
    "invitation": ("invitations.landing", "GET", "/i/{invitation_token}", None),
    "private debate": ("debates.debate", "GET", "/d/{private}", None),
    "private report": ("results.report", "GET", "/d/{private}/report", None),
    "private report download": (
        "results.export",
        "GET",
        "/d/{private}/export/comments.csv?format=current",
        None,
    ),
    "private api download": (
        "api.export",
        "GET",
        "/api/v1/debates/{private}/export/comments.csv",
        None,
    ),
    "new group": ("groups.new", "GET", "/groups/new", None),
    "new group!": (
        "groups.new",
        "POST",
        "/groups/new",
        {"name": "Youth council", "description": ""},
    ),
    "group": ("groups.group", "GET", "/g/{group}", None),
    "group members": ("groups.members", "GET", "/g/{group}/members", None),
    "add member!": (
        "groups.add_member",
        "POST",
        "/g/{group}/members",
        {"member-pseudonym": "Visitor", "member-role": "member"},
    ),
    "member role!": (
        "groups.change_role",
        "POST",
        "/g/{group}/members/{owner_id}/role",
        {"role": "facilitator"},
    ),
    "remove member!": ("groups.remove_member", "POST", "/g/{group}/members/{owner_id}/remove", {}),
    "add pool mediator!": (
        "groups.add_mediator",
        "POST",
        "/g/{group}/mediators",
        {"mediator-pseudonym": "Visitor"},
    ),
    "remove pool mediator!": (
        "groups.remove_mediator",
        "POST",
        "/g/{group}/mediators/{borg_id}/remove",
        {},
    ),
    "group log": ("groups.log", "GET", "/g/{group}/log", None),
    "suspend group": ("groups.suspend", "GET", "/g/{group}/suspension", None),
    "suspend group!": ("groups.suspend", "POST", "/g/{group}/suspension", {"reason": "Threats."}),
    "unsuspend group!": ("groups.unsuspend", "POST", "/g/{group}/suspension/end", {}),
    "access codes": ("codes.sheets", "GET", "/g/{group}/codes", None),
    "access codes!": (
        "codes.issue",
        "POST",
        "/g/{group}/codes",
        {"label": "Elders' workshop", "size": "2", "days": "7", "debate": ""},
    ),
    "revoke codes!": ("codes.revoke", "POST", "/g/{group}/codes/{code_sheet}/revoke", {}),
    "recovery code!": (
        "codes.recovery_code",
        "POST",
        "/g/{group}/members/{owner_id}/recovery-code",
        {},
    ),
    "code": ("codes.redeem", "GET", "/code", None),
    "code!": (
        "codes.redeem",
        "POST",
        "/code",
        {
            "code": "ZZZZ-ZZZZ-ZZZZ",
            "pseudonym": "Newcomer",
            "password": "a long new password",
            "confirm": "a long new password",
        },
    ),
    "invitation!": ("invitations.accept", "POST", "/i/{invitation_token}", {}),
    "inbox": ("review.inbox", "GET", "/inbox", None),
    "inbox!": ("review.inbox", "POST", "/inbox", {}),
    "agreement": ("agreements.agreement", "GET", D + "/agreement", None),
    "add point!": (
        "agreements.add_point",
        "POST",
        D + "/agreement/points",
        {"kind": "next_step", "text": "Meet again in a month.", "arguments": ""},
    ),
    "edit point": ("agreements.edit_point", "GET", D + "/agreement/points/{point}/edit", None),
    "edit point!": (
        "agreements.edit_point",
        "POST",
        D + "/agreement/points/{point}/edit",
        {"kind": "next_step", "text": "Meet again in two months.", "arguments": ""},
    ),
    "remove point!": (
        "agreements.remove_point",
        "POST",
        D + "/agreement/points/{point}/remove",
        {},
    ),
    "endorse!": (
        "agreements.endorse",
        "POST",
        D + "/agreement/points/{point}/endorse",
        {"value": "1"},
    ),
    "mail choices": ("mailings.preferences", "GET", "/account/notifications", None),
    "mail choices!": (
        "mailings.preferences",
        "POST",
        "/account/notifications",
        {
            "language": "fr",
            **{category: "off" for category in ("replies", "decisions", "appointments")},
            **{category: "daily" for category in ("cosign", "review", "phases", "agreements")},
        },
    ),
    "unsubscribe": ("mailings.unsubscribe", "GET", "/mail/unsubscribe/{unsubscribe_token}", None),
    "unsubscribe!": (
        "mailings.unsubscribe",
        "POST",
        "/mail/unsubscribe/{unsubscribe_token}",
        {"List-Unsubscribe": "One-Click"},
    ),
    "forged unsubscribe": ("mailings.unsubscribe", "GET", "/mail/unsubscribe/forged", None),
}

# fmt: off
EVERYONE_200 =  (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)
#: The vote-by-vote downloads of debate A, which is open: published once it closes.
EVERYONE_409 =  (409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409)
LOGGED_IN_200 = (L,   200, 200, 200, 200, 200, 200, 200, 200, 200, L)
#: The expected status by role. "!" marks a POST.
TABLE = {
    #                              anon vis  own  oth  med  xmed org  adm  mute rem  del
    "home":                       EVERYONE_200,
    "healthz":                    EVERYONE_200,
    "readyz":                     EVERYONE_200,
    "language":                   (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "static":                     EVERYONE_200,
    "register":                   EVERYONE_200,
    "register!":                  (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    "login":                      EVERYONE_200,
    "login!":                     (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    "logout!":                    (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "account":                    LOGGED_IN_200,
    "check mail":                 EVERYONE_200,
    # A mailed link is the key, whoever holds it; a forged one opens nothing.
    "registration link":          EVERYONE_200,
    "registration link!":         (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "forged registration link":   (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # Nobody is half-way through logging in: back to the login page.
    "login code":                 (L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L),
    "login code!":                (L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L),
    "reset":                      EVERYONE_200,
    "reset!":                     (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "reset link":                 EVERYONE_200,
    "reset link!":                (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "forged reset link":          (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "settings":                   LOGGED_IN_200,
    "change email!":              (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "email link":                 EVERYONE_200,
    "email link!":                (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "change password!":           (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "logout everywhere!":         (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "two factor":                 LOGGED_IN_200,
    # The code cannot match a secret nobody was shown.
    "two factor!":                (L,   400, 400, 400, 400, 400, 400, 400, 400, 400, L),
    # Nobody has a second factor to turn off: sent to the page that sets one up.
    "no two factor!":             (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "new recovery codes!":        (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "my data":                    LOGGED_IN_200,
    "my data!":                   LOGGED_IN_200,
    "delete account":             LOGGED_IN_200,
    "delete account!":            (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "admin users":                (L,   403, 403, 403, 403, 403, 403, 200, 403, 403, L),
    "admin log":                  (L,   403, 403, 403, 403, 403, 403, 200, 403, 403, L),
    # The visitor has no two-step login: the admin is told so, and sent back to the list.
    "reset two factor!":          (L,   403, 403, 403, 403, 403, 403, 302, 403, 403, L),
    "api debates":                EVERYONE_200,
    "api debate":                 EVERYONE_200,
    # The API is public and anonymous: a draft is not there, even for its organiser.
    "api draft":                  (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "api log":                    EVERYONE_200,
    "api results":                EVERYONE_200,
    "api comments.csv":           EVERYONE_200,
    "report":                     EVERYONE_200,
    "draft report":               (404, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404),
    "arguments.json":             EVERYONE_200,
    "comments.csv":               EVERYONE_200,
    "votes.csv":                  EVERYONE_409,
    "p-votes.csv":                EVERYONE_409,
    "log.csv":                    EVERYONE_200,
    "name authors!":              (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "new debate":                 LOGGED_IN_200,
    "new debate!":                (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "debate":                     EVERYONE_200,
    "draft":                      (404, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404),
    "argument":                   EVERYONE_200,
    # A hidden argument's page stays (its text does not, but for its author and mediators).
    "hidden argument":            EVERYONE_200,
    # A post awaiting approval is seen by its author (other) and the mediators only.
    "held argument":              (404, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404),
    "history":                    EVERYONE_200,
    "hidden history":             (404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404),
    "join!":                      (L,   302, 403, 403, 403, 302, 302, 302, 403, 403, L),
    # A mute stops posting, not saying where one stands on the motion.
    "position!":                  (L,   403, 302, 302, 403, 403, 403, 403, 302, 403, L),
    "new argument":               (L,   403, 200, 200, 403, 403, 403, 403, 403, 403, L),
    "new argument!":              (L,   403, 302, 302, 403, 403, 403, 403, 403, 403, L),
    "reply":                      (L,   403, 200, 200, 403, 403, 403, 403, 403, 403, L),
    "reply!":                     (L,   403, 302, 302, 403, 403, 403, 403, 403, 403, L),
    # Nobody votes on their own argument (the owner wrote it).
    "vote!":                      (L,   403, 403, 302, 403, 403, 403, 403, 403, 403, L),
    "edit":                       (L,   403, 200, 403, 403, 403, 403, 403, 403, 403, L),
    "edit!":                      (L,   403, 302, 403, 403, 403, 403, 403, 403, 403, L),
    "delete":                     (L,   403, 200, 403, 403, 403, 403, 403, 403, 403, L),
    "delete!":                    (L,   403, 302, 403, 403, 403, 403, 403, 403, 403, L),
    "manage":                     (L,   403, 403, 403, 403, 403, 200, 200, 403, 403, L),
    "edit debate":                (L,   403, 403, 403, 403, 403, 200, 200, 403, 403, L),
    "edit debate!":               (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "debate history":             EVERYONE_200,
    "phase!":                     (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "schedule!":                  (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "unschedule!":                (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "ground rules":               EVERYONE_200,
    # Ground rules change only in drafts: even the organiser is refused on an open debate.
    "ground rules!":              (403, 403, 403, 403, 403, 403, 409, 409, 403, 403, 403),
    "communities!":               (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "appoint!":                   (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "remove role!":               (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "step down!":                 (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    # Caucuses are chosen before opening; debate A is open.
    "caucuses!":                  (L,   403, 403, 403, 403, 403, 409, 409, 403, 403, L),
    "accept invitation!":         (L,   404, 404, 404, 404, 404, 404, 404, 404, 404, L),
    "decline invitation!":        (L,   404, 404, 404, 404, 404, 404, 404, 404, 404, L),
    "note":                       (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "note!":                      (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    # A muted participant may still declare their community (it is not posting).
    "community!":                 (L,   403, 302, 302, 403, 403, 403, 403, 302, 403, L),
    "log":                        EVERYONE_200,
    "argument by id":             (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "debate by id":               (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "flag":                       (L,   403, 403, 200, 403, 403, 403, 403, 403, 403, L),
    "flag!":                      (L,   403, 403, 302, 403, 403, 403, 403, 403, 403, L),
    # Organisers (and admins) read the queue, without its forms.
    "queue":                      (L,   403, 403, 403, 200, 403, 200, 200, 403, 403, L),
    "decide!":                    (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "appeal hide":                (L,   403, 200, 403, 403, 403, 403, 403, 403, 403, L),
    "appeal hide!":               (L,   403, 302, 403, 403, 403, 403, 403, 403, 403, L),
    "appeal warning":             (L,   403, 200, 403, 403, 403, 403, 403, 403, 403, L),
    "appeal warning!":            (L,   403, 302, 403, 403, 403, 403, 403, 403, 403, L),
    # The second mediator hid it; `med` took no part, so `med` decides.
    "decide appeal!":             (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "sanction":                   (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "sanction!":                  (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    # Issued by the Youth mediator: the independent `med` is the second key.
    "cosign!":                    (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "decline!":                   (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "lift!":                      (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "shorten!":                   (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "person":                     (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    # Organisers and mediators; communities appear there only as totals.
    "participants":               (L,   403, 403, 403, 200, 403, 200, 200, 403, 403, L),
    # Nothing is paused: the mediator hears so; the others are refused first.
    "unfreeze!":                  (L,   403, 403, 403, 409, 403, 403, 403, 403, 403, L),
    "freeze!":                    (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "slow mode!":                 (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "settings!":                  (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "audience!":                  (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "languages!":                 (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    # Translating takes no side: participants, mediators and organisers (and admins) may;
    # with no machine translation server set up, a machine draft is not found.
    "translate":                  (L,   403, 200, 200, 200, 403, 200, 200, 403, 403, L),
    "translate!":                 (L,   403, 302, 302, 302, 403, 302, 302, 403, 403, L),
    "machine draft!":             (L,   403, 404, 404, 404, 403, 404, 404, 403, 403, L),
    "translation queue":          (L,   403, 403, 403, 200, 403, 200, 200, 403, 403, L),
    "approve translation!":       (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "correct translation":        (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "correct translation!":       (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "reject translation!":        (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "machine drafts!":            (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "debate texts":               (L,   403, 403, 403, 200, 403, 200, 200, 403, 403, L),
    "debate texts!":              (L,   403, 403, 403, 302, 403, 302, 302, 403, 403, L),
    # Circles: the list is as public as the debate; the debate's mediators (and its group's
    # facilitators) record them.
    "circles":                    EVERYONE_200,
    "new circle":                 (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "circle kit":                 (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "correct circle":             (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "correct circle!":            (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "new circle!":                (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "confirm circle!":            (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "invitations!":               (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    # Group G (org: admin, med: facilitator, owner: member) and its private debate P.
    "private debate":             (404, 404, 200, 404, 200, 404, 200, 200, 404, 404, 404),
    "private report":             (404, 404, 200, 404, 200, 404, 200, 200, 404, 404, 404),
    "private report download":    (404, 404, 200, 404, 200, 404, 200, 200, 404, 404, 404),
    # The API is public: a private debate is not there, for anyone.
    "private api download":       (404,) * 11,
    "new group":                  LOGGED_IN_200,
    "new group!":                 (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "group":                      EVERYONE_200,
    "group members":              (L,   404, 200, 404, 200, 404, 200, 200, 404, 404, L),
    "add member!":                (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "member role!":               (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    # Anyone may leave; only admins remove others (here: the owner).
    "remove member!":             (L,   403, 302, 403, 403, 403, 302, 302, 403, 403, L),
    "add pool mediator!":         (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "remove pool mediator!":      (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "group log":                  (L,   404, 200, 404, 200, 404, 200, 200, 404, 404, L),
    "suspend group":              (L,   403, 403, 403, 403, 403, 403, 200, 403, 403, L),
    "suspend group!":             (L,   403, 403, 403, 403, 403, 403, 302, 403, 403, L),
    "unsuspend group!":           (L,   403, 403, 403, 403, 403, 403, 302, 403, 403, L),
    # Access codes: the group's admins and facilitators (not site admins); to outsiders the
    # pages are not there. The sheet is the answer to the POST.
    "access codes":               (L,   404, 403, 404, 200, 404, 200, 403, 404, 404, L),
    "access codes!":              (L,   404, 403, 404, 200, 404, 200, 403, 404, 404, L),
    "revoke codes!":              (L,   404, 403, 404, 302, 404, 302, 403, 404, 404, L),
    # The owner has an email (they reset their own password): no recovery code, for anyone.
    "recovery code!":             (L,   404, 403, 404, 403, 404, 403, 403, 404, 404, L),
    "code":                       EVERYONE_200,
    # A code nobody issued: refused, whoever sends it.
    "code!":                      (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    "invitation revoke!":         (L,   403, 403, 403, 403, 403, 302, 302, 403, 403, L),
    "invitation sheet":           (L,   403, 403, 403, 403, 403, 200, 200, 403, 403, L),
    # Anyone opens the link; whoever is signed in takes a seat and goes to the join form.
    "invitation":                 EVERYONE_200,
    "invitation!":                (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "inbox":                      LOGGED_IN_200,
    "inbox!":                     (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    "agreement":                  EVERYONE_200,
    "add point!":                 (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "edit point":                 (L,   403, 403, 403, 200, 403, 403, 403, 403, 403, L),
    "edit point!":                (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    "remove point!":              (L,   403, 403, 403, 302, 403, 403, 403, 403, 403, L),
    # A mute stops posts and votes, not answers to the agreement; a removal stops both.
    "endorse!":                   (L,   403, 302, 302, 403, 403, 403, 403, 302, 403, L),
    "mail choices":               LOGGED_IN_200,
    "mail choices!":              (L,   302, 302, 302, 302, 302, 302, 302, 302, 302, L),
    # The signed link is the key, whoever holds it, with or without a session (RFC 8058).
    "unsubscribe":                EVERYONE_200,
    "unsubscribe!":               EVERYONE_200,
    "forged unsubscribe":         (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on

CELLS = [(name, role) for name in ROUTES for role in ROLES]


def served(app) -> set:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_table(built):
    assert served(built.app) <= {(endpoint, method) for endpoint, method, *_ in ROUTES.values()}
    assert {(endpoint, method) for endpoint, method, *_ in ROUTES.values()} <= served(built.app)


def test_every_row_has_every_role():
    assert TABLE.keys() == ROUTES.keys()
    assert all(len(statuses) == len(ROLES) for statuses in TABLE.values())


def test_a_deleted_account_is_anonymous_in_every_row():
    assert {name: row[-1] for name, row in TABLE.items()} == {
        name: row[0] for name, row in TABLE.items()
    }


def looks_logged_in(response) -> bool:
    return 'action="/logout"' in response.get_data(as_text=True)


#: Text that only some may read, wherever it could appear: who may.
PRIVATE = {
    "An argument a mediator hid, not yet appealed.": {"owner", "med"},
    "An argument a mediator hid, already appealed.": {"owner", "med"},
    "A post waiting for approval by a mediator.": {"other", "med"},
    "It names nobody at all.": {"owner", "med"},  # an appeal's text
    "A private note for the mediators.": {"other", "med"},  # a flag's note
    # The reason of a sanction not yet in force: its target is told only once it is.
    "Insults, once more.": {"med"},
}
#: Pages where a mailed link shows the address it was sent to, to whoever holds the link.
ADDRESS_OF_THE_LINK = {"registration link": "new@example.org", "email link": "owner2@example.org"}


def check_privacy(name: str, role: str, body: str) -> None:
    """Emails are seen by their owner and by site admins (the user list), nobody else; the
    private texts by those allowed."""
    if (name, role) != ("admin users", "admin"):
        shown = set(re.findall(r"[\w.+-]+@example\.org", body))
        allowed = {f"{role}@example.org", ADDRESS_OF_THE_LINK.get(name)}
        assert shown <= allowed, f"{name} shows {role} {sorted(shown - allowed)}"
    for private, readers in PRIVATE.items():
        if role not in readers:
            assert private not in body, f"{name} shows {role} {private!r}"


@pytest.mark.parametrize(("name", "role"), CELLS, ids=[f"{name}-{role}" for name, role in CELLS])
def test_route_by_role(world, name, role):
    _endpoint, method, url, data = ROUTES[name]
    expected = TABLE[name][ROLES.index(role)]
    response = world.send(role, method, url, data)
    body = response.get_data(as_text=True)[:300]
    location = response.headers.get("Location", "")
    if expected == L:
        assert response.status_code == 302, body
        assert "/login?next=" in location
    elif expected == 302:
        assert response.status_code in (301, 302, 303), body
        assert "/login?next=" not in location
    else:
        assert response.status_code == expected, body
    if role in ("anon", "deleted") and response.mimetype == "text/html":
        assert not looks_logged_in(response)
    if response.status_code == 200:
        check_privacy(name, role, response.get_data(as_text=True))
    must_not_change = method == "GET" or expected not in (200, 302)
    changed = world.reset(detail=must_not_change)
    assert not (must_not_change and changed), f"{name} by {role} changed {sorted(changed)}"


# --- objects of others, and ids swapped between debates -------------------------------------

B = "/d/{b_slug}"
URGENT = {"decision": "urgent_hide", "rule": "2", "reason": "It names someone."}
WARN = {"kind": "warning", "rule": "1", "reason": "Mind the tone."}
NOTE = {"kind": "summary", "body": "A note where it does not belong."}
PAUSE = {"minutes": "5", "note": "A short pause, please."}
POINT = {"kind": "next_step", "text": "Rewritten from elsewhere.", "arguments": ""}
APPEAL = {"text": "Through the other debate's pages."}

#: name: (role, method, URL, form data, expected status). Each is refused (or, for the join,
#: sent back) and changes nothing.
OBJECT_CASES = {
    # A's mediator, on A's pages, with B's objects: nothing of B is reachable through A.
    "med decides on B's argument": ("med", "POST", D + "/a/{b_arg}/decide", URGENT, 404),
    "med keeps B's hidden argument": (
        "med",
        "POST",
        D + "/a/{b_hidden}/decide",
        {"decision": "keep", "reason": ""},
        404,
    ),
    "med merges into B's argument": (
        "med",
        "POST",
        A + "/decide",
        {"decision": "duplicate", "duplicate_of": "{b_arg}", "reason": "Same point."},
        404,
    ),
    "med notes under B's argument": (
        "med",
        "POST",
        D + "/notes",
        {**NOTE, "argument": "{b_arg}"},
        404,
    ),
    "med opens a note on B's argument": ("med", "GET", D + "/notes?argument={b_arg}", None, 404),
    "med freezes B's thread": ("med", "POST", D + "/freeze", {**PAUSE, "argument": "{b_arg}"}, 404),
    "med decides B's appeal": (
        "med",
        "POST",
        D + "/appeals/{b_appeal}/decide",
        {"outcome": "overturned", "reason": "Restored."},
        404,
    ),
    "med co-signs B's sanction": ("med", "POST", D + "/sanctions/{b_pending}/cosign", {}, 404),
    "med sanctions B's participant": ("med", "POST", D + "/people/{bpart_id}/sanction", WARN, 403),
    "med opens B's point": ("med", "GET", D + "/agreement/points/{b_point}/edit", None, 404),
    "med edits B's point": ("med", "POST", D + "/agreement/points/{b_point}/edit", POINT, 404),
    "med removes B's point": ("med", "POST", D + "/agreement/points/{b_point}/remove", {}, 404),
    "med cites B's argument in a new point": (
        "med",
        "POST",
        D + "/agreement/points",
        {**POINT, "arguments": "{b_arg}"},
        400,
    ),
    "med cites B's argument in A's point": (
        "med",
        "POST",
        D + "/agreement/points/{point}/edit",
        {**POINT, "arguments": "{b_arg}"},
        400,
    ),
    # Sanctions are for participants of this debate, not its mediators or organisers.
    "med sanctions a fellow mediator": ("med", "POST", D + "/people/{med2_id}/sanction", WARN, 403),
    "med sanctions the organiser": ("med", "POST", D + "/people/{org_id}/sanction", WARN, 403),
    "med sanctions a visitor": ("med", "POST", D + "/people/{visitor_id}/sanction", WARN, 403),
    "med sanctions nobody": ("med", "POST", D + "/people/999999/sanction", WARN, 404),
    # Two keys: nobody co-signs, confirms or hears an appeal against their own decision.
    "med2 co-signs their own sanction": (
        "med2",
        "POST",
        D + "/sanctions/{pending}/cosign",
        {},
        403,
    ),
    "med2 confirms their own urgent hide": (
        "med2",
        "POST",
        D + "/a/{hidden}/decide",
        {"decision": "hide", "rule": "2", "reason": "Confirmed."},
        403,
    ),
    "med2 hears the appeal against their hide": (
        "med2",
        "POST",
        D + "/appeals/{appeal}/decide",
        {"outcome": "upheld", "reason": "It stands."},
        403,
    ),
    "med co-signs a sanction already in force": (
        "med",
        "POST",
        D + "/sanctions/{removal}/cosign",
        {},
        409,
    ),
    # A's organiser, with B's role and community.
    "org removes B's mediator": ("org", "POST", D + "/roles/{b_role}/remove", {}, 404),
    # One's own role ends by stepping down.
    "org removes their own organiser role": (
        "org",
        "POST",
        D + "/roles/{org_role}/remove",
        {},
        403,
    ),
    "org appoints for B's community": (
        "org",
        "POST",
        D + "/appoint",
        {"pseudonym": "Visitor", "role": "mediator", "community": "{farmers}"},
        400,
    ),
    "org appoints a deleted account": (
        "org",
        "POST",
        D + "/appoint",
        {"pseudonym": "Deleted", "role": "mediator", "community": ""},
        400,
    ),
    # A's participants, with B's objects through A's pages.
    "other votes on B's argument": ("other", "POST", D + "/vote", {"value": "{b_arg}:1"}, 404),
    "owner reads B's argument through A": ("owner", "GET", D + "/a/{b_arg}", None, 404),
    "owner reads its history through A": ("owner", "GET", D + "/a/{b_arg}/history", None, 404),
    "owner replies to B's argument": ("owner", "POST", D + "/a/{b_arg}/reply", TEXT, 404),
    "other flags B's argument": ("other", "POST", D + "/a/{b_arg}/flag", {"rule": "1"}, 404),
    "owner declares B's community": (
        "owner",
        "POST",
        D + "/community",
        {"community": "{farmers}"},
        400,
    ),
    "visitor joins as B's community": (
        "visitor",
        "POST",
        D + "/join",
        {"position": "for", "accept_rules": "y", "community": "{farmers}"},
        302,
    ),
    "owner endorses B's point": (
        "owner",
        "POST",
        D + "/agreement/points/{b_point}/endorse",
        {"value": "1"},
        404,
    ),
    # B's participant, with their own objects, through A's pages: A is not theirs.
    "bpart edits their B argument through A": (
        "bpart",
        "POST",
        D + "/a/{b_arg}/edit",
        {"body": "Edited through the other debate."},
        404,
    ),
    "bpart deletes their B argument through A": ("bpart", "POST", D + "/a/{b_arg}/delete", {}, 404),
    "bpart appeals B's hide through A": ("bpart", "POST", D + "/a/{b_hidden}/appeal", APPEAL, 404),
    "bpart appeals B's warning through A": (
        "bpart",
        "POST",
        D + "/sanctions/{b_warning}/appeal",
        APPEAL,
        404,
    ),
    "bpart endorses A's point": (
        "bpart",
        "POST",
        D + "/agreement/points/{point}/endorse",
        {"value": "1"},
        403,
    ),
    "bpart endorses A's point through B": (
        "bpart",
        "POST",
        B + "/agreement/points/{point}/endorse",
        {"value": "1"},
        404,
    ),
    # B's mediator and organiser, on B's pages, with A's objects.
    "xmed decides on A's argument": ("xmed", "POST", B + "/a/{arg}/decide", URGENT, 404),
    "xmed merges B's argument into A's": (
        "xmed",
        "POST",
        B + "/a/{b_arg}/decide",
        {"decision": "duplicate", "duplicate_of": "{arg}", "reason": "Same point."},
        404,
    ),
    "xmed decides A's appeal": (
        "xmed",
        "POST",
        B + "/appeals/{appeal}/decide",
        {"outcome": "overturned", "reason": "Restored."},
        404,
    ),
    "xmed co-signs A's sanction": ("xmed", "POST", B + "/sanctions/{pending}/cosign", {}, 404),
    "xmed sanctions A's participant": (
        "xmed",
        "POST",
        B + "/people/{owner_id}/sanction",
        WARN,
        403,
    ),
    "xmed notes under A's argument": (
        "xmed",
        "POST",
        B + "/notes",
        {**NOTE, "argument": "{arg}"},
        404,
    ),
    "xmed freezes A's thread": ("xmed", "POST", B + "/freeze", {**PAUSE, "argument": "{arg}"}, 404),
    "xmed edits A's point": ("xmed", "POST", B + "/agreement/points/{point}/edit", POINT, 404),
    "xmed removes A's point": ("xmed", "POST", B + "/agreement/points/{point}/remove", {}, 404),
    "xmed cites A's argument": (
        "xmed",
        "POST",
        B + "/agreement/points",
        {**POINT, "arguments": "{arg}"},
        400,
    ),
    "borg removes A's mediator": ("borg", "POST", B + "/roles/{med2_role}/remove", {}, 404),
    # Sanctioned authors keep their words but cannot rewrite them.
    "muted edits their argument": (
        "muted",
        "POST",
        D + "/a/{muted_arg}/edit",
        {"body": "Rewritten while muted."},
        403,
    ),
    "removed edits their argument": (
        "removed",
        "POST",
        D + "/a/{removed_arg}/edit",
        {"body": "Rewritten after removal."},
        403,
    ),
    # The drafts of others stay out of sight, whatever the role elsewhere.
    "med reads the draft": ("med", "GET", "/d/{draft}", None, 404),
    "xmed manages the draft": ("xmed", "GET", "/d/{draft}/manage", None, 404),
    "borg opens the draft": ("borg", "POST", "/d/{draft}/phase", {"phase": "open"}, 404),
    "visitor opens the draft by its id": ("visitor", "GET", "/debates/{draft_id}", None, 404),
    "med rewrites the draft's rules": (
        "med",
        "POST",
        "/d/{draft}/ground-rules",
        {"lines": "Anything goes."},
        404,
    ),
}


@pytest.mark.parametrize("name", OBJECT_CASES)
def test_objects_of_others(world, name):
    role, method, url, data, expected = OBJECT_CASES[name]
    response = world.send(role, method, url, data)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    assert not world.reset(), f"{name} changed something"


def test_sanctioned_authors_may_still_withdraw_their_words_and_appeal(world):
    """Safety first: a muted or removed author deletes their own argument; the person
    removed appeals the removal."""
    for role, url in (
        ("muted", D + "/a/{muted_arg}/delete"),
        ("removed", D + "/a/{removed_arg}/delete"),
    ):
        response = world.send(role, "POST", url, {})
        assert response.status_code == 302
        assert "argument" in world.reset()
    response = world.send("removed", "POST", D + "/sanctions/{removal}/appeal", APPEAL)
    assert response.status_code == 302
    assert "appeal" in world.reset()
    # The owner's warning is the owner's to appeal, not the person removed.
    assert (
        world.send("removed", "POST", D + "/sanctions/{warning}/appeal", APPEAL).status_code == 403
    )


def test_a_mediator_removed_or_stepped_down_has_no_power_left(world):
    """Removed by the organiser, or stepping down: the next request is refused."""
    assert world.send("org", "POST", D + "/roles/{med2_role}/remove", {}).status_code == 302
    assert world.send("med2", "POST", A + "/decide", URGENT).status_code == 403
    assert world.send("med2", "GET", D + "/queue").status_code == 403
    world.reset()
    assert world.send("med", "POST", D + "/step-down", {}).status_code == 302
    assert world.send("med", "POST", D + "/sanctions/{pending}/cosign", {}).status_code == 403
    assert world.send("med", "POST", D + "/agreement/points", POINT).status_code == 403


def test_the_inbox_is_ones_own(world):
    owner = world.send("owner", "GET", "/inbox").get_data(as_text=True)
    other = world.send("other", "GET", "/inbox").get_data(as_text=True)
    assert "Mind the tone." in owner and "Mind the tone." not in other
    # A sanction awaiting its second key is not announced to its target (nor anyone else).
    assert "Insults, once more." not in other and "Insults, once more." not in owner
    # Marking one's inbox read leaves everyone else's unread.
    assert world.send("med", "POST", "/inbox", {}).status_code == 302
    read = {(row.user_id, row.read_at is not None) for row in world.dump()["notification"]}
    assert (world.ids["med_id"], True) in read
    assert (world.ids["owner_id"], True) not in read
    assert (world.ids["owner_id"], False) in read


def test_the_account_pages_are_ones_own(world):
    mine = world.send("owner", "GET", "/account").get_data(as_text=True)
    theirs = world.send("other", "GET", "/account").get_data(as_text=True)
    assert "The argument the table acts on" in mine
    assert "The argument the table acts on" not in theirs
    data = world.send("other", "POST", "/account/data", {}).get_data(as_text=True)
    assert "other@example.org" in data
    assert "owner@example.org" not in data and "The argument the table acts on" not in data


def test_hidden_and_held_text_is_for_its_author_and_the_mediators(world):
    hidden = "An argument a mediator hid, not yet appealed."
    held = "A post waiting for approval by a mediator."
    for role in ROLES:
        page = world.send(role, "GET", D + "/a/{hidden}").get_data(as_text=True)
        assert (hidden in page) == (role in ("owner", "med")), role
        api = world.send(role, "GET", "/api/v1/debates/{slug}").get_data(as_text=True)
        assert hidden not in api and held not in api
        if role not in ("other", "med"):
            assert held not in world.send(role, "GET", D).get_data(as_text=True), role


def test_private_text_reaches_its_readers(world):
    """The privacy checks above are not vacuous: those allowed do read these texts."""
    queue = world.send("med", "GET", D + "/queue").get_data(as_text=True)
    for private, readers in PRIVATE.items():
        if "med" in readers and "hid" not in private:
            assert private in queue, private
    assert "Insults, once more." not in world.send("other", "GET", "/inbox").get_data(as_text=True)
    held = world.send("other", "GET", D + "/a/{held}").get_data(as_text=True)
    assert "A post waiting for approval by a mediator." in held


def test_removing_a_mediator_keeps_the_row(world):
    """Removing a mediator ends the role; the row stays, for the record."""
    response = world.send("org", "POST", D + "/roles/{med2_role}/remove", {})
    assert response.status_code == 302
    roles = {row.id: row for row in world.dump()["debate_role"]}
    assert roles[world.ids["med2_role"]].ended_at is not None


# --- rate limits (switched off above) -------------------------------------------------------


def test_writes_are_rate_limited_with_a_readable_page(database_url, make_app):
    app = make_app({**base_config(database_url), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [
        post(
            client, "/register", {"pseudonym": f"Flood {n}", "email": f"not an address {n}"}
        ).status_code
        for n in range(7)
    ]
    assert statuses == [400] * 5 + [429, 429]
    response = post(client, "/register", {})
    assert response.status_code == 429
    assert "Slow down a little" in response.get_data(as_text=True)
    assert client.get("/register").status_code == 200  # reading is not limited


def test_every_write_counts_against_one_backstop_limit(database_url, make_app):
    """Routes without a limit of their own (here stepping down, which sends a signed-out
    visitor to log in) still stop at 60 writes a minute from one address; reading is never
    limited."""
    app = make_app({**base_config(database_url), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post("/d/any/step-down", data={"csrf_token": token}).status_code for _ in range(61)
    ]
    assert statuses == [302] * 60 + [429]
    assert client.get("/").status_code == 200
