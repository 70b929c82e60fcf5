"""Stored XSS, proven absent in a real browser (issue 6, item 5).

tests/data/xss_payloads.txt holds over two hundred payloads, written by us in the style of the
OWASP XSS Filter Evasion Cheat Sheet. The browser test stores each of them, through the app's
own services, in every place that shows user text: argument bodies, replies and the history
of an edited argument, statements on an open question, pseudonyms, motions and backgrounds,
ground rules, community names, mediator notes, the reasons of hides, warnings and removals,
flag notes, appeals and the points of an agreement. What a validator or the database refuses
is counted, never cut to fit. Then headless Chromium opens the pages that show them: under
the app's Content-Security-Policy, where an injected script would be blocked and reported
on the console; and, for every page showing many payloads, once more with the policy
bypassed, where an injected script would run and call a marker (alert/confirm/prompt,
caught by a dialog listener, or window.__xss=1).

On every page: no dialog opened, window.__xss is undefined, no CSP violation, no request to
another site, no element with an on* or style attribute, no javascript:/vbscript:/data: URL,
no script but ours, no iframe/object/embed/base/meta refresh, and every link is http, https,
mailto or relative (but the two-step set-up page's otpauth: link to the phone's app). The plain-text places are checked to show their payloads, as text, and
the lists to hold as many items as were stored. Before any of it, the same checks must catch
a page that does hold an XSS.

A fast test runs the whole corpus through the Markdown renderer, without a browser.
"""

import html
import math
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from itertools import cycle
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from deliberate.accounts import services as accounts
from deliberate.accounts.forms import PSEUDONYM_PATTERN
from deliberate.agreements import services as agreements
from deliberate.agreements.models import PointKind
from deliberate.debates import services as debates
from deliberate.errors import InvalidInput
from deliberate.extensions import db
from deliberate.headers import CONTENT_SECURITY_POLICY
from deliberate.markup import render_markdown
from deliberate.models import (
    BODY_MAX,
    MOTION_MAX,
    PSEUDONYM_MAX,
    Debate,
    DebateFormat,
    Phase,
    Position,
    Stance,
)
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import COMMUNITY_NAME_MAX, NOTE_MAX, RULE_MAX, NoteKind, Role
from deliberate.moderation.models import SanctionKind as Sanction

from .conftest import PASSWORD, base_config
from .test_e2e import CHROMIUM_ARGS, DROPPED_DOWNLOAD, chromium_path, shown, watch_csp

pytestmark = pytest.mark.filterwarnings(DROPPED_DOWNLOAD)

CORPUS = Path(__file__).parent / "data" / "xss_payloads.txt"
SECRET_KEY = base_config("")["SECRET_KEY"]

# --- the corpus ------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\"}


def _unescape(text: str) -> str:
    def one(match):
        if match[1] or match[2]:
            return chr(int(match[1] or match[2], 16))
        if match[3] in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[match[3]]
        raise ValueError(f"unknown escape \\{match[3]} in {text!r}")

    return _ESCAPE.sub(one, text)


def load_payloads() -> list[str]:
    """One payload a line; "# " lines are comments; "esc:" lines are unescaped first."""
    payloads = []
    for line in CORPUS.read_text(encoding="utf-8").removesuffix("\n").split("\n"):
        if not line or line == "#" or line.startswith("# "):
            continue
        payloads.append(_unescape(line.removeprefix("esc:")) if line.startswith("esc:") else line)
    return payloads


PAYLOADS = load_payloads()
CONTROLS = [p for p in PAYLOADS if "alert" not in p and "__xss" not in p and "confirm" not in p]


def test_the_corpus_is_large_varied_and_uses_markers():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS), "duplicate payloads"
    text = "\n".join(PAYLOADS).lower()
    for needle in (
        "<script",
        "onerror=",
        "onload=",
        "ontoggle=",
        "onfocus=",
        "javascript:",
        "vbscript:",
        "data:text/html",
        "xlink:href",
        "](javascript:",
        "<javascript:",
        "&#106;avascript:",
        "{{7*7}}",
        "${7*7}",
        "{% raw %}",
        "expression(",
        "@import",
        "http-equiv",
        "<base",
        "＜script＞",
        "\u202e",
        "java\u200bscript:",
        "\0",
        "javascript:/*-/*`/*\\`/*'/*\"/**/",
        "window.__xss=1",
        "confirm(1)",
        "prompt(1)",
    ):
        assert needle.lower() in text, needle


# --- the Markdown renderer, without a browser ------------------------------------------------

#: Tags the renderer must never let through, whatever else it allows.
DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
    "base", "meta", "link", "form", "input", "button", "select", "textarea", "option", "svg",
    "math", "template", "noscript", "noembed", "xmp", "plaintext", "video", "audio", "source",
    "details", "marquee", "body", "html", "head", "title", "isindex", "keygen", "animate", "set",
    "use", "image", "foreignobject",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "xlink:href", "action", "formaction", "data", "srcset", "poster",
    "background", "ping", "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "to", "values",
}  # fmt: skip
SAFE_SCHEMES = {None, "http", "https", "mailto"}


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads in a URL attribute value (entities already decoded): it
    trims C0 controls and spaces at both ends and drops tabs and newlines anywhere."""
    value = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", value)
    return match[1].lower() if match else None


class _Elements(HTMLParser):
    """Every start tag of a fragment, attribute values decoded (html.unescape) as a browser
    decodes them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def markup_problems(fragment: str) -> list[str]:
    problems = []
    if re.search(r"<\s*script", fragment, re.IGNORECASE):
        problems.append("a <script> tag")
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    for tag, attributes in parser.found:
        if tag in DANGEROUS_TAGS:
            problems.append(f"a <{tag}> element")
        for name, value in attributes:
            value = value or ""
            if re.fullmatch(r"on\w+", name) or name in ("style", "srcdoc"):
                problems.append(f"<{tag} {name}=...>")
            # The parser decoded the value once, as a browser does; decoding it once more
            # is stricter than a browser (a double-encoded scheme counts too).
            elif name in URL_ATTRIBUTES and url_scheme(html.unescape(value)) not in SAFE_SCHEMES:
                problems.append(f"<{tag} {name}={value!r}>")
    return problems


def test_the_renderer_neutralises_the_whole_corpus():
    failures = {}
    for payload in PAYLOADS:
        rendered = str(render_markdown(payload))
        problems = markup_problems(rendered)
        # Also as one would read it in the raw output, entities decoded: no live scheme in a
        # quoted href/src of a real tag (escaped text has no real tag: it has no "<").
        for tag in re.findall(r"<[a-z][^<>]*>", rendered, re.IGNORECASE):
            decoded = html.unescape(tag)
            if re.search(
                r"\s(?:href|src)\s*=\s*[\"']?\s*(?:javascript|vbscript|data):", decoded, re.I
            ):
                problems.append(f"live URL in {tag}")
        if problems:
            failures[payload] = (problems, rendered)
    assert failures == {}
    # The renderer still does its job: safe links and emphasis survive.
    controls = "".join(str(render_markdown(p)) for p in CONTROLS)
    assert '<a href="https://example.org/path?q=1"' in controls
    assert '<a href="https://example.org/autolink"' in controls
    assert '<a href="mailto:someone@example.org"' in controls
    assert "<strong>bold</strong>" in controls


# --- storing the corpus through the services -------------------------------------------------


@dataclass
class Stored:
    """What was stored where, and the pages to open (by who opens them)."""

    stored: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    refusals: dict = field(default_factory=lambda: defaultdict(Counter))
    #: who (an email, or None for a visitor) -> list of (url, group, once, expect)
    visits: dict = field(default_factory=lambda: defaultdict(list))
    #: group -> plain texts that must show, as text, somewhere on the group's pages
    expected: dict = field(default_factory=lambda: defaultdict(set))
    #: group -> the selector of the link to its next page (moderation log, queue)
    paginated: dict = field(default_factory=dict)
    pseudonyms_form_would_refuse: int = 0

    def refuse(self, place: str, why: str) -> None:
        self.refused[place] += 1
        self.refusals[place][why] += 1


def plain(text: str) -> str:
    """Text as a page's textContent shows it: NULs gone, whitespace collapsed."""
    return " ".join(text.replace("\0", "").replace("\ufffd", "").split())


class Store:
    """Writes the corpus through the services, as the views would, and counts what each
    place stores and refuses."""

    def __init__(self):
        self.st = Stored()
        self.emails = iter(f"xss{n}@example.org" for n in range(1, 10**6))
        self._standing = {}

    # Validation: the form's (or the service's) length rule first; texts are never cut.
    def fits(self, place: str, text: str, low: int, high: int) -> bool:
        if not text.strip():
            why = "empty"
        elif len(text) < low:
            why = f"shorter than {low}"
        elif len(text) > high:
            why = f"longer than {high}"
        elif "\0" in text and db.engine.dialect.name == "postgresql":
            why = "NUL (PostgreSQL text cannot hold it)"
        else:
            return True
        self.st.refuse(place, why)
        return False

    def candidates(self, place: str, low: int, high: int) -> list[str]:
        """The payloads a place's form lets through, stripped as the form strips them."""
        return [p.strip() for p in PAYLOADS if self.fits(place, p.strip(), low, high)]

    def attempt(self, place: str, action, *args, keep=True, quiet=False):
        """Store through a service, in a savepoint; what the service or the database
        refuses (a CHECK constraint, say) is counted as refused. keep=False only probes."""
        try:
            with db.session.begin_nested() as savepoint:
                result = action(*args)
                db.session.flush()
                if not keep:
                    savepoint.rollback()
        except (InvalidInput, IntegrityError) as error:
            if not quiet:
                why = f"database: {error.orig}" if isinstance(error, IntegrityError) else error
                self.st.refuse(place, str(why))
            return None
        if keep:
            self.st.stored[place] += 1
        return result if keep else True

    def accepted(self, place: str, setter, texts: list[str]) -> list[str]:
        """The texts a service that takes a whole list (ground rules, communities) accepts:
        the list is tried, and a refused list is halved until each refused text is alone."""
        if not texts or self.attempt(place, setter, texts, keep=False, quiet=len(texts) > 1):
            return texts
        if len(texts) == 1:
            return []
        half = len(texts) // 2
        return self.accepted(place, setter, texts[:half]) + self.accepted(
            place, setter, texts[half:]
        )

    # People, debates, standings.
    def user(self, pseudonym: str):
        return accounts.register_user(pseudonym, next(self.emails), PASSWORD)

    def who(self, user, debate, fresh=False):
        key = (user.id, debate.id)
        if fresh or key not in self._standing:
            self._standing[key] = debates.standing(user, debate)
        return self._standing[key]

    def join(self, user, debate, community_id=None):
        who = self.who(user, debate)
        if who.participant is not None:
            return who
        position = None if debate.is_question else Position.UNDECIDED
        debates.join_debate(who, debate, position, community_id)
        return self.who(user, debate, fresh=True)

    def debate(self, organiser, motion, background="", *, format=DebateFormat.MOTION, open=True):
        debate = debates.start_debate(organiser, motion, background, format=format)
        if open:
            moderation.change_phase(self.who(organiser, debate, fresh=True), debate, Phase.OPEN)
        return debate

    def visit(self, who, url, group=None, texts=(), *, once=False, expect=None):
        """A page to open, by `who` (an email; None: a visitor). Pages that show one or
        two payloads are opened `once`, under the CSP; the others in both modes.
        `expect`: (a CSS selector, how many elements it must at least match)."""
        self.st.visits[who].append((url, group, once, expect))
        if group:
            self.st.expected[group].update(plain(t) for t in texts if plain(t))


def store_everything() -> Stored:
    s = Store()
    st = s.st

    # People with a plain name, who log in to see their own pages.
    organiser = s.user("Organiser Olu")
    author = s.user("Author Ama")
    voter = s.user("Voter Vic")
    mediator = s.user("Mediator One")
    second = s.user("Mediator Two")
    flagger = s.user("Flagger Fay")
    endorsers = [s.user(f"Endorser {n}") for n in range(10)]

    # Pseudonyms: the registration form takes 3 to 40 characters; longer ones are skipped,
    # never cut. The service is called directly (as an import or the API could), so the
    # form's character pattern does not stop them; how many it would refuse is counted.
    people = []
    for payload in PAYLOADS:
        normalised = " ".join(unicodedata.normalize("NFKC", payload).split())
        if not (
            s.fits("pseudonym", payload, 3, PSEUDONYM_MAX)
            and s.fits("pseudonym", normalised, 3, PSEUDONYM_MAX)
        ):
            continue
        person = s.attempt("pseudonym", s.user, payload)
        if person is not None:
            people.append(person)
            st.pseudonyms_form_would_refuse += not re.match(PSEUDONYM_PATTERN, payload)
    assert len(people) >= 20
    pseudonyms = [p.pseudonym for p in people]
    authors = cycle(people)

    # Motions (10 to 300 characters) and backgrounds (up to 10,000): a debate each,
    # organised in turn by the people with payload pseudonyms. Debates with a plain motion
    # (for the backgrounds left over) come first: the home page lists the newest 200.
    motions = s.candidates("debate motion", 10, MOTION_MAX)
    backgrounds = s.candidates("debate background", 1, 10_000)
    payload_debates, plain_debates = [], []

    def plain_debate(n, background):
        plain_motion = f"Plain motion number {n} of the corpus?"
        plain_debates.append(s.debate(next(authors), plain_motion, background))
        st.stored["debate background"] += bool(background)

    for n in range(len(motions), len(backgrounds)):
        plain_debate(n, backgrounds[n])
    for n, motion in enumerate(motions):
        background = backgrounds[n] if n < len(backgrounds) else ""
        debate = s.attempt("debate motion", s.debate, next(authors), motion, background)
        if debate is None:
            plain_debate(n, background)
        else:
            payload_debates.append(debate)
            st.stored["debate background"] += bool(background)
    # The home page lists the newest 200 (the open question and the moderated debate
    # will take two of those places).
    newest = db.session.scalars(
        db.select(Debate).where(Debate.phase != Phase.DRAFT).order_by(Debate.created_at.desc())
    ).all()[:197]
    listed = [d for d in payload_debates if d in newest]
    home_texts = [d.motion for d in listed] + [d.organiser.pseudonym for d in listed]
    s.visit(None, "/", "home", home_texts, expect=("li.debate-card", 200))

    # Argument bodies (10 to 2,000 characters): 25 a side per debate, so that each is on the
    # first page of its debate whatever the order. The author's account page lists them,
    # the voter's lists its votes. Each gets a reply by someone with a payload pseudonym.
    per_debate = 50
    bodies, top_level = [], []
    debate_of = iter(payload_debates)
    debate = None
    for n, body in enumerate(s.candidates("argument body", 10, BODY_MAX)):
        debate = debate if top_level and len(top_level) % per_debate else next(debate_of)
        stance = Stance.PRO if n % 2 else Stance.CON
        writer = s.join(author, debate)
        s.join(voter, debate)
        argument = s.attempt("argument body", debates.post_argument, writer, debate, stance, body)
        if argument is not None:
            bodies.append(body)
            top_level.append(argument)
            debates.cast_vote(s.who(voter, debate), argument, 1 if n % 3 else -1)
    argument_debates = list(dict.fromkeys(a.debate for a in top_level))
    for n, (parent, body) in enumerate(zip(top_level, bodies, strict=True)):
        replier = s.join(people[n % len(people)], parent.debate)
        stance = Stance.CON if n % 2 else Stance.PRO
        s.attempt("reply", debates.post_argument, replier, parent.debate, stance, body, parent)

    # One argument edited once per payload: its history shows every earlier text.
    history_debate = argument_debates[0]
    edited = debates.post_argument(
        s.who(author, history_debate), history_debate, Stance.PRO, "The first, plain version."
    )
    for body in bodies:
        writer = s.who(author, history_debate)
        s.attempt("argument revision (history)", debates.edit_argument, writer, edited, body)

    # Statements on an open question (no side), each with a vote, for its report too.
    question = s.debate(
        organiser, "What should the corpus of payloads teach us?", format=DebateFormat.QUESTION
    )
    writer, reader = s.join(author, question), s.join(voter, question)
    statements = []
    for body in bodies[:30]:
        statement = s.attempt(
            "open-question statement", debates.post_argument, writer, question, None, body
        )
        if statement is not None:
            debates.cast_vote(reader, statement, 1)
            statements.append(statement)

    # Every debate's page (sorted every way where there are arguments), every argument's
    # own page, the reports, the history; the author's and the voter's account pages.
    per_debate_count = Counter(a.debate for a in top_level)
    for debate in plain_debates + payload_debates:
        if debate in argument_debates:
            for sort in ("best", "new", "discussed"):
                count = per_debate_count[debate]
                cards = ("article.arg", 2 * count)  # with the replies
                # n: every argument of the debate on one page (it lists 5 a side at first).
                s.visit(None, f"/d/{debate.slug}?sort={sort}&n={count}", expect=cards)
            s.visit(None, f"/d/{debate.slug}/report")
        else:
            s.visit(None, f"/d/{debate.slug}", once=True)  # a motion and a background
    for sort in ("best", "new", "discussed"):
        s.visit(
            None,
            f"/d/{question.slug}?sort={sort}&n={len(statements)}",
            expect=("article.arg", len(statements)),
        )
    s.visit(None, f"/d/{question.slug}/report")
    # An argument's own page shows what its debate's page shows, plus its text in the
    # page title: every tenth one, and a few statements.
    for argument in top_level[::10] + statements[:5]:
        s.visit(None, f"/d/{argument.debate.slug}/a/{argument.id}", once=True)
    history = f"/d/{history_debate.slug}/a/{edited.id}/history"
    s.visit(None, history, "history", bodies[:-1], expect=("section.revision", len(bodies) + 1))
    s.visit(author.email, "/account", "author account", [d.motion for d in argument_debates])
    s.visit(voter.email, "/account", expect=(".summary-row", min(200, len(top_level))))
    # The pages about one argument that quote it: edit, delete, reply.
    sample = top_level[1]
    s.visit(author.email, f"/d/{sample.debate.slug}/a/{sample.id}/edit", once=True)
    s.visit(author.email, f"/d/{sample.debate.slug}/a/{sample.id}/delete", once=True)
    s.visit(people[0].email, f"/d/{sample.debate.slug}/a/{sample.id}/reply", once=True)
    s.visit(author.email, "/inbox")  # the replies to the author's arguments

    # --- ground rules: a debate of their own, so that the moderated debate's forms (a
    # choice of rule in each) stay small. They are set as one list, while the debate is a
    # draft (see Store.accepted for the ones refused).
    ruled = s.debate(organiser, "Which ground rules can a debate hold?", open=False)
    boss = s.who(organiser, ruled, fresh=True)
    rules = s.accepted(
        "ground rule",
        partial(moderation.set_ground_rules, boss, ruled),
        s.candidates("ground rule", 5, RULE_MAX),
    )
    s.attempt("ground rule", moderation.set_ground_rules, boss, ruled, rules)
    st.stored["ground rule"] += len(rules) - 1
    moderation.change_phase(boss, ruled, Phase.OPEN)
    moderation.appoint_accepted(boss, ruled, mediator.pseudonym, Role.MEDIATOR)
    writer = s.join(author, ruled)
    hid, flagged, clean = (
        debates.post_argument(writer, ruled, Stance.PRO, body) for body in bodies[:3]
    )
    urgent = review.Decision.URGENT_HIDE
    review.decide(s.who(mediator, ruled, fresh=True), hid, urgent, len(rules), "Plain reason.")
    review.flag(s.join(flagger, ruled), flagged, 1, "A plain note.")
    s.visit(
        None, f"/d/{ruled.slug}/ground-rules", "ground rules", rules, expect=("ol li", len(rules))
    )
    s.visit(voter.email, f"/d/{ruled.slug}", "join form", rules)
    s.visit(flagger.email, f"/d/{ruled.slug}/a/{clean.id}/flag", "flag form", rules)
    s.visit(mediator.email, f"/d/{ruled.slug}/a/{hid.id}", "mediator tools", rules)
    s.visit(mediator.email, f"/d/{ruled.slug}/queue", "rules in the queue", rules)

    # --- the moderated debate -------------------------------------------------------------
    dmod = s.debate(organiser, "Should mediators read every payload as plain text?", open=False)
    boss = s.who(organiser, dmod, fresh=True)
    rules = moderation.ground_rules(dmod)  # the default ones
    # Communities are set as one list too.
    names = []
    for name in s.candidates("community name", 2, COMMUNITY_NAME_MAX):
        if name in names:
            st.refuse("community name", "duplicate")
        else:
            names.append(name)
    names = s.accepted("community name", partial(moderation.set_communities, boss, dmod), names)
    s.attempt("community name", moderation.set_communities, boss, dmod, names)
    st.stored["community name"] += len(names) - 1
    communities = moderation.communities(dmod)
    moderation.change_phase(boss, dmod, Phase.OPEN)
    moderation.set_safety(boss, dmod, "off", 1000)  # many flags, and the argument stays shown
    moderation.appoint_accepted(boss, dmod, mediator.pseudonym, Role.MEDIATOR)
    moderation.appoint_accepted(boss, dmod, second.pseudonym, Role.MEDIATOR, communities[0].id)

    # Everyone with a payload pseudonym is appointed (for a payload community), posts
    # mediator notes, and is removed: the log names each of them.
    appointments = [
        moderation.appoint_accepted(boss, dmod, person.pseudonym, Role.MEDIATOR, community.id)
        for person, community in zip(people, cycle(communities), strict=False)
    ]
    note_takers = [s.who(person, dmod, fresh=True) for person in people]
    for body, who in zip(s.candidates("mediator note", 10, NOTE_MAX), cycle(note_takers)):
        s.attempt("mediator note", moderation.post_note, who, dmod, NoteKind.SUMMARY, body)
    for appointment in appointments:
        moderation.remove_mediator(boss, dmod, appointment)
    judge = s.who(mediator, dmod, fresh=True)

    # Five participants in each of two communities (so they ratify, and the report shows
    # them), with a final position (so the report's shift has rows by community). They
    # endorse the first points of the agreement, which the report then lists.
    for n, person in enumerate(endorsers):
        s.join(person, dmod, communities[n % 2].id)
        debates.record_final_position(s.who(person, dmod), dmod, Position.FOR)

    # Hidden arguments, each with a payload reason (the public log, the author's inbox) and
    # appealed with a payload text (the queue). The first ones are hidden at once, so they
    # wait in the queue for a second mediator, reason shown; the others are flagged, then
    # hidden. Authors take turns, so that each inbox (its last 100) shows all of theirs.
    reasons = s.candidates("hide reason", 1, 1000)
    appeals = s.candidates("appeal text", 10, 2000)
    count = max(len(reasons), len(appeals))
    owners = [s.user(f"Hidden author {n}") for n in range(-(-count // 90))]
    flagging = s.join(flagger, dmod)
    hide_reasons, queued_reasons, filed = [], [], []
    for n in range(count):
        owner = s.join(owners[n % len(owners)], dmod)
        argument = debates.post_argument(owner, dmod, Stance.PRO, bodies[n % len(bodies)])
        rule = 1 + n % len(rules)
        reason = reasons[n] if n < len(reasons) else "Hidden for the test, with a plain reason."
        if n < 30:
            decision = review.Decision.URGENT_HIDE
        else:
            decision = review.Decision.HIDE
            review.flag(flagging, argument, rule, "A plain note.")
        if s.attempt("hide reason", review.decide, judge, argument, decision, rule, reason):
            hide_reasons.append(reason)
            if n < 30:
                queued_reasons.append(reason)
        if n < len(appeals) and s.attempt(
            "appeal text", sanctions.appeal_argument, owner, argument, appeals[n]
        ):
            filed.append(appeals[n])
        if n < len(owners):
            page = f"/d/{dmod.slug}/a/{argument.id}"
            s.visit(owner.user.email, page, "own hidden", [reason], once=True)
    for owner in owners:
        s.visit(owner.email, "/inbox", "inboxes", hide_reasons)

    # Flags with payload notes (the queue): k people flag k arguments each, k*k >= notes.
    shown_author = s.join(s.user("Shown author"), dmod)
    notes = s.candidates("flag note", 0, 500)
    k = math.isqrt(len(notes) - 1) + 1
    flaggers = [s.join(s.user(f"Flagger {n}"), dmod) for n in range(k)]
    targets = [debates.post_argument(shown_author, dmod, Stance.CON, body) for body in bodies[:k]]
    flag_notes = []
    for n, note in enumerate(notes):
        who, argument = flaggers[n % k], targets[n // k]
        if s.attempt("flag note", review.flag, who, argument, 1 + n % len(rules), note):
            flag_notes.append(note)

    # Warnings with payload reasons (the log, the inbox); removals awaiting a second
    # mediator's signature, with payload reasons (the queue).
    warned = [s.user(f"Warned {n}") for n in range(-(-len(reasons) // 90))]
    removed = s.join(s.user("Removal target"), dmod)
    warnings, removals = [], []
    for n, reason in enumerate(reasons):
        target = s.join(warned[n % len(warned)], dmod)
        rule = 1 + n % len(rules)
        warning, removal = Sanction.WARNING, Sanction.REMOVAL
        issued = s.attempt(
            "warning reason", sanctions.issue, judge, dmod, target, warning, rule, reason
        )
        if issued is not None:
            warnings.append(reason)
            if n == 0:  # the page to appeal it quotes its reason
                appeal_page = f"/d/{dmod.slug}/sanctions/{issued.id}/appeal"
                s.visit(target.user.email, appeal_page, "sanction appeal", [reason], once=True)
        if s.attempt(
            "removal reason", sanctions.issue, judge, dmod, removed, removal, rule, reason
        ):
            removals.append(reason)
    for person in warned:
        s.visit(person.email, "/inbox", "inboxes", warnings)

    # Agreement points, each citing two arguments that are shown, endorsed by both
    # communities: they are ratified, so the report lists them too.
    cited = [debates.post_argument(shown_author, dmod, Stance.PRO, body) for body in bodies[:20]]
    kinds = cycle(PointKind)
    for n, text in enumerate(s.candidates("agreement point", 10, 2000)):
        ids = [cited[n % len(cited)].id, cited[(n + 7) % len(cited)].id]
        point = s.attempt(
            "agreement point", agreements.add_point, judge, dmod, next(kinds), text, ids
        )
        for person in endorsers if point and st.stored["agreement point"] <= 30 else ():
            agreements.endorse(s.who(person, dmod), point, 1)

    # The pages of the moderated debate.
    slug = dmod.slug
    log_texts = hide_reasons + warnings + names + pseudonyms
    s.visit(None, f"/d/{slug}", expect=("aside.note", st.stored["mediator note"]))
    s.visit(voter.email, f"/d/{slug}", "join form", names)
    s.visit(None, f"/d/{slug}/moderation", "moderation log", log_texts)
    s.visit(
        None, f"/d/{slug}/agreement", expect=("li.agreement-point", st.stored["agreement point"])
    )
    s.visit(endorsers[0].email, f"/d/{slug}/agreement", once=True)  # with its forms
    s.visit(mediator.email, f"/d/{slug}/agreement", once=True)
    s.visit(None, f"/d/{slug}/report", expect=("#agreement li .prose", 30))
    s.visit(
        mediator.email, f"/d/{slug}/queue", "queue", queued_reasons + filed + flag_notes + removals
    )
    st.paginated.update({"moderation log": "a.more", "queue": "a.more"})
    s.visit(mediator.email, f"/d/{slug}/notes?argument={cited[0].id}", once=True)
    s.visit(flagger.email, f"/d/{slug}/a/{cited[1].id}/flag", once=True)
    s.visit(flagger.email, f"/d/{slug}/a/{cited[2].id}/reply", once=True)
    s.visit(organiser.email, f"/d/{slug}/manage", "manage", names)
    s.visit(organiser.email, "/account")
    s.visit(removed.user.email, "/inbox")

    # Account pages of this build that show a pseudonym: a site admin's list of accounts,
    # the settings, and two-step login (its QR code, named by pseudonym, is Markup).
    admin = s.user("Admin Ada")
    admin.is_admin = True
    pages = {
        "privacy.admin_users": (admin.email, "/admin/users", False),
        "accounts.settings": (people[0].email, "/account/settings", True),
        "accounts.two_factor": (people[0].email, "/account/two-factor", True),
    }
    for endpoint, (who, url, once) in pages.items():
        if endpoint in current_app.view_functions:
            s.visit(who, url, once=once)

    db.session.commit()
    return st


# --- the browser -----------------------------------------------------------------------------


#: Browsers working at once, each in its own thread with its own Playwright (the sync API
#: belongs to the thread that starts it): one waits on the app while the other renders.
WORKERS = 2


@pytest.fixture(scope="module")
def chromium():
    """Chromium's path; each worker launches its own (as test_e2e's browser fixture)."""
    return chromium_path()


@pytest.fixture
def server(app):
    """The app on a free local port, in a thread, sharing the test database (as test_e2e's
    live_server, without the demo debates)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


#: Run in the page after it loads: everything that would let a payload run, or show that one
#: got into the markup.
INSPECT = r"""({urlAttributes, more, secret, count}) => {
  const bad = [];
  const origin = location.origin;
  const say = (el, what) => `<${el.tagName.toLowerCase()}> ${what}`.slice(0, 300);
  const urlNames = new Set(urlAttributes);
  const live = (value) => /^(javascript|vbscript|data):/i.test(
    value.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, ''));
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (/^on/.test(name) || name === 'style' || name === 'srcdoc') {
        bad.push(say(el, `${name}="${attr.value}"`));
      } else if (urlNames.has(name) && live(attr.value)) {
        bad.push(say(el, `${name}="${attr.value}"`));
      }
    }
  }
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    const raw = a.getAttribute('href');
    let protocol;
    try { protocol = new URL(raw, document.baseURI).protocol; } catch (e) { protocol = 'unparsable'; }
    // Ours alone: the two-step set-up page's link to the phone's authenticator app.
    const ours = protocol === 'otpauth:' && location.pathname === '/account/two-factor'
      && raw.startsWith('otpauth://totp/Deliberate:') && a.closest('main') !== null;
    if (!ours && !['http:', 'https:', 'mailto:'].includes(protocol)) bad.push(say(a, `href="${raw}" (${protocol})`));
  }
  for (const script of document.scripts) {
    const src = script.getAttribute('src');
    const url = src && new URL(src, document.baseURI);
    if (!url || url.origin !== origin || !url.pathname.startsWith('/static/')) {
      bad.push(say(script, src || script.textContent.slice(0, 80)));
    }
  }
  for (const el of document.querySelectorAll(
      'iframe, frame, frameset, object, embed, applet, portal, base, style, template, ' +
      'meta[http-equiv], svg script, svg foreignObject, math')) {
    bad.push(say(el, 'is not one of ours'));
  }
  for (const el of document.querySelectorAll('link')) {
    if (new URL(el.href).origin !== origin) bad.push(say(el, el.href));
  }
  for (const form of document.querySelectorAll('form')) {
    const action = new URL(form.getAttribute('action') || location.href, document.baseURI);
    if (action.origin !== origin) bad.push(say(form, `action=${action}`));
  }
  if (document.baseURI !== location.href) bad.push(`base URI ${document.baseURI}`);
  if (document.documentElement.outerHTML.includes(secret)) bad.push('the secret key is on the page');
  return {
    bad,
    xss: window.__xss === undefined ? null : String(window.__xss),
    more: more ? (document.querySelector(more) || {}).href || null : null,
    count: count ? document.querySelectorAll(count).length : null,
  };
}"""

TEXT = "() => document.documentElement.textContent"
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
CANARY = (
    "<!doctype html><title>canary</title>"
    '<img src="/no-such-image" onerror="alert(1)">'
    "<script>window.__xss = 1</script>"
    '<a href="javascript:alert(1)">link</a>'
)


class Pages:
    """Opens pages as visitors and as logged-in people, in one of two modes: under the
    app's CSP, or with it bypassed (so that an injected script would really run)."""

    def __init__(self, browser, base_url, bypass_csp):
        self.browser = browser
        self.base_url = base_url
        self.bypass_csp = bypass_csp
        self.mode = "CSP bypassed" if bypass_csp else "under the CSP"
        self.tabs = {}
        self.problems: list[str] = []
        self.opened = 0
        self.texts = defaultdict(list)

    def tab(self, who):
        if who in self.tabs:
            return self.tabs[who]
        context = self.browser.new_context(
            base_url=self.base_url, locale="en-GB", bypass_csp=self.bypass_csp
        )
        page = context.new_page()
        violations = watch_csp(page)
        foreign = []
        host = urlsplit(self.base_url).netloc

        def outside(request):
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
                foreign.append(request.url)

        context.on("request", outside)
        if who is not None:
            page.goto("/login?next=/inbox", wait_until="load")
            page.get_by_label("Email").fill(who)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            shown(page.get_by_role("link", name="Inbox"), who)
        self.tabs[who] = (page, violations, foreign)
        return self.tabs[who]

    def open(self, who, url, group=None, more_selector=None, expect=None) -> str | None:
        page, violations, foreign = self.tab(who)
        seen_violations, seen_foreign = len(violations), len(foreign)
        dialogs = []

        def on_dialog(dialog):
            dialogs.append(f"{dialog.type}({dialog.message!r})")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            response = page.goto(url, wait_until="load")
            if self.bypass_csp:
                # Let handlers that fire on the next frames (autofocus, ontoggle,
                # animations) run: an event-driven wait, not a sleep.
                page.evaluate(NEXT_FRAMES)
            found = page.evaluate(
                INSPECT,
                {
                    "urlAttributes": sorted(URL_ATTRIBUTES),
                    "more": more_selector,
                    "secret": SECRET_KEY,
                    "count": expect[0] if expect else None,
                },
            )
            if group and not self.bypass_csp:
                self.texts[group].append(page.evaluate(TEXT))
        finally:
            page.remove_listener("dialog", on_dialog)
        self.opened += 1
        where = f"{url} ({who or 'visitor'}, {self.mode})"
        if response is None or response.status != 200:
            self.problems.append(f"{where}: status {response and response.status}")
        self.problems += [f"{where}: dialog {d}" for d in dialogs]
        if found["xss"] is not None:
            self.problems.append(f"{where}: window.__xss = {found['xss']}")
        self.problems += [f"{where}: CSP violation {v}" for v in violations[seen_violations:]]
        self.problems += [f"{where}: request to {u}" for u in foreign[seen_foreign:]]
        self.problems += [f"{where}: {b}" for b in found["bad"]]
        if expect and found["count"] < expect[1]:
            self.problems.append(f"{where}: {found['count']} {expect[0]}, not {expect[1]}")
        return found["more"] if more_selector else None

    def canary(self) -> list[str]:
        """The checks themselves, on a page that does hold an XSS (served by Playwright at
        an address of the live server, with the app's CSP): what they report."""
        page = self.tab(None)[0]
        url = f"{self.base_url}/xss-canary"
        page.route(
            url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html",
                headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
                body=CANARY,
            ),
        )
        before = len(self.problems)
        try:
            self.open(None, url)
        finally:
            page.unroute(url)
        self.opened -= 1
        found = self.problems[before:]
        del self.problems[before:]
        return found

    def close(self):
        for page, _violations, _foreign in self.tabs.values():
            page.context.close()


def jobs_for(stored: Stored) -> list[list[tuple]]:
    """The visits as (bypass_csp, who, visits) jobs, shared out between the workers: the
    visitor's long list is halved; each job goes to the worker with the least to do."""
    jobs = []
    for bypass_csp in (False, True):
        for who, visits in stored.visits.items():
            visits = [v for v in visits if not (bypass_csp and v[2])]  # v[2]: once
            halves = [visits[0::2], visits[1::2]] if len(visits) > 40 else [visits]
            jobs += [(bypass_csp, who, half) for half in halves if half]
    shares = [[] for _ in range(WORKERS)]
    for job in sorted(jobs, key=lambda job: -len(job[2])):
        min(shares, key=lambda share: sum(len(j[2]) for j in share)).append(job)
    return shares


def browse(chromium: str, base_url: str, jobs: list[tuple], paginated: dict) -> dict:
    """One worker: its own Playwright and Chromium. Returns its Pages, by mode."""
    from playwright.sync_api import sync_playwright

    done = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for bypass_csp, who, visits in jobs:
                if bypass_csp not in done:
                    pages = done[bypass_csp] = Pages(browser, base_url, bypass_csp)
                    # First, the checks must catch a real XSS.
                    caught = "\n".join(pages.canary())
                    assert "onerror" in caught and "javascript:" in caught, caught
                    assert "<script>" in caught, caught
                    if bypass_csp:
                        assert "dialog alert('1')" in caught, caught
                        assert "window.__xss = 1" in caught, caught
                    else:
                        assert "CSP violation" in caught and "dialog" not in caught, caught
                pages = done[bypass_csp]
                for url, group, _once, expect in visits:
                    selector = paginated.get(group)
                    following = pages.open(who, url, group, selector, expect)
                    while following:  # the older entries of the log, the queue's next page
                        following = pages.open(who, following, group, selector)
        finally:
            for pages in done.values():
                pages.close()
            browser.close()
    return done


@pytest.mark.e2e
def test_stored_payloads_never_run_in_the_browser(chromium, server, report, record_property):
    started = time.perf_counter()
    stored = store_everything()
    setup = time.perf_counter() - started
    assert sum(stored.stored.values()) >= 100
    assert stored.stored["argument body"] >= 100

    with ThreadPoolExecutor(WORKERS) as pool:
        shares = jobs_for(stored)
        futures = [pool.submit(browse, chromium, server, j, stored.paginated) for j in shares]
        workers = [future.result() for future in futures]
    opened = Counter()
    problems = []
    texts = defaultdict(list)
    for done in workers:
        for bypass_csp, pages in done.items():
            opened[pages.mode] += pages.opened
            problems += pages.problems
            if not bypass_csp:
                for group, shown in pages.texts.items():
                    texts[group] += shown
    missing = {}
    for group, expected in stored.expected.items():
        shown = plain(" ".join(texts[group]))
        absent = sorted(t for t in expected if t not in shown)
        if absent:
            missing[group] = absent
    elapsed = time.perf_counter() - started

    record_property("xss_payloads", len(PAYLOADS))
    record_property("xss_stored", dict(stored.stored))
    record_property("xss_refused", dict(stored.refused))
    record_property("xss_pages", dict(opened))
    report.append(f"XSS corpus: {len(PAYLOADS)} payloads, {sum(stored.stored.values())} stored")
    for place, count in sorted(stored.stored.items()):
        refused = stored.refused[place]
        why = dict(stored.refusals[place]) if refused else ""
        report.append(f"  {place:32} stored {count:4}  refused {refused:4} {why}")
    report.append(
        f"  the registration form's pattern would refuse "
        f"{stored.pseudonyms_form_would_refuse} of the {stored.stored['pseudonym']} "
        "pseudonyms (stored through the service)"
    )
    checked = sum(len(texts) for texts in stored.expected.values())
    report.append(f"  places: {len(stored.stored)}; plain texts checked on their pages: {checked}")
    report.append(f"  pages opened: {dict(opened)}; setup {setup:.1f} s, total {elapsed:.1f} s")
    assert problems == [], "\n".join(problems)
    assert missing == {}
