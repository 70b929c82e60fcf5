"""Fuzzing every form and parameter (issue 6, item 6).

Whatever text, length or encoding arrives, the app never answers 500 nor logs an error; what
it stores is exactly what it accepted, after its documented normalisation; and a form it
refuses comes back with the user's text still in it.

The targets come from the app itself, so a new form or route is fuzzed with no change here:

- the routes are read from ``app.url_map`` when this module is collected: one test per POST
  endpoint; then one test each (looping over the rules) for query strings, path
  parameters and the JSON API;
- the forms are found by a crawl (``discover``, once per run): log in as every kind of user
  of a small world (``build_world``: an open debate with organiser, two mediators from two
  communities, author, participants, a sanctioned one, an admin, a visitor; arguments, hidden
  ones, an appeal, a removal awaiting its second key, an agreement point, a scheduled phase
  change; and a draft debate), open every HTML page ``url_map`` can build for it, and those
  the world's mail links to (finish registering, reset a password, confirm a new email), and
  parse each page's forms (inputs, textareas, selects and their options, named buttons, also
  those tied to a form by ``form="..."``). A form is fuzzed as the user shown its fullest
  version (a participant sees the vote buttons, a visitor not); an endpoint no page offers a
  form for is fuzzed blind, with the fields of every Flask-WTF form class;
- hints on fields (lengths, patterns, emails, number ranges) come from the rendered
  attributes and from the form classes in ``deliberate/**/forms.py``;
- query parameter names come from what each view's module reads (``request.args.get("...")``
  and the like, read from the source), the links on the crawled pages and GET forms.

Each form is first swept (every edge value in every field, the other fields as a browser
fills them), then explored by Hypothesis: as a browser would submit it (options from the
page, plausible text with odd characters) or as a forger would (any text, missing,
duplicated and extra fields such as is_admin=1, multipart, raw bytes that are not UTF-8, a
bad or missing token). Each request starts from the page that holds the form, fetched in the
world (a current CSRF token and current options); see ``Stage`` for when a world is reused.

``DELIBERATE_FUZZ_SCALE`` (default 1) multiplies the examples, for a deeper local run;
``DELIBERATE_FUZZ_SHRINK=1`` lets Hypothesis shrink a failure (slow: it replays requests).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import pkgutil
import re
import time
import traceback
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from flask import current_app
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as Step
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from wtforms.fields.core import UnboundField
from wtforms.validators import Email, Length, NumberRange, Regexp

import deliberate
from deliberate import create_app
from deliberate.accounts import services as account_services
from deliberate.agreements import services as agreements
from deliberate.agreements.models import AgreementPoint, PointKind
from deliberate.extensions import db
from deliberate.models import Argument, Debate, Phase, Stance, User
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import (
    Appeal,
    Community,
    DebateRole,
    Flag,
    GroundRule,
    LogEntry,
    MediatorNote,
    Role,
    Sanction,
    SanctionKind,
)

from .conftest import PASSWORD, FreshContextClient, base_config, standing

SCALE = float(os.environ.get("DELIBERATE_FUZZ_SCALE") or 1)
#: Shrinking a failure means replaying requests for minutes: off unless asked for (the
#: failure message already shows the whole request).
PHASES = [Step.explicit, Step.reuse, Step.generate]
if os.environ.get("DELIBERATE_FUZZ_SHRINK"):
    PHASES.append(Step.shrink)


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        phases=PHASES,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --- the routes, read from the app when the module is collected ----------------------------

#: Everyone the world has, least privileged first: a form is fuzzed as the first who sees it.
ROLES = (
    "anonymous",
    "visitor",
    "participant",
    "author",
    "sanctioned",
    "organiser",
    "mediator",
    "mediator2",
    "admin",
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _route_table():
    app = create_app(base_config("sqlite://"))  # never connected: only its url_map is read
    modules = {e: getattr(view, "__module__", "") for e, view in app.view_functions.items()}
    rules = [
        (rule.rule, rule.endpoint, tuple(sorted(rule.methods - IGNORED_METHODS)))
        for rule in app.url_map.iter_rules()
    ]
    return rules, modules


RULES, VIEW_MODULES = _route_table()
POST_ENDPOINTS = sorted({endpoint for _r, endpoint, methods in RULES if "POST" in methods})
GET_RULES = sorted(rule for rule, _e, methods in RULES if "GET" in methods)
PATH_RULES = sorted(rule for rule, _e, _m in RULES if "<" in rule)
API_RULES = sorted(rule for rule, _e, _m in RULES if rule.startswith("/api/"))
ENDPOINTS = {endpoint for _r, endpoint, _m in RULES}
ENDPOINT_OF = {rule: endpoint for rule, endpoint, _m in RULES}
METHODS_OF = {rule: methods for rule, _e, methods in RULES}


# --- what the code reads from requests, and the form classes' hints -------------------------

_READS = re.compile(
    r"request\.(args|form|values)\s*(?:\.get(?:list)?\(\s*|\[\s*)[\"']([^\"']+)[\"']"
)


def names_read_by_the_code() -> dict[str, dict[str, set[str]]]:
    """{module: {"args": {...}, "form": {...}}}: the parameter names each module reads."""
    package = Path(deliberate.__file__).parent
    found = {}
    for path in package.rglob("*.py"):
        module = ".".join(("deliberate", *path.relative_to(package).with_suffix("").parts))
        reads = found.setdefault(module.removesuffix(".__init__"), {"args": set(), "form": set()})
        for source, name in _READS.findall(path.read_text(encoding="utf-8")):
            if source in ("args", "values"):
                reads["args"].add(name)
            if source in ("form", "values"):
                reads["form"].add(name)
    return found


READS_BY_MODULE = names_read_by_the_code()
READS = {
    kind: set().union(*(reads[kind] for reads in READS_BY_MODULE.values()))
    for kind in ("args", "form")
}
#: Modules whose helpers every view may call (safe_next reads "next").
SHARED_MODULES = ("deliberate.http", "deliberate.forms")


@dataclass
class Hint:
    """What the form classes say about fields of one name (merged across forms)."""

    patterns: set = field(default_factory=set)
    lengths: set = field(default_factory=set)
    ranges: set = field(default_factory=set)
    email: bool = False
    integer: bool = False
    classes: set = field(default_factory=set)


def form_class_hints() -> dict[str, Hint]:
    hints: dict[str, Hint] = defaultdict(Hint)
    modules = [deliberate.forms] if hasattr(deliberate, "forms") else []
    for info in pkgutil.walk_packages(deliberate.__path__, "deliberate."):
        if info.name.rsplit(".", 1)[-1] == "forms":
            modules.append(import_module(info.name))
    for module in modules:
        for cls in vars(module).values():
            if not (isinstance(cls, type) and issubclass(cls, FlaskForm)) or cls is FlaskForm:
                continue
            for name in dir(cls):
                unbound = getattr(cls, name, None)
                if not isinstance(unbound, UnboundField):
                    continue
                hint = hints[name]
                hint.classes.add(unbound.field_class.__name__)
                if "Integer" in unbound.field_class.__name__:
                    hint.integer = True
                validators = unbound.kwargs.get("validators") or ()
                if len(unbound.args) > 1:
                    validators = unbound.args[1] or validators
                for validator in validators:
                    if isinstance(validator, Regexp):
                        hint.patterns.add(validator.regex.pattern)
                    elif isinstance(validator, Length):
                        hint.lengths.add((validator.min, validator.max))
                    elif isinstance(validator, NumberRange):
                        hint.ranges.add((validator.min, validator.max))
                    elif isinstance(validator, Email):
                        hint.email = True
    return dict(hints)


HINTS = form_class_hints()
NO_HINT = Hint()

#: Fields nobody's form offers, which a forged request might add.
DANGEROUS_EXTRAS = (
    "role",
    "is_admin",
    "agree",
    "agree_count",
    "user_id",
    "author_id",
    "debate_id",
    "organiser_id",
    "id",
    "visibility",
    "phase",
    "score",
    "next",
    "lang",
)
EXTRA_NAMES = sorted(set(DANGEROUS_EXTRAS) | READS["form"] | set(HINTS) - {"csrf_token"})
QUERY_NAMES = sorted(
    READS["args"]
    | {"sort", "page", "n", "next", "lang", "before", "after_id", "after_at", "argument"}
    | {"stance", "q", "limit", "offset", "format"}
)


# --- values ---------------------------------------------------------------------------------

NUMBER_STRINGS = (
    "-1",
    "0",
    "00",
    "1",
    "+1",
    " 1 ",
    "1.5",
    "1,5",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483647",
    "2147483648",
    "4294967296",
    "0x10",
    "1_000",
    "١٢",
    "²",
    "⑤",
    "Ⅷ",
    "１２",
)
NASTY = (
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\u3000 \u00a0",
    "\x00",
    "a\x00b",
    "A perfectly fine sentence\x00 with a NUL inside it.",
    "\x00" * 12,
    "\x1b[31mred\x1b[0m",
    "\x7f\x08\x0b\x0c",
    "\x1c\x1d\x1e\x1f",
    "\x85\u2028\u2029",
    "\u202egnp.exe\u202c",
    "\u200b\u200c\u200d\u2060",
    "\ufeffBOM at the start",
    "\ufffd\uffff\U0010ffff",
    "e\u0301" * 20,
    "Z\u0351\u0324\u0353\u036b\u0313\u0308\u033a" * 8,
    "\u0301" * 60,
    "ﷺ" * 30,
    "ß" * 30,
    "İ" * 30,
    "ǅﬃẞ",
    "\u1100\u1161\u11a8" * 3,
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕥𝕖𝕩𝕥",
    "😀👩‍👩‍👧🏳️‍🌈",
    "<x-fuzz>alert(1)</x-fuzz>",
    "\"'><x-fuzz onload=alert(1)>",
    "&amp;&lt;&#0;",
    "{{ 7*7 }}{% raw %}",
    "%s%n%(name)s{0}",
    "' OR 1=1 --",
    "NULL",
    "None",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\r\nSet-Cookie: x=1",
    "/%0d%0aSet-Cookie:x=1",
    "javascript:alert(1)",
    "https://evil.example/",
    "/d/../../etc/passwd",
    "admin",
    *NUMBER_STRINGS,
)
LONG_UNITS = ("a", "é", "😀", " ", "\n", "\x00", "ﷺ", "e\u0301", "\u202e", "word ")
LONG_LENGTHS = (255, 256, 1001, 2001, 5001, 10_001, 100_000)
WEIRD_CHARS = st.characters(
    categories=("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Co", "Cn", "So", "Sk", "Lo", "Nd", "No")
)
FILLERS = (
    "A perfectly ordinary sentence",
    "Une phrase tout à fait ordinaire",
    "جملة عادية تماما وطويلة بما يكفي",
    "一个非常普通而且足够长的句子",
    "Ẁéïrd bût fíne 😀 wørds",
)
RAW_JUNK = (
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\x80abc",
    b"%FF%FE",
    b"%C3%28",
    b"%ED%A0%80",
    b"%C0%AF",
    b"%",
    b"%zz",
    b"%00",
    b"&&=&=",
    b";a=1",
)


def repeat_to(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def long_text(boundaries=()) -> st.SearchStrategy[str]:
    lengths = sorted({n for n in (*boundaries, *LONG_LENGTHS) if n and n > 0})
    return st.builds(repeat_to, st.sampled_from(LONG_UNITS), st.sampled_from(lengths))


def fill(left: str, filler: str, right: str, low: int, high: int | None, full: bool) -> str:
    core = filler
    target = (high or 2000) if full else low
    while len(left) + len(core) + len(right) < target:
        core += " " + filler
    text = left + core + right
    return text[:high] if high else text


def plausible_text(low: int, high: int | None) -> st.SearchStrategy[str]:
    """Text a person might type: odd characters at the edges, enough words in the middle."""
    edge = st.one_of(st.text(max_size=12), st.text(WEIRD_CHARS, max_size=6))
    return st.builds(
        fill,
        edge,
        st.sampled_from(FILLERS),
        edge,
        st.just(low),
        st.just(high),
        st.sampled_from([False, False, False, True]),
    )


def chaos_text(boundaries=()) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=80),
        st.text(WEIRD_CHARS, max_size=40),
        plausible_text(0, None).map(lambda s: s[: len(s) // 2] + "\x00" + s[len(s) // 2 :]),
        long_text(boundaries),
        st.integers().map(str),
    )


def number_text(low=None, high=None) -> st.SearchStrategy[str]:
    near = []
    for bound in (low, high):
        if bound is not None:
            near += [str(int(bound) + d) for d in (-1, 0, 1)]
    return st.one_of(
        st.sampled_from(NUMBER_STRINGS + tuple(near)),
        st.integers().map(str),
        st.floats().map(repr),
    )


DATETIMES = st.datetimes(datetime(1970, 1, 1), datetime(2200, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M")
)
ODD_DATETIMES = (
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2031-02-30T10:00",
    "2031-01-01T25:00",
    "2031-01-01",
    "2031-01-01T10:00:00Z",
    "+2031-01-01T10:00",
    "2031-01-01T10:00\x00",
)
EMAILS = st.one_of(
    st.emails(),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.sampled_from(["Name", "İSTANBUL", "straße", "ﷺ", "a" * 64, "o'neil", "x+tag", " pad "]),
        st.sampled_from(["example.org", "EXAMPLE.ORG", "bücher.example", "a" * 63 + ".org"]),
    ),
)


# --- the world ------------------------------------------------------------------------------

_tags = itertools.count(1)


@dataclass
class World:
    users: dict
    refs: dict
    debate: Debate
    draft: Debate
    #: Links the world's mail carried (registration, reset, new email), by endpoint; None
    #: until asked for (sending the mail costs requests).
    links: dict | None = None
    #: Logged-in browsers, by role, and the pages they fetched, kept while the world is.
    clients: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.users[role].email


@dataclass
class Factories:
    """tests/conftest.py's factories, which the world is built with."""

    make_user: object
    make_debate: object
    join: object
    make_argument: object


def build_world() -> World:
    """An open debate with every kind of person and object the forms act on, and a draft.

    Like tests/test_routes.py's scene (whose fixed names allow one per test), but with new
    names each time, so that examples can each have their own."""
    make = current_app.extensions["fuzz.factories"]
    n = next(_tags)
    users = {
        role: make.make_user(
            pseudonym=f"{role.capitalize()} {n}",
            email=f"{role}.{n}@example.org",
            is_admin=role == "admin",
        )
        for role in ROLES[1:]
    }
    organiser = users["organiser"]
    debate = make.make_debate(
        organiser=organiser,
        motion=f"Should the town dig well number {n} near the market?",
        background="Some *background*, with [a link](https://example.org).",
    )
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Youth", "Elders"])
    youth, elders = moderation.communities(debate)
    appointments = {
        role: moderation.appoint_accepted(
            running, debate, users[role].pseudonym, Role.MEDIATOR, c.id
        )
        for role, c in (("mediator", youth), ("mediator2", elders))
    }
    db.session.commit()
    for role in ("author", "participant", "sanctioned"):
        make.join(users[role], debate)

    def argue(role, body, parent=None, stance="pro"):
        return make.make_argument(debate, users[role], stance, body, parent)

    argument = argue("author", "The argument the fuzzer acts on.")
    reply = argue("participant", "A reply that disagrees with it.", argument, "con")
    hidden = argue("author", "An argument a mediator hid, one.")
    appealed = argue("author", "An argument a mediator hid, two.")
    mediating = standing(users["mediator"], debate)
    for target in (hidden, appealed):
        review.decide(mediating, target, review.Decision.URGENT_HIDE, 1, "Names a person.")
    appeal = sanctions.appeal_argument(
        standing(users["author"], debate), appealed, "It names nobody at all."
    )
    removal = sanctions.issue(
        mediating,
        debate,
        standing(users["sanctioned"], debate),
        SanctionKind.REMOVAL,
        1,
        "Insults.",
    )
    point = agreements.add_point(
        mediating, debate, PointKind.COMMON_GROUND, "Water is for all of us.", []
    )
    moderation.schedule_phase(running, debate, Phase.CLOSED, datetime(2031, 1, 1, 10, tzinfo=UTC))
    db.session.commit()
    draft = make.make_debate(
        organiser=organiser, motion=f"Should draft question number {n} be asked?", phase="draft"
    )
    refs = {
        "slug": {"open": debate.slug, "draft": draft.slug},
        "debate_id": {"open": debate.id, "draft": draft.id},
        "argument_id": {
            "argument": argument.id,
            "hidden": hidden.id,
            "reply": reply.id,
            "appealed": appealed.id,
        },
        "point_id": {"point": point.id},
        "sanction_id": {"removal": removal.id},
        "appeal_id": {"appeal": appeal.id},
        "user_id": {role: users[role].id for role in ("participant", "author", "sanctioned")},
        "role_id": {
            **{role: a.id for role, a in appointments.items()},
            # Site admins may remove the founder's role: the manage pages show that form too.
            **{
                f"founder_{name}": role.id
                for name, d in (("open", debate), ("draft", draft))
                for role in moderation.active_roles(d)
                if role.user_id == organiser.id
            },
        },
    }
    return World(users=users, refs=refs, debate=debate, draft=draft)


#: Forms whose mail carries a link to another form (finish registering, reset a password,
#: confirm a new email): (who sends it, endpoint, its fields). Sent through the app itself.
MAIL_FLOWS = (
    (
        "anonymous",
        "accounts.register",
        lambda n: {"pseudonym": f"Newcomer {n}", "email": f"newcomer.{n}@example.org"},
    ),
    ("anonymous", "accounts.reset_request", lambda n: {"email": f"visitor.{n}@example.org"}),
    (
        "visitor",
        "accounts.change_email",
        lambda n: {"email": f"visitor.{n}.new@example.org", "password": PASSWORD},
    ),
)
LINK = re.compile(r"https?://[^\s<>\"']+")


def mail_links(app, world: World) -> dict:
    """{endpoint: path and query} of the links in the mail the world's people are sent, when
    they register, ask for a new password and change their email (through the app's forms)."""
    if world.links is not None:
        return world.links
    world.links = {}
    outbox = app.extensions.get("deliberate.mail")
    n = world.users["visitor"].pseudonym.rsplit(" ", 1)[-1]
    if outbox is None or not hasattr(outbox, "outbox"):
        return world.links
    start = len(outbox.outbox)
    for role, endpoint, fields in MAIL_FLOWS:
        if endpoint in ENDPOINTS:
            client = client_for(app, world, role)
            url = app.url_map.bind("localhost").build(endpoint, {}, method="POST")
            response = client.post(url, data={**fields(n), "csrf_token": client.fuzz_token})
            response.close()
    for message in outbox.outbox[start:]:
        for link in LINK.findall(str(message.get_body(("plain",)).get_content())):
            found = match_url(app, link, "GET")
            parts = urlsplit(link)
            if found is None or found[0] in world.links or not (found[1] or parts.query):
                continue  # not a page of ours, or a plain one (log in, reset)
            world.links[found[0]] = parts.path + (f"?{parts.query}" if parts.query else "")
            for name, value in found[1].items():  # /reset/<token>: the token is the world's
                world.refs.setdefault(name, {})[found[0]] = value
    return world.links


def client_for(app, world: World, role: str):
    """The world's browser for this role, logged in through the login form (once)."""
    if role in world.clients:
        return world.clients[role]
    app.test_client_class = FreshContextClient
    client = app.test_client()
    page = client.get("/login")
    client.fuzz_token = csrf_in(page.get_data(as_text=True))
    page.close()
    if role != "anonymous":
        response = client.post(
            "/login",
            data={
                "email": world.email(role),
                "password": PASSWORD,
                "csrf_token": client.fuzz_token,
            },
        )
        response.close()
        assert response.status_code == 302, f"{role} could not log in"
        page = client.get("/")  # logging in starts a new session, with a new token
        client.fuzz_token = csrf_in(page.get_data(as_text=True))
        page.close()
    world.clients[role] = client
    return client


def fetch(app, world: World, role: str, url: str) -> tuple[int, str, str]:
    """(status, mimetype, text) of a page, as the world's browser for `role` saw it."""
    key = (role, url)
    if key not in world.pages:
        response = client_for(app, world, role).get(url)
        textual = response.mimetype.startswith(("text/", "application/json"))
        world.pages[key] = (
            response.status_code,
            response.mimetype,
            response.get_data(as_text=True) if textual else "",
        )
        response.close()
    return world.pages[key]


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match[1]


class Stage:
    """The world the next example starts from. An example takes it and gives it back only if
    it left it as a new world would be for that form: refused (4xx, and checked to have
    stored nothing), or still offering the same form, with the same fields and number of
    options (so what Hypothesis draws never depends on earlier examples; the checks compare
    with the state just before each request). Otherwise (a form gone: deleted, joined, stepped
    down, logged out; or a failure) the next example builds a new world."""

    def __init__(self):
        self.world: World | None = None

    def world_for(self) -> World:
        if self.world is None:
            self.world = build_world()
        return self.world

    def spoil(self):
        self.world = None


def stage(app) -> Stage:
    return app.extensions.setdefault("fuzz.stage", Stage())


# --- URLs, symbolically: the same page or action in another world --------------------------


def symbols(world: World, view_args: dict) -> tuple:
    """View arguments with world objects replaced by their names ("argument", "open"...)."""
    named = []
    for name, value in sorted(view_args.items()):
        found = next((k for k, v in world.refs.get(name, {}).items() if v == value), None)
        named.append((name, ("ref", found) if found else ("lit", value)))
    return tuple(named)


def resolve(world: World, named: tuple, app=None) -> dict:
    if app is not None and any(n not in world.refs for n, (kind, _v) in named if kind == "ref"):
        mail_links(app, world)  # a token a mail brings
    return {n: world.refs[n][v] if kind == "ref" else v for n, (kind, v) in named}


def page_url(app, world: World, page: tuple) -> str:
    """A page, ("route", endpoint, symbolic arguments) or ("link", endpoint), in `world`."""
    if page[0] == "link":
        return mail_links(app, world)[page[1]]
    return app.url_map.bind("localhost").build(page[1], resolve(world, page[2], app))


def match_url(app, url: str, method: str):
    """(endpoint, view args) of a URL on this site, or None."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(parts.path, method=method)
    except (HTTPException, RequestRedirect):
        return None


# --- forms, as a browser sees them ----------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # text, textarea, password, email, number, hidden, select, radio, checkbox...
    value: str | None = None
    options: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)


@dataclass
class Form:
    action: str | None
    method: str
    attrs: dict
    controls: list = field(default_factory=list)

    def fields(self) -> dict[str, Control]:
        """The controls merged by name: radios and buttons of one name become options."""
        merged: dict[str, Control] = {}
        for control in self.controls:
            if control.name in merged:
                merged[control.name].options += control.options
            else:
                merged[control.name] = Control(
                    control.name,
                    control.kind,
                    control.value,
                    list(control.options),
                    dict(control.attrs),
                )
        return merged


CHOICES = {"select", "radio", "checkbox", "submit", "image"}
TEXTS = {"text", "textarea", "search", "email", "url", "tel"}


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._by_id: dict[str, Form] = {}
        self._owned: list[tuple[str, Control]] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: dict | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("action"), (a.get("method") or "get").lower(), a)
            self.forms.append(self._form)
            if a.get("id"):
                self._by_id[a["id"]] = self._form
        elif tag in ("input", "button", "select", "textarea") and a.get("name"):
            kind = {"select": "select", "textarea": "textarea"}.get(tag)
            if kind is None:
                kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            control = Control(a["name"], kind, a.get("value"), attrs=a)
            if kind in ("radio", "submit", "image"):
                control.options = [a.get("value") or ""]
            elif kind == "checkbox":
                control.options = [a.get("value") or "on"]
            if "form" in a:
                self._owned.append((a["form"], control))
            elif self._form is not None:
                self._form.controls.append(control)
            if tag == "select":
                self._select = control
            elif tag == "textarea":
                self._textarea = control
                control.value = ""
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._end_option()

    def _end_option(self):
        if self._option is not None and self._select is not None:
            value = self._option["value"]
            self._select.options.append(value if value is not None else self._option["text"])
            if self._option["selected"] or self._select.value is None:
                self._select.value = self._select.options[-1]
        self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option["text"] += data

    def close(self):
        super().close()
        for form_id, control in self._owned:
            if form_id in self._by_id:
                self._by_id[form_id].controls.append(control)


def parse_page(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser


def form_target(app, page_url: str, form: Form):
    """(url, endpoint, view args) that a form submits to, or None if it leaves the site."""
    url = urljoin("http://localhost" + page_url, form.action or "")
    found = match_url(app, url, form.method.upper())
    if found is None:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else ""), found[0], found[1]


# --- discovery: every page, as everyone ------------------------------------------------------


@dataclass
class Site:
    """Where a form lives: the page, who was shown it, the symbolic arguments of its action
    and its fields."""

    role: str
    page: tuple
    action: tuple
    fields: dict


@dataclass
class Discovery:
    #: POST endpoint -> [Site].
    forms: dict = field(default_factory=lambda: defaultdict(list))
    #: GET rule -> [(role, page)] that answered 200.
    pages: dict = field(default_factory=lambda: defaultdict(list))
    query_names: dict = field(default_factory=lambda: defaultdict(set))
    requests: int = 0


_discovery: Discovery | None = None
#: The crawl opens each page for these objects only (the others are alike).
CRAWLED = {"argument_id": ("argument", "hidden"), "user_id": ("participant",)}
MAX_SITES = 4


def page_variants(world: World, rule: str) -> list[tuple]:
    endpoint = ENDPOINT_OF[rule]
    params = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule)
    if any(p not in world.refs for p in params):
        return []
    choices = []
    for p in params:
        names = CRAWLED.get(p) or tuple(world.refs[p])[: 1 if len(params) > 1 else None]
        choices.append([(p, ("ref", name)) for name in names])
    return [("route", endpoint, tuple(sorted(c))) for c in itertools.product(*choices)]


def discover(app) -> Discovery:
    """Open every page as everyone and note the forms; done once, by the first test."""
    global _discovery
    if _discovery is not None:
        return _discovery
    found = Discovery()
    world = build_world()
    links = mail_links(app, world)
    best: dict[tuple, Site] = {}
    for role in ROLES:
        for rule in GET_RULES:
            if rule.startswith(("/api/", "/static/")):
                continue
            pages = page_variants(world, rule)
            if ENDPOINT_OF[rule] in links and role in ("anonymous", "visitor"):
                pages.append(("link", ENDPOINT_OF[rule]))
            for page in pages:
                url = page_url(app, world, page)
                status, mimetype, html = fetch(app, world, role, url)
                found.requests += 1
                if status != 200:
                    continue
                found.pages[rule].append((role, page))
                if mimetype == "text/html":
                    note_forms(app, world, found, best, role, page, url, html)
    for (endpoint, _action), site in best.items():
        if len(found.forms[endpoint]) < MAX_SITES:
            found.forms[endpoint].append(site)
    _discovery = discover.found = found
    return found


def note_forms(app, world, found, best, role, page, url, html):
    parsed = parse_page(html)
    for href in parsed.links:
        target = match_url(app, urljoin("http://localhost" + url, href), "GET")
        query = urlsplit(href).query
        if target and query:
            found.query_names[target[0]] |= {k for k, _v in parse_qsl(query)}
    for form in parsed.forms:
        target = form_target(app, url, form)
        if target is None:
            continue
        _url, endpoint, view_args = target
        if form.method != "post":
            found.query_names[endpoint] |= set(form.fields())
            continue
        key = (endpoint, symbols(world, view_args))
        fields = form.fields()
        # Who sees the fullest form (a participant sees the vote buttons, a visitor not).
        if key not in best or len(fields) > len(best[key].fields):
            best[key] = Site(role, page, key[1], fields)


# --- submissions ----------------------------------------------------------------------------


def int_attr(control: Control, name: str) -> int | None:
    try:
        return int(control.attrs.get(name, ""))
    except ValueError:
        return None


def length_bounds(control: Control) -> tuple[int, int | None]:
    low, high = int_attr(control, "minlength") or 0, int_attr(control, "maxlength")
    for hint_low, hint_high in HINTS.get(control.name, NO_HINT).lengths:
        low = max(low, hint_low if hint_low and hint_low > 0 else 0)
        if hint_high and hint_high > 0:
            high = min(high or hint_high, hint_high)
    return low, high


def valid_value(control: Control) -> st.SearchStrategy[str]:
    """What a browser could send for this control, with plausible but odd text."""
    hint = HINTS.get(control.name, NO_HINT)
    if control.kind in CHOICES:
        return st.sampled_from(control.options or [""])
    if control.kind == "hidden":
        return st.just(control.value or "")
    if control.kind == "number" or hint.integer:
        low, high = int_attr(control, "min"), int_attr(control, "max")
        for hint_low, hint_high in hint.ranges:
            low = hint_low if low is None else low
            high = hint_high if high is None else high
        return st.integers(low if low is not None else 0, high if high is not None else 10**6).map(
            str
        )
    if control.kind.startswith("datetime"):
        return DATETIMES
    if control.kind == "email" or hint.email:
        return EMAILS
    if control.kind == "password":
        return st.text(min_size=8, max_size=40)
    low, high = length_bounds(control)
    options = [plausible_text(low, high)]
    options += [st.from_regex(p, fullmatch=True) for p in sorted(hint.patterns)]
    return st.one_of(options)


def any_value(control: Control | None) -> st.SearchStrategy[str]:
    """Anything at all, biased to the edges of what this control takes."""
    if control is None:
        return st.one_of(st.sampled_from(["1", "999", "admin", "true", "on", "-1"]), chaos_text())
    low, high = length_bounds(control)
    boundaries = [b for b in (low - 1, low, low + 1, high, (high or 0) + 1) if b and b > 0]
    options = [chaos_text(boundaries), valid_value(control)]
    hint = HINTS.get(control.name, NO_HINT)
    if control.kind == "number" or hint.integer:
        ranges = list(hint.ranges) or [(int_attr(control, "min"), int_attr(control, "max"))]
        options += [number_text(*bounds) for bounds in ranges]
    if control.kind.startswith("datetime"):
        options.append(st.sampled_from(ODD_DATETIMES))
    return st.one_of(options)


@dataclass
class Submission:
    pairs: list
    mode: str
    encoding: str
    csrf: str
    headers: dict
    body: bytes | None = None
    content_type: str | None = None
    #: A browser could have sent it (valid mode, no forged field, constraints respected).
    browser: bool = False

    def received(self) -> dict[str, str]:
        """The first value of each field, as the server parses the request."""
        if self.encoding == "raw":
            try:
                text = self.body.decode()
            except UnicodeDecodeError:
                return {}
            pairs = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        else:
            pairs = self.pairs
        first = {}
        for name, value in pairs:
            first.setdefault(name, value)
        return first


def constraints_hold(fields: dict[str, Control], pairs: list, novalidate: bool) -> bool:
    """Whether a browser could have sent this: no forged or repeated field, hidden fields and
    choices as the page gave them, and (unless the form says novalidate) the page's own
    constraints met: required, minlength, maxlength, min, max."""
    names = [name for name, _value in pairs]
    if len(names) != len(set(names)) or not set(names) <= set(fields):
        return False
    sent = dict(pairs)
    for name, control in fields.items():
        value = sent.get(name)
        if value is None:
            if "required" in control.attrs and not novalidate and control.kind != "submit":
                return False
            continue
        if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
            return False  # nobody types a control character
        if control.kind == "hidden" and value != (control.value or ""):
            return False
        if control.kind in CHOICES and value not in control.options:
            return False
        if novalidate:
            continue
        if control.kind == "number":
            low, high = int_attr(control, "min"), int_attr(control, "max")
            if not re.fullmatch(r"-?[0-9]+", value) and not (
                value == "" and "required" not in control.attrs
            ):
                return False
            if value and (
                low is not None and int(value) < low or high is not None and int(value) > high
            ):
                return False
        if control.kind not in TEXTS:
            continue
        low, high = int_attr(control, "minlength"), int_attr(control, "maxlength")
        units = len(value.encode("utf-16-le")) // 2  # browsers count UTF-16 code units
        if value and low is not None and units < low or high is not None and units > high:
            return False
        if "required" in control.attrs and not value:
            return False
    return True


def draw_submission(data, form_fields: dict[str, Control], token: str, novalidate: bool):
    mode = data.draw(st.sampled_from(["browser", "browser", "forged"]), label="mode")
    pairs: list[tuple[str, str]] = []
    for name, control in form_fields.items():
        if name == "csrf_token":
            continue
        if mode == "browser":
            if control.kind in ("checkbox", "submit") and not data.draw(
                st.integers(0, 3), label=f"{name} sent"
            ):
                continue
            pairs.append((name, data.draw(valid_value(control), label=name)))
            continue
        how = data.draw(
            st.sampled_from(["value", "value", "value", "missing", "empty", "twice"]),
            label=f"{name} how",
        )
        if how == "missing":
            continue
        value = "" if how == "empty" else data.draw(any_value(control), label=name)
        pairs.append((name, value))
        if how == "twice":
            pairs.append((name, data.draw(any_value(control), label=f"{name} again")))
    csrf = "valid"
    if mode == "forged":
        csrf = data.draw(
            st.sampled_from(["valid"] * 5 + ["missing", "garbage", "twice", "bad first"]),
            label="csrf",
        )
        extras = data.draw(
            st.lists(
                st.tuples(
                    st.one_of(st.sampled_from(EXTRA_NAMES), st.text(max_size=12)), any_value(None)
                ),
                max_size=4,
            ),
            label="extra fields",
        )
        pairs += extras
    if csrf == "garbage":
        csrf_pairs = [("csrf_token", data.draw(chaos_text(), label="token"))]
    else:
        csrf_pairs = {
            "valid": [("csrf_token", token)],
            "missing": [],
            "twice": [("csrf_token", token), ("csrf_token", "x")],
            "bad first": [("csrf_token", "x"), ("csrf_token", token)],
        }[csrf]
    pairs = csrf_pairs + pairs
    encodings = ["urlencoded", "multipart"] + (["raw"] if mode == "forged" else [])
    encoding = data.draw(st.sampled_from(encodings), label="encoding")
    headers = {}
    accept = data.draw(st.sampled_from([None, None, "application/json", "*/*"]), label="accept")
    if accept:
        headers["Accept"] = accept
    language = data.draw(st.sampled_from([None, None, "fr", "fr;q=abc, xx", "*"]), label="lang")
    if language:
        headers["Accept-Language"] = language
    submission = Submission(pairs, mode, encoding, csrf, headers)
    if encoding == "raw":
        parts = [quote(k, safe="") + "=" + quote(v, safe="") for k, v in pairs] or ["x="]
        where = data.draw(st.integers(0, len(parts) - 1), label="junk at")
        junk = data.draw(st.sampled_from(RAW_JUNK), label="junk")
        encoded = [p.encode() for p in parts]
        encoded[where] += junk
        submission.body = b"&".join(encoded)
        submission.content_type = data.draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded; charset=latin-1",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ]
            ),
            label="content type",
        )
    submission.browser = mode == "browser" and constraints_hold(form_fields, pairs, novalidate)
    return submission


def send(client, url: str, submission: Submission):
    if submission.encoding == "raw":
        return client.post(
            url,
            data=submission.body,
            content_type=submission.content_type,
            headers=submission.headers,
        )
    kwargs = {"content_type": "multipart/form-data"} if submission.encoding == "multipart" else {}
    return client.post(url, data=MultiDict(submission.pairs), headers=submission.headers, **kwargs)


# --- what must hold after every request -----------------------------------------------------


def short(value, limit=300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def logged(record: logging.LogRecord) -> str:
    """A logged error: its message, and the end of its traceback (where it was raised)."""
    if not record.exc_info:
        return record.getMessage()
    frames = traceback.format_exception(*record.exc_info)
    return record.getMessage() + "\n" + "".join(frames[-3:])[-2500:]


def assert_served(response, body: str, caplog, what: str):
    """No 500, no error logged, no unescaped markup of ours reflected in an HTML page."""
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    detail = f"{what}\n-> {response.status_code} {short(body, 600)}"
    if errors:
        detail += "\nlogged: " + "\n".join(map(logged, errors))
    assert response.status_code < 500, detail
    assert not errors, detail
    if response.mimetype == "text/html":
        assert "<x-fuzz" not in body, "our markup came back unescaped: " + detail
    location = response.headers.get("Location")
    if location:
        cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
        parts = urlsplit(cleaned)
        assert not cleaned.startswith("//") and parts.netloc in ("", "localhost"), (
            "redirected off the site: " + detail
        )


# --- stored values: what the app accepted, as it documents normalising it -------------------

#: Rows created by a request are those with an id above the highest one before it.
TRACKED = (
    User,
    Debate,
    Argument,
    MediatorNote,
    Appeal,
    Sanction,
    Flag,
    AgreementPoint,
    LogEntry,
    DebateRole,
    Community,
)


def highest_ids() -> dict:
    return {model: db.session.scalar(select(func.max(model.id))) or 0 for model in TRACKED}


def debate_of(args: dict) -> Debate:
    return db.session.scalar(select(Debate).where(Debate.slug == args["slug"]))


def community_names(debate: Debate) -> list[str]:
    return db.session.scalars(
        select(Community.name).where(Community.debate_id == debate.id).order_by(Community.position)
    ).all()


def rule_texts(debate: Debate) -> list[str]:
    return db.session.scalars(
        select(GroundRule.text).where(GroundRule.debate_id == debate.id).order_by(GroundRule.number)
    ).all()


def point_state(point: AgreementPoint) -> dict:
    ids = ", ".join(str(a.id) for a in point.arguments)
    return {"kind": point.kind.value, "text": point.text, "arguments": ids}


#: Endpoint -> what its check compares with: the state before the request.
SNAPSHOTS = {
    "debates.edit_argument": lambda args: db.session.get(Argument, args["argument_id"]).body,
    "moderation.ground_rules": lambda args: rule_texts(debate_of(args)),
    "moderation.communities": lambda args: community_names(debate_of(args)),
    "agreements.edit_point": lambda args: point_state(
        db.session.get(AgreementPoint, args["point_id"])
    ),
    "review.decide": lambda args: db.session.get(Argument, args["argument_id"]).moderation_reason,
    "review.decide_appeal": lambda args: db.session.get(Appeal, args["appeal_id"]).decision_reason,
}


@dataclass
class Outcome:
    app: object
    mail_before: int
    pre: object
    world: World
    role: str
    sent: dict
    status: int
    before: dict
    args: dict  # the action's view arguments, resolved in this world

    @property
    def ok(self) -> bool:
        return 300 <= self.status < 400

    @property
    def user(self) -> User | None:
        return self.world.users.get(self.role)

    def new(self, model) -> list:
        return db.session.scalars(
            select(model).where(model.id > self.before[model]).order_by(model.id)
        ).all()

    def text(self, name: str) -> str:
        """A stripped text field, as the forms' strip filter leaves it."""
        return (self.sent.get(name) or "").strip()


def expect_one_if_ok(out: Outcome, model):
    rows = out.new(model)
    if not out.ok:
        assert rows == [], f"a refused request stored {rows}"
        return None
    assert len(rows) == 1, f"expected one new {model.__name__}, found {rows}"
    return rows[0]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def displayed_pseudonym(sent: str) -> str:
    """Pseudonyms are stored NFKC-normalised with runs of whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", sent).split())


def check_register(out: Outcome):
    """Registering stores an account, or (with a mailed link) nothing yet: then the link
    carries the pseudonym and the address, normalised."""
    users = out.new(User)
    if not out.ok:
        assert users == []
        return
    email = out.text("email").lower()
    if users:
        assert [(u.pseudonym, u.email) for u in users] == [
            (displayed_pseudonym(out.sent["pseudonym"]), email)
        ]
        return
    mailbox = out.app.extensions["deliberate.mail"].outbox
    mails = [m for m in mailbox[out.mail_before :] if m["To"] == email]
    assert len(mails) == 1, f"expected one mail to {email!r}, found {len(mails)}"
    reader = getattr(account_services, "read_registration", None)
    for link in LINK.findall(mails[0].get_body(("plain",)).get_content()):
        token = dict(parse_qsl(urlsplit(link).query)).get("token")
        if token and reader:
            with out.app.test_request_context():
                carried = reader(token)
            assert carried["pseudonym"] == displayed_pseudonym(out.sent["pseudonym"])
            assert carried["email"] == email


def check_confirm_registration(out: Outcome):
    user = expect_one_if_ok(out, User)
    if user is not None:
        assert user.pseudonym == displayed_pseudonym(out.sent["pseudonym"])
        assert user.pseudonym_key == account_services.pseudonym_key(user.pseudonym)
        assert user.email.startswith("newcomer.")
        assert not user.is_admin


def check_new_debate(out: Outcome):
    debate = expect_one_if_ok(out, Debate)
    if debate is not None:
        assert debate.motion == out.text("motion")
        assert debate.background == out.text("background")
        assert debate.organiser_id == out.user.id
        assert re.fullmatch(r"[a-z0-9-]+", debate.slug)


def check_argument(out: Outcome):
    argument = expect_one_if_ok(out, Argument)
    if argument is not None:
        assert argument.body == out.text("body")
        assert argument.stance == Stance(out.sent["stance"])
        assert argument.author_id == out.user.id
        assert argument.parent_id == out.args.get("argument_id")
        assert argument.agree_count == argument.disagree_count == 0


def check_edit(out: Outcome):
    body = db.session.get(Argument, out.args["argument_id"]).body
    assert body == (out.text("body") if out.ok else out.pre)


def check_ground_rules(out: Outcome):
    texts = rule_texts(debate_of(out.args))
    assert texts == (lines(out.sent.get("lines", "")) if out.ok else out.pre)


def check_communities(out: Outcome):
    """The names as listed, once each; those left out but in use (declared, or represented
    by a mediator) are kept, after them."""
    debate = debate_of(out.args)
    names = community_names(debate)
    if not out.ok:
        assert names == out.pre
        return
    wanted = list(dict.fromkeys(lines(out.sent.get("lines", ""))))
    in_use = set(
        db.session.scalars(
            select(Community.name)
            .join(DebateRole, DebateRole.community_id == Community.id)
            .where(Community.debate_id == debate.id)
        )
    )
    assert names == wanted + [n for n in out.pre if n not in wanted and n in in_use]


def check_note(out: Outcome):
    note = expect_one_if_ok(out, MediatorNote)
    if note is not None:
        assert note.body == out.text("body")
        assert note.kind.value == out.sent.get("kind")


def check_freeze(out: Outcome):
    for note in out.new(MediatorNote):  # refusals redirect too: check what was stored, if any
        assert note.body == out.text("note")


def check_decide(out: Outcome):
    argument = db.session.get(Argument, out.args["argument_id"])
    reason = out.text("reason")
    for entry in out.new(LogEntry):
        if entry.argument_id == argument.id:
            assert entry.reason == reason or entry.reason.endswith(f" {reason}".rstrip())
    if argument.moderation_reason not in ("", out.pre):
        assert argument.moderation_reason == reason


def check_point(out: Outcome):
    """A point's kind, text and cited arguments. Editing starts from the point's own values,
    which a field left out of the request keeps (WTForms' data= defaults)."""
    from deliberate.agreements.forms import argument_ids

    if "point_id" in out.args:
        point = db.session.get(AgreementPoint, out.args["point_id"])
        if not out.ok:
            assert point_state(point) == out.pre
            return
        default = out.pre
    else:
        point = expect_one_if_ok(out, AgreementPoint)
        if point is None:
            return
        default = {"kind": None, "arguments": ""}
    assert point.text == out.text("text")
    assert point.kind.value == out.sent.get("kind", default["kind"])
    cited = out.sent.get("arguments", default["arguments"]).strip()
    assert {a.id for a in point.arguments} == set(argument_ids(cited))


def check_appeal(out: Outcome):
    appeal = expect_one_if_ok(out, Appeal)
    if appeal is not None:
        assert appeal.text == out.text("text")


def check_decide_appeal(out: Outcome):
    appeal = db.session.get(Appeal, out.args["appeal_id"])
    if appeal.decision_reason != out.pre:
        assert appeal.decision_reason == out.text("reason")


def check_sanction(out: Outcome):
    sanction = expect_one_if_ok(out, Sanction)
    if sanction is not None:
        assert sanction.reason == out.text("reason")
        assert sanction.kind.value == out.sent.get("kind")
        assert sanction.rule_number == int(out.sent.get("rule"))


def check_flag(out: Outcome):
    flag = expect_one_if_ok(out, Flag)
    if flag is not None:
        assert flag.note == out.text("note")
        assert flag.rule_number == int(out.sent.get("rule"))


def check_step_down(out: Outcome):
    for entry in out.new(LogEntry):
        if entry.action == "mediator_stepped_down":
            assert entry.reason == (out.sent.get("reason") or "")[:500]


def check_appoint(out: Outcome):
    role = expect_one_if_ok(out, DebateRole)
    if role is not None:
        key = account_services.pseudonym_key(out.text("pseudonym"))
        assert db.session.get(User, role.user_id).pseudonym_key == key


#: Endpoint -> check of the stored values. Endpoints not listed are checked for 500s only.
CHECKS = {
    "accounts.register": check_register,
    "accounts.confirm_registration": check_confirm_registration,
    "debates.new_debate": check_new_debate,
    "debates.new_argument": check_argument,
    "debates.reply": check_argument,
    "debates.edit_argument": check_edit,
    "moderation.ground_rules": check_ground_rules,
    "moderation.communities": check_communities,
    "moderation.note": check_note,
    "moderation.appoint": check_appoint,
    "moderation.step_down": check_step_down,
    "review.decide": check_decide,
    "review.freeze": check_freeze,
    "review.flag": check_flag,
    "review.appeal_argument": check_appeal,
    "review.appeal_sanction": check_appeal,
    "review.decide_appeal": check_decide_appeal,
    "review.sanction": check_sanction,
    "agreements.add_point": check_point,
    "agreements.edit_point": check_point,
}


def check_invariants(world: World):
    """Forged fields (is_admin=1, agree=999, user_id=...) changed nothing they name."""
    admins = db.session.scalars(
        select(User.id).where(User.id.in_([u.id for u in world.users.values()]), User.is_admin)
    ).all()
    assert admins == [world.users["admin"].id]
    counts = db.session.execute(
        select(func.max(Argument.agree_count), func.max(Argument.disagree_count)).where(
            Argument.debate_id == world.debate.id
        )
    ).one()
    assert all((c or 0) <= len(world.users) for c in counts)


def check_text_kept(app, out: Outcome, submission: Submission, fields, url, body: str):
    """A form refused with 400 comes back with what was typed in its text fields."""
    if out.status != 400 or submission.csrf != "valid":
        return "not-refused"
    target = match_url(app, urljoin("http://localhost", url), "POST")
    again = [
        form
        for form in parse_page(body).forms
        if (found := form_target(app, url, form)) and found[1:] == target
    ]
    typed = {
        name: value
        for name, value in out.sent.items()
        if name in fields and fields[name].kind in TEXTS and value.strip()
    }
    if not again:
        # Not shown again: text typed in a browser must not be lost that way.
        assert not (submission.browser and typed), (
            f"the form was refused (400) without being shown again: lost {short(typed)}"
        )
        return "refused-not-shown-again"
    shown = set().union(*(form.fields() for form in again))
    for name, value in typed.items():
        if name in shown:
            assert str(escape(value)) in body or str(escape(value.strip())) in body, (
                f"the refused form lost what was typed in {name!r}: {short(value)}"
            )
    return "refused-shown-again"


# --- the tests ------------------------------------------------------------------------------

STATS: dict = defaultdict(Counter)
CPU: dict = defaultdict(float)


def record(kind: str, status: int, *tags: str):
    STATS[kind][f"status {status}"] += 1
    for tag in tags:
        STATS[kind][tag] += 1


@pytest.fixture(autouse=True)
def factories(app, make_user, make_debate, join, make_argument):
    app.extensions["fuzz.factories"] = Factories(make_user, make_debate, join, make_argument)


@pytest.fixture(autouse=True)
def errors_only(app, caplog):
    """Capture errors only (after the app set its loggers up): a request logs one line."""
    caplog.set_level(logging.ERROR, logger="deliberate")
    caplog.set_level(logging.ERROR, logger="flask.app")


@pytest.fixture
def cpu(request):
    """CPU seconds spent per kind of test, for the summary (the budget is CI time)."""
    start = time.process_time()
    yield
    CPU[request.node.originalname] += time.process_time() - start


@pytest.fixture(scope="module", autouse=True)
def summary(report):
    """Report how many requests each kind of fuzzing sent, and what came back."""
    yield
    if STATS:
        report.extend(summary_lines())


def summary_lines() -> list[str]:
    lines = ["fuzzing summary (tests/test_fuzz.py):"]
    total = 0
    for kind, counter in sorted(STATS.items()):
        statuses = {k[7:]: v for k, v in counter.items() if k.startswith("status ")}
        total += sum(statuses.values())
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        lines.append(
            f"  {kind}: {sum(statuses.values())} requests ({shown})" if statuses else f"  {kind}:"
        )
        others = ", ".join(f"{k}: {v}" for k, v in sorted(counter.items()) if " " not in k)
        if others:
            lines.append(f"    {others}")
    lines.append(f"  requests fuzzed in all: {total}")
    if CPU:
        spent = ", ".join(f"{name}: {seconds:.0f}s" for name, seconds in sorted(CPU.items()))
        lines.append(f"  CPU time: {spent} (total {sum(CPU.values()):.0f}s)")
    return lines


def run_all(targets, run):
    """Run `run(target)` for each target; fail once at the end, listing every failure."""
    failures = []
    for target in targets:
        try:
            run(target)
        except Exception as error:  # noqa: BLE001 - reported below, with the target
            failures.append(f"--- {target}:\n{error}")
    if failures:
        pytest.fail(f"{len(failures)} target(s) failed:\n" + "\n".join(failures), pytrace=False)


# --- forms ------------------------------------------------------------------------------------

TEXT_EDGES = (
    "\x00",
    "A reasoned point\x00 with a NUL inside, long enough.",
    "\x00" * 12,
    "\u1100\u1161\u11a8",  # three conjoining jamo: NFKC makes them one syllable
    "\u1100\u1161\u11a8" * 5,
    "ﷺ" * 30,  # NFKC turns each into 18 characters
    "İ" * 60 + "@example.org",  # lower() makes each two characters
    "  \u3000\t\n \u00a0 ",
    "\u202eA reasoned point, long enough, right to left.\u202c",
    "<x-fuzz>markup</x-fuzz>, a reasoned point long enough",
    "e\u0301" * 1000,
    "A reasoned point, long enough. " * 70,
    "word " * 20_000,
)
OTHER_EDGES = ("", "99999999999999999999", "2147483648", "\x00", "²", "/\r\nSet-Cookie: x=1")


def base_value(control: Control, n: int) -> str:
    """What a browser sends for a control that the form should accept."""
    hint = HINTS.get(control.name, NO_HINT)
    if control.kind in CHOICES:
        return next(
            (o for o in control.options if o), control.options[0] if control.options else ""
        )
    if control.kind == "hidden":
        return control.value or ""
    if control.kind == "number" or hint.integer:
        low, high = int_attr(control, "min"), int_attr(control, "max")
        for hint_low, hint_high in hint.ranges:
            low = hint_low if low is None else low
            high = hint_high if high is None else high
        value = max(low or 0, 5)
        return str(min(value, high) if high is not None else value)
    if control.kind.startswith("datetime"):
        return "2031-06-01T10:00"
    if control.kind == "email" or hint.email:
        return f"edge.{n}@example.org"
    if control.kind == "password":
        return PASSWORD
    if hint.patterns:
        return f"Edge Person {n}"
    low, high = length_bounds(control)
    if not low and "required" not in control.attrs:
        return ""
    return fill("", "A reasoned point, long enough for the form", "", low, high, False)


class FormRun:
    """One endpoint's form: fetch it in the current world, submit, check everything."""

    def __init__(self, app, caplog, endpoint, sites):
        self.app, self.caplog, self.endpoint, self.sites = app, caplog, endpoint, sites
        self.shapes: dict = {}  # site -> shape of its forms in a new world

    def forms_on(self, world, site, where, html, args) -> list:
        return [
            (form, found[0])
            for form in parse_page(html).forms
            if (found := form_target(self.app, where, form)) and found[1:] == (self.endpoint, args)
        ]

    @staticmethod
    def shape(forms) -> tuple:
        """What the drawing of a submission depends on: the forms and their fields' options."""
        return tuple(
            tuple((c.name, c.kind, len(c.options)) for c in form.fields().values())
            for form, _url in forms
        )

    def open(self, site: Site):
        """(world, action arguments, matching forms, CSRF token) in a usable world: the one
        the last example left if it may be reused, a new one otherwise."""
        shared = stage(self.app)
        if id(site) not in self.shapes:
            shared.spoil()  # a site's first example: a new world, to learn the form's shape
        world = shared.world_for()
        shared.spoil()  # until this example ends in a refusal, or leaves the form as it was
        where = page_url(self.app, world, site.page)
        status, _mimetype, html = fetch(self.app, world, site.role, where)
        assert status == 200, f"{site.role} no longer sees {where}"
        args = resolve(world, site.action, self.app)
        forms = self.forms_on(world, site, where, html, args)
        assert forms, f"the form for {self.endpoint} is gone from {where} for {site.role}"
        self.shapes.setdefault(id(site), self.shape(forms))
        return world, args, forms, csrf_in(html)

    def submit(self, site, world, args, form, url, submission, kind: str):
        """Send, and check. A world the request changed is kept for the next example only if
        the page still offers the form in the same shape (the checks compare with the state
        before each request, not with a new world's); otherwise the next starts afresh."""
        app = self.app
        before = highest_ids() if self.endpoint in CHECKS else {}
        snapshot = SNAPSHOTS.get(self.endpoint)
        pre = snapshot(args) if snapshot else None
        mailbox = app.extensions.get("deliberate.mail")
        mail_before = len(getattr(mailbox, "outbox", ()))
        self.caplog.clear()
        response = send(client_for(app, world, site.role), url, submission)
        body = response.get_data(as_text=True)
        response.close()
        what = f"POST {url} as {site.role} ({submission.mode}, {submission.encoding}): "
        what += short(submission.body if submission.body else submission.pairs, 1500)
        assert_served(response, body, self.caplog, what)
        received = submission.received()
        status = response.status_code
        out = Outcome(app, mail_before, pre, world, site.role, received, status, before, args)
        try:
            kept = check_text_kept(app, out, submission, form.fields(), url, body)
            if self.endpoint in CHECKS:
                CHECKS[self.endpoint](out)
            check_invariants(world)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{what}\n-> {status} {short(body, 400)}") from None
        record(kind, status, kept)
        if 400 <= status < 500:
            stage(app).world = world  # refused, nothing stored: the next one may reuse it
        elif self.still_offered(site, world, args):
            stage(app).world = world

    def still_offered(self, site, world, args) -> bool:
        """Whether the page still offers the form as a new world would (same fields, same
        number of options): then what the next example draws does not depend on the world."""
        where = page_url(self.app, world, site.page)
        world.pages.pop((site.role, where), None)
        status, _mimetype, html = fetch(self.app, world, site.role, where)
        forms = self.forms_on(world, site, where, html, args) if status == 200 else []
        return bool(forms) and self.shape(forms) == self.shapes.get(id(site))

    def sweep(self):
        """Every edge value in every field, the other fields as a browser fills them (on the
        first page that offers the form; Hypothesis visits the others)."""
        for site in self.sites[:1]:
            world, args, forms, token = self.open(site)
            form, _url = forms[0]
            fields = [c for c in form.fields().values() if c.name != "csrf_token"]
            trials = [
                (field.name, value)
                for field in fields
                for value in (TEXT_EDGES if field.kind in TEXTS | {"password"} else OTHER_EDGES)
            ]
            trials += [("*extra*", "99999999999999999999"), ("*extra*", "\x00")]
            for name, value in trials:
                world, args, forms, token = self.open(site)
                form, url = forms[0]
                now = [c for c in form.fields().values() if c.name != "csrf_token"]
                n = next(_tags)
                pairs = [("csrf_token", token)]
                pairs += [(c.name, base_value(c, n)) for c in now if c.name != name]
                if name == "*extra*":
                    pairs += [(extra, value) for extra in EXTRA_NAMES if extra not in form.fields()]
                else:
                    pairs.append((name, value))
                submission = Submission(pairs, "edge", "urlencoded", "valid", {})
                novalidate = "novalidate" in form.attrs
                submission.browser = constraints_hold(form.fields(), pairs, novalidate)
                self.submit(site, world, args, form, url, submission, "POST edge values")

    def explore(self, examples: int):
        """Hypothesis: browsers with odd text, and forgers with anything."""

        @fuzz_settings(examples)
        @given(data=st.data())
        def example(data):
            site = data.draw(st.sampled_from(self.sites), label="site")
            world, args, forms, token = self.open(site)
            form, url = data.draw(st.sampled_from(forms), label="form")
            fields = form.fields()
            submission = draw_submission(data, fields, token, "novalidate" in form.attrs)
            self.submit(site, world, args, form, url, submission, "POST random")
            STATS["POST random"]["browser-like"] += submission.browser

        example()

    def blind(self, examples: int):
        """An endpoint no page offers a form for: any role, the fields of every form class."""
        rule = next(r for r, e, m in RULES if e == self.endpoint and "POST" in m)
        app, caplog = self.app, self.caplog

        @fuzz_settings(examples)
        @given(data=st.data())
        def example(data):
            world = stage(app).world_for()
            stage(app).spoil()  # until this example is refused (4xx)
            role = data.draw(st.sampled_from(ROLES), label="role")
            client = client_for(app, world, role)
            url = fill_path(rule, world, data, valid_only=True)
            names = data.draw(st.lists(st.sampled_from(EXTRA_NAMES), max_size=6, unique=True))
            pairs = [("csrf_token", client.fuzz_token)]
            pairs += [(n, data.draw(any_value(None), label=n)) for n in names]
            caplog.clear()
            response = client.post(url, data=MultiDict(pairs))
            body = response.get_data(as_text=True)
            response.close()
            assert_served(response, body, caplog, f"POST {url} as {role}: {short(pairs, 1500)}")
            check_invariants(world)
            record("POST blind (no form on any page)", response.status_code, self.endpoint)
            if 400 <= response.status_code < 500:
                stage(app).world = world

        example()


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_posted_forms(app, caplog, cpu, endpoint):
    """Every POST endpoint through the form a page offers for it: first every edge value in
    every field, then Hypothesis. An endpoint no page offers a form for is fuzzed blind."""
    sites = discover(app).forms.get(endpoint)
    run = FormRun(app, caplog, endpoint, sites)
    if not sites:
        run.blind(8)
        return
    run.sweep()
    run.explore(8)


# --- query strings, paths, the API ------------------------------------------------------------


def query_value(name: str) -> st.SearchStrategy[str]:
    known = {
        "sort": st.sampled_from(["best", "new", "discussed", "BEST", "best\x00"]),
        "lang": st.sampled_from(["en", "fr", "EN", "xx", "fr\x00", "../en"]),
        "after_at": st.one_of(st.sampled_from(ODD_DATETIMES), st.datetimes().map(str)),
    }
    return st.one_of(known.get(name, st.nothing()), number_text(), chaos_text())


QUERY_EDGES = ("2147483648", "99999999999999999999", "²", "\x00", "a" * 5000, "/\r\nX: y")


def query_names_of(endpoint: str) -> list[str]:
    """The names this endpoint's module reads, and those its links and GET forms use."""
    modules = (VIEW_MODULES.get(endpoint, ""), *SHARED_MODULES)
    names = set().union(*(READS_BY_MODULE.get(m, {}).get("args", set()) for m in modules))
    return sorted(names | discover.found.query_names.get(endpoint, set()))


def get(app, caplog, world, role, url, kind):
    caplog.clear()
    response = client_for(app, world, role).get(url)
    textual = response.mimetype.startswith(("text/", "application/json"))
    body = response.get_data(as_text=True) if textual else ""
    response.close()
    assert_served(response, body, caplog, f"GET {url} as {role}")
    record(kind, response.status_code)


def test_query_parameters(app, caplog, cpu):
    """Every GET route with query parameters: each name its code reads set to each edge value,
    then Hypothesis with any names and values, as someone who may open the page."""
    found = discover(app)
    world = stage(app).world_for()

    def run(rule):
        endpoint = ENDPOINT_OF[rule]
        seen = found.pages.get(rule) or [("anonymous", None)]

        def path(page, data=None):
            if page is not None:
                return page_url(app, world, page)
            return fill_path(rule, world, data, valid_only=True) if data else None

        role, page = seen[-1]  # the most privileged who may open it
        if page is not None:
            base = path(page)
            glue = "&" if "?" in base else "?"
            for name in query_names_of(endpoint):
                for value in QUERY_EDGES:
                    url = f"{base}{glue}{urlencode([(name, value)], quote_via=quote)}"
                    get(app, caplog, world, role, url, "GET edge values")

        @fuzz_settings(6)
        @given(data=st.data())
        def example(data):
            role, page = data.draw(st.sampled_from(seen), label="page")
            base = path(page, data) if page else fill_path(rule, world, data, valid_only=True)
            names = sorted(set(QUERY_NAMES) | set(query_names_of(endpoint)))
            keys = data.draw(
                st.lists(st.one_of(st.sampled_from(names), st.text(max_size=8)), max_size=5)
            )
            params = [(k, data.draw(query_value(k), label=k)) for k in keys]
            junk = data.draw(st.sampled_from(["", "", "&%ff%fe", "&%zz", "&&=", "&next=%0d%0a"]))
            glue = "&" if "?" in base else "?"
            url = f"{base}{glue}{urlencode(params, quote_via=quote)}{junk}"
            get(app, caplog, world, role, url, "GET random")

        example()

    run_all(GET_RULES, run)


PATH_EDGES = (
    "0",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "١٢",
    "\x00",
    "a\x00b",
    "é",
    "a" * 3000,
    "%",
)
PATH_VALUES = st.one_of(
    st.sampled_from(
        [*PATH_EDGES, "1", "007", "-1", "1.5", "..", ".", "1" * 400, "../../../etc/passwd"]
    ),
    st.text(min_size=1, max_size=40),
    chaos_text(),
)


def fill_path(rule: str, world: World, data=None, valid_only=False, fixed=None) -> str:
    """The rule with each parameter a world object's id or slug, `fixed` values, or (drawn)
    anything at all."""

    def value(match):
        name = match[1]
        known = sorted(map(str, world.refs.get(name, {}).values()))
        if fixed and name in fixed:
            return quote(fixed[name], safe="")
        if data is None or valid_only:
            chosen = data.draw(st.sampled_from(known or ["1"]), label=name) if data else None
            return quote(chosen or (known or ["1"])[0], safe="")
        strategy = st.one_of(st.sampled_from(known), PATH_VALUES) if known else PATH_VALUES
        return quote(data.draw(strategy, label=name), safe="")

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule)


def roles_for(rule: str) -> list[str]:
    """Who may use a route: those who opened it (GET) or were shown its form (POST)."""
    found = discover.found
    endpoint = ENDPOINT_OF[rule]
    roles = [role for role, _page in found.pages.get(rule, [])]
    roles += [site.role for site in found.forms.get(endpoint, [])]
    return list(dict.fromkeys(roles)) or ["organiser", "mediator", "participant"]


def test_path_parameters(app, caplog, cpu):
    """Slugs, ids, tokens and names in URLs: each parameter set to each edge value (the others
    valid), then Hypothesis: huge, negative, unicode, NUL, very long."""
    discover(app)
    world = stage(app).world_for()

    def call(method, url, role, kind):
        client = client_for(app, world, role)
        caplog.clear()
        response = client.open(url, method=method, data={"csrf_token": client.fuzz_token})
        textual = response.mimetype.startswith(("text/", "application/json"))
        body = response.get_data(as_text=True) if textual else ""
        response.close()
        assert_served(response, body, caplog, f"{method} {url} as {role}")
        record(kind, response.status_code)

    def run(rule):
        roles = roles_for(rule)
        for name in re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule):
            for value in PATH_EDGES:
                url = fill_path(rule, world, fixed={name: value})
                for method in METHODS_OF[rule]:
                    call(method, url, roles[-1], "path edge values")

        @fuzz_settings(5)
        @given(data=st.data())
        def example(data):
            role = data.draw(st.sampled_from(roles + ["anonymous"]), label="role")
            method = data.draw(st.sampled_from(METHODS_OF[rule]), label="method")
            call(method, fill_path(rule, world, data), role, "path random")

        example()

    run_all(PATH_RULES, run)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(NASTY),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def test_api_routes(app, caplog, cpu):
    """The JSON API: any method, any body (wrong types, broken JSON), any parameters: always
    an answer in JSON, never a 500. (Today the API only reads; a route that takes input gets
    the same treatment.)"""
    world = stage(app).world_for()
    discover(app)

    def run(rule):
        @fuzz_settings(15)
        @given(data=st.data())
        def example(data):
            role = data.draw(st.sampled_from(ROLES), label="role")
            methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            method = data.draw(st.sampled_from(methods), label="method")
            url = fill_path(rule, world, data)
            names = st.sampled_from(
                sorted(set(QUERY_NAMES) | set(query_names_of(ENDPOINT_OF[rule])))
            )
            params = data.draw(st.lists(st.tuples(names, number_text()), max_size=3))
            if params:
                url += "?" + urlencode(params, quote_via=quote)
            kind = data.draw(st.sampled_from(["json", "broken json", "form", "none"]))
            kwargs = {}
            if kind == "json":
                value = data.draw(JSON_VALUES, label="json")
                kwargs = {"data": json.dumps(value), "content_type": "application/json"}
            elif kind == "broken json":
                raw = data.draw(st.sampled_from([b"{", b'{"a": }', b"\xff\xfe", b"[1,", b"\x00"]))
                kwargs = {"data": raw, "content_type": "application/json"}
            elif kind == "form":
                kwargs = {"data": {"slug": data.draw(chaos_text(), label="form value")}}
            caplog.clear()
            response = client_for(app, world, role).open(url, method=method, **kwargs)
            body = response.get_data(as_text=True)
            response.close()
            what = f"{method} {url} as {role}, {kind}: {short(kwargs)}"
            assert_served(response, body, caplog, what)
            assert response.mimetype == "application/json", f"{what}: {body[:200]}"
            json.loads(body)
            record("API", response.status_code)

        example()

    run_all(API_RULES, run)


def test_every_form_is_a_target(app, cpu):
    """The crawler finds the app's forms (the core ones must be there); POST endpoints no page
    offers a form for are fuzzed blind. Counted for the summary."""
    found = discover(app)
    covered = {e: s for e, s in found.forms.items() if e in POST_ENDPOINTS}
    blind = sorted(set(POST_ENDPOINTS) - set(covered))
    targets = STATS["targets"]
    targets["post-endpoints"] = len(POST_ENDPOINTS)
    targets["post-endpoints-through-forms"] = len(covered)
    targets["form-sites"] = sum(len(s) for s in covered.values())
    targets["form-fields"] = sum(len(site.fields) for s in covered.values() for site in s)
    targets["get-rules"] = len(GET_RULES)
    targets["path-rules"] = len(PATH_RULES)
    targets["api-rules"] = len(API_RULES)
    targets["pages-crawled"] = found.requests
    for endpoint in blind:
        targets[f"blind:{endpoint}"] = 1
    core = {"debates.new_argument", "debates.reply", "debates.edit_argument", "moderation.note"}
    assert core <= set(covered), f"the crawler missed {core - set(covered)}"
