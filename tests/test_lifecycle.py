"""A whole debate, run end to end through the pages by the people who would run it (issue 13).

One organiser, two mediators of different communities and twelve participants, each in their
own Chromium context (participants at a phone's 360 px), go from creating the debate to the
report, its downloads and the same pages in French. Accounts are made directly in the
database (registration by page is tested in test_e2e.py); everything in the debate goes
through pages. Each step is a small function named after what people do (`appoint_mediators`,
`close_debate`, ...), so that a step can be adapted alone when the feature it drives changes.

Every step asserts what people see: texts, counts, and figures that must agree across pages
(the debate page's tallies, the report, the API). Every context records every response: any
4xx or 5xx fails the test unless the step announced it (`World.refusal`) because it provokes
that refusal on purpose; and any Content-Security-Policy violation that Chromium reports
fails it too. No sleep anywhere: Playwright's `expect` waits for what it checks.

PENDING: bugs that issue 13 lists and main still has. Each such assertion is written as the
issue asks and goes through `pending(item, ...)`, keyed by the issue's item number. While
`PENDING[item]` is True the check is run but its failure only appears in the run's summary
(xfail-like); if it passes while still marked pending, the summary says so too. When the fix
for an item lands, set its entry to False: the check then fails the test like any other.
Keys "x1", "x2", ...: bugs this scenario found that issue 13 does not list.
"""

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD
from .test_e2e import DROPPED_DOWNLOAD, browser, live_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings(DROPPED_DOWNLOAD)]
expect.set_options(timeout=10_000)

#: Issue 13's items that main does not fix yet: True = the check only reports (see above).
PENDING = {
    "1": False,  # mediator notes (summary, cooling-off) render an empty body
    "2": False,  # scheduling a phase change while closed is accepted (it would reopen it)
    "6": False,  # debate page and report compute the opinion shift differently
    "8": False,  # the public log shows internal codes (summary, cooling_off, draft → open)
    "10": False,  # the home page (and debate page) count a hidden argument
    "11": False,  # communities under 5 members have no say in ratification (no caucuses)
    # Not in issue 13, found by this scenario:
    "x1": False,  # the inbox shows an appeal's outcome as its code ("upheld: ...")
    "x2": False,  # on PostgreSQL, moderation-log.csv answers 500 (InvalidCursorName)
}

MOTION = "Should the commune share the new borehole between herders and farmers?"
RULES = [
    "Criticise ideas, never people.",
    "Back claims with facts or experience.",
    "No threats, and never reveal who someone is.",
    "Stay on the motion.",
]
HERDERS, FARMERS, WOMEN = "Herders", "Farmers", "Women's associations"
COMMUNITIES = [HERDERS, FARMERS, WOMEN]

ORGANISER = "Org Aminata"
MED_A = "Med Hawa"  # represents the herders
MED_B = "Med Issa"  # represents the farmers
#: Twelve participants: five herders, five farmers, two women's associations (under 5:
#: counted only as "smaller groups or undeclared"), and their opening positions.
PARTICIPANTS = {
    "P01 Ali": (HERDERS, "for"),
    "P02 Bintou": (HERDERS, "against"),
    "P03 Cheick": (HERDERS, "against"),
    "P04 Djeneba": (HERDERS, "undecided"),
    "P05 Ely": (HERDERS, "for"),
    "P06 Fanta": (FARMERS, "against"),
    "P07 Gaoussou": (FARMERS, "against"),
    "P08 Hamidou": (FARMERS, "undecided"),
    "P09 Inna": (FARMERS, "for"),
    "P10 Kadia": (FARMERS, "undecided"),
    "P11 Lala": (WOMEN, "undecided"),
    "P12 Mariam": (WOMEN, "for"),
}
#: Final positions; P12 records none (the shift's two definitions then differ: item 6).
FINAL = {
    "P01 Ali": "for",
    "P02 Bintou": "for",
    "P03 Cheick": "against",
    "P04 Djeneba": "for",
    "P05 Ely": "for",
    "P06 Fanta": "against",
    "P07 Gaoussou": "undecided",
    "P08 Hamidou": "for",
    "P09 Inna": "for",
    "P10 Kadia": "against",
    "P11 Lala": "for",
}

TEXTS = {
    "A": "A shared borehole with set hours for herds and fields ends the fights at the well.",
    "B": "Herds near the fields trample the crops; the borehole must serve the farms first.",
    "R1": "Set hours fail in the dry season, when everyone needs water at the same time.",
    "R2": "Then the dry-season hours can be agreed by both communities before it starts.",
    "C": "Anyone who defends the farmers here is a liar and a thief, everyone knows it.",
}
#: Votes on arguments, by voter: +1 agree, -1 disagree. Nobody votes on their own.
VOTES = {
    "A": {"P04 Djeneba": 1, "P05 Ely": 1, "P08 Hamidou": 1, "P09 Inna": 1, "P11 Lala": -1},
    "B": {"P02 Bintou": 1, "P10 Kadia": 1, "P01 Ali": -1},
    "R1": {"P06 Fanta": 1, "P12 Mariam": -1},
}
FLAGGERS = ["P04 Djeneba", "P05 Ely", "P08 Hamidou"]  # the default threshold is 3


# --- the world: people, their pages, and what their browsers saw ----------------------------


@dataclass
class Person:
    name: str
    page: object
    responses: list = field(default_factory=list)  # (status, method, path)
    csp: list = field(default_factory=list)


@dataclass
class World:
    browser: object
    base: str
    report: list
    people: dict = field(default_factory=dict)
    slug: str = ""
    ids: dict = field(default_factory=dict)  # argument key -> id
    refusals: list = field(default_factory=list)  # (name, status, method, path regex)

    def __getitem__(self, name) -> Person:
        return self.people[name]

    def page(self, name):
        return self.people[name].page

    @property
    def url(self) -> str:
        return f"/d/{self.slug}"

    def arg_url(self, key: str) -> str:
        return f"{self.url}/a/{self.ids[key]}"

    def snap(self, page, name: str) -> None:
        """With DELIBERATE_SCREENSHOTS=DIR, save the page at phone and desktop widths (for
        the reviews the issue asks for; the run itself needs none)."""
        folder = os.environ.get("DELIBERATE_SCREENSHOTS")
        if not folder:
            return
        size = page.viewport_size
        for width, height in ((360, 780), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=Path(folder) / f"{name}-{width}.png", full_page=True)
        page.set_viewport_size(size)

    def refusal(self, name: str, status: int, method: str, path: str) -> None:
        """Announce a 4xx the next step provokes on purpose (`path`: a regex on the path)."""
        self.refusals.append((name, status, method, path))

    def unexpected_errors(self) -> list:
        allowed = list(self.refusals)
        unexpected = []
        for person in self.people.values():
            for status, method, path in person.responses:
                if status < 400:
                    continue
                match = next(
                    (
                        r
                        for r in allowed
                        if r[0] == person.name
                        and r[1] == status
                        and r[2] == method
                        and re.fullmatch(r[3], path)
                    ),
                    None,
                )
                if match:
                    allowed.remove(match)
                else:
                    unexpected.append((person.name, status, method, path))
        assert allowed == [], f"announced refusals that did not happen: {allowed}"
        return unexpected


def pending(world: World, item: str, check, what: str) -> None:
    """An assertion issue 13 asks for (its item `item`): enforced once PENDING[item] is
    False; until then its outcome is only reported."""
    try:
        check()
    except AssertionError as error:
        if not PENDING[item]:
            raise
        first = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
        world.report.append(f"lifecycle: {source(item)} still pending: {what} ({first})")
    else:
        if PENDING[item]:
            world.report.append(
                f"lifecycle: {source(item)} now passes ({what}): set PENDING[{item!r}] = False"
            )


def source(item: str) -> str:
    return f"bug {item} (not in issue 13)" if item.startswith("x") else f"issue 13 item {item}"


def shown(locator) -> None:
    expect(locator).to_be_visible()


def flashed(page, text) -> None:
    shown(page.locator(".flash").filter(has_text=text))


def count(page, n: int) -> int:
    """The nth figure of a page's .counts list (arguments, participants, votes)."""
    return int(page.locator(".counts dd").nth(n).inner_text())


def card(page, argument_id: int):
    return page.locator(f"#a{argument_id}")


def enter(world: World, name: str, email: str, *, phone: bool) -> Person:
    """A new browser context for `name`, logged in through the login page."""
    viewport = {"width": 360, "height": 740} if phone else {"width": 1280, "height": 900}
    context = world.browser.new_context(base_url=world.base, locale="en-GB", viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    person = Person(name, page)
    ours = urlsplit(world.base).netloc

    def record(response):
        url = urlsplit(response.url)
        assert url.netloc == ours, f"a page called a third party: {response.url}"
        person.responses.append((response.status, response.request.method, url.path))

    context.on("response", record)
    context.on(
        "console",
        lambda m: "Content Security Policy" in m.text and person.csp.append(m.text),
    )
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    shown(page.get_by_role("link", name="Inbox"))
    world.people[name] = person
    return person


def email_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower()) + "@example.org"


# --- the steps ------------------------------------------------------------------------------


def organiser_creates_debate(w: World) -> None:
    page = w.page(ORGANISER)
    page.goto("/debates/new")
    page.get_by_role("radio", name=re.compile("A motion")).check()
    page.get_by_label("Motion or question").fill(MOTION)
    page.get_by_label("Background").fill(
        "The commune's **new borehole** opens in March. Herders and farmers both need it."
    )
    page.get_by_role("button", name="Create the draft").click()
    flashed(page, "Your debate is ready as a draft, at http")
    expect(page).to_have_url(re.compile(r"/d/[a-z0-9-]+/manage$"))
    w.slug = urlsplit(page.url).path.split("/")[2]
    assert w.slug.startswith("should-the-commune-share-the-new-borehole")
    shown(page.locator("#phase-title").get_by_text("Draft"))


def set_up_debate(w: World) -> None:
    """Ground rules and communities, while a draft; the flag threshold stays at 3."""
    page = w.page(ORGANISER)
    rules = page.locator("section[aria-labelledby=rules-title]")
    rules.get_by_label("One per line").fill("\n".join(RULES))
    rules.get_by_role("button", name="Save the ground rules").click()
    flashed(page, "The ground rules are saved.")
    communities = page.locator("section[aria-labelledby=communities-title]")
    communities.get_by_label("One per line").fill("\n".join(COMMUNITIES))
    communities.get_by_role("button", name="Save the communities").click()
    flashed(page, "The communities are saved.")
    expect(page.get_by_label("Flags that hide an argument until it is reviewed")).to_have_value("3")
    page.goto(f"{w.url}/ground-rules")
    rules_shown = page.locator("main ol.ground-rules li")
    expect(rules_shown).to_have_text(RULES)


def appoint_mediators(w: World) -> None:
    """By pseudonym, each representing a community; a wrong pseudonym is refused next to
    the field, keeping the form."""
    page = w.page(ORGANISER)
    page.goto(f"{w.url}/manage")
    section = page.locator("section[aria-labelledby=roles-title]")
    w.refusal(ORGANISER, 400, "POST", rf"{w.url}/appoint")
    section.get_by_label("Pseudonym").fill("Nobody By This Name")
    section.get_by_role("button", name="Send the invitation").click()
    shown(page.locator("#pseudonym-error").get_by_text("No account has this pseudonym."))
    for name, community in ((MED_A, HERDERS), (MED_B, FARMERS)):
        section = page.locator("section[aria-labelledby=roles-title]")
        section.get_by_label("Pseudonym").fill(name)
        section.get_by_label("Role").select_option("mediator")
        section.get_by_label("Represents").select_option(label=community)
        section.get_by_role("button", name="Send the invitation").click()
        flashed(page, f"{name} is invited.")
    # Invited, not appointed: nothing public until they accept (issue 12 item 4).
    page.goto(f"{w.url}/moderation")
    log = page.locator("main").inner_text()
    assert MED_A not in log and MED_B not in log, log


def choose_caucuses(w: World) -> None:
    """Before opening, the organiser makes every community a caucus that must ratify, the
    women's associations too, however few they turn out to be (item 11)."""
    page = w.page(ORGANISER)
    page.goto(f"{w.url}/manage")
    section = page.locator("section[aria-labelledby=caucuses-title]")
    for community in COMMUNITIES:
        section.get_by_label(community, exact=True).check()
    section.get_by_role("button", name="Save the caucuses").click()
    expect(page.get_by_label(WOMEN, exact=True)).to_be_checked()


def mediators_accept(w: World) -> None:
    """Each mediator finds the invitation on their account page and accepts it; then sees
    the draft, with the mediators' links; a participant gets a 404."""
    for name, community in ((MED_A, HERDERS), (MED_B, FARMERS)):
        page = w.page(name)
        page.goto("/account")
        invitation = page.locator("section[aria-labelledby=invitations-title] .summary-row")
        shown(invitation.get_by_text(f"You are invited to be a mediator for {community} in:"))
        invitation.get_by_role("button", name="Accept").click()
        flashed(page, "You have accepted.")
        page.goto(w.url)
        shown(page.locator(".badge").filter(has_text="Draft"))
        shown(page.get_by_role("link", name="Review queue"))
        shown(page.get_by_role("link", name="Post a mediator note"))
    outsider = w.page("P01 Ali")
    w.refusal("P01 Ali", 404, "GET", w.url)
    outsider.goto(w.url)
    expect(outsider.locator("h1")).not_to_have_text(MOTION)


def open_debate(w: World) -> None:
    page = w.page(ORGANISER)
    page.goto(f"{w.url}/manage")
    page.get_by_role("button", name="Move to: Open").click()
    flashed(page, "The debate's phase is changed.")
    shown(page.locator("#phase-title").get_by_text("Open"))


def participants_join(w: World) -> None:
    """Each takes an opening position, declares a community and accepts the rules."""
    labels = {"for": "For", "against": "Against", "undecided": "Undecided"}
    for name, (community, position) in PARTICIPANTS.items():
        page = w.page(name)
        page.goto(w.url)
        shown(page.get_by_role("link", name="Join the debate"))
        join = page.locator("#join")
        expect(join.locator("ol.ground-rules li")).to_have_text(RULES)
        join.get_by_role("radio", name=labels[position], exact=True).check()
        join.get_by_label("Your community (optional)").select_option(label=community)
        join.get_by_label("I accept the ground rules").check()
        join.get_by_role("button", name="Record my opening position").click()
        flashed(page, "Your opening position is recorded")
        shown(page.get_by_role("link", name="Add an argument"))
    page = w.page("P12 Mariam")
    page.goto(w.url)
    expect(page.locator(".counts dd").nth(1)).to_have_text(str(len(PARTICIPANTS)))
    people = page.locator("section.people")
    shown(people.get_by_text(f"{HERDERS}: 5"))
    shown(people.get_by_text(f"{FARMERS}: 5"))
    shown(people.get_by_text("In smaller groups or undeclared: 2"))
    assert WOMEN not in people.inner_text()  # a group under 5 is never shown
    before = page.locator(".tally-block").first
    shown(before.get_by_text("(12 votes)"))
    shown(before.locator(".bar--for").get_by_text("33 % (4)"))
    shown(before.locator(".bar--against").get_by_text("33 % (4)"))
    shown(before.locator(".bar--undecided").get_by_text("33 % (4)"))


def post(page, text, stance_label, button) -> int:
    page.get_by_label(stance_label).check()
    page.get_by_role("textbox", name="Argument").fill(text)
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/a/\d+(#a\d+)?$"))
    return int(re.search(r"/a/(\d+)", page.url)[1])


def post_argument_tree(w: World) -> None:
    """Two sides on the motion, a reply and a reply to the reply, and the argument that
    will be flagged."""
    for key, name, label in (
        ("A", "P01 Ali", "For the motion"),
        ("B", "P06 Fanta", "Against the motion"),
        ("C", "P03 Cheick", "Against the motion"),
    ):
        page = w.page(name)
        page.goto(f"{w.url}/arguments/new")
        w.ids[key] = post(page, TEXTS[key], label, "Post argument")
        flashed(page, "Your argument is posted.")
    for key, parent, name, label in (
        ("R1", "A", "P02 Bintou", "Opposes this argument"),
        ("R2", "R1", "P07 Gaoussou", "Supports this argument"),
    ):
        page = w.page(name)
        page.goto(w.arg_url(parent))
        w.ids[key] = post(page, TEXTS[key], label, "Post reply")
    page = w.page("P07 Gaoussou")  # on R2's page: the path back to the motion
    trail = page.locator("nav.trail")
    shown(trail.get_by_role("link", name=MOTION))
    expect(trail.locator("li")).to_have_count(3)  # motion, A, R1
    shown(card(page, w.ids["R2"]).get_by_text(TEXTS["R2"]))
    page = w.page("P12 Mariam")
    page.goto(w.url)
    expect(page.locator(".counts dd").first).to_have_text("5")
    a = card(page, w.ids["A"])
    shown(a.locator(".replies").get_by_text(TEXTS["R1"]))
    expect(a.locator("> .arg-actions a.arg-link")).to_contain_text("1 reply")
    shown(page.locator(".column--con").get_by_text(TEXTS["B"]))
    shown(page.locator(".column--con").get_by_text(TEXTS["C"]))
    page.goto(w.arg_url("R1"))
    shown(page.get_by_role("heading", name="1 reply"))
    # R1 opposes A (For), so it helps Against, and R2, which supports R1, does too.
    expect(card(page, w.ids["R2"]).locator("> .arg-head .stance")).to_have_text(
        "Supports · helps Against"
    )


def vote_on_arguments(w: World) -> None:
    """From the debate page (in place, with vote.js); the tallies follow."""
    by_voter: dict = {}
    for key, votes in VOTES.items():
        for voter, value in votes.items():
            by_voter.setdefault(voter, []).append((key, value))
    for voter, votes in by_voter.items():
        page = w.page(voter)
        page.goto(f"{w.url}?sort=new")
        for key, value in votes:
            actions = card(page, w.ids[key]).locator("> .arg-actions")
            button = actions.locator("button.vote").nth(0 if value == 1 else 1)
            before = int(button.locator("b").inner_text())
            button.click()
            expect(button.locator("b")).to_have_text(str(before + 1))
            expect(button).to_have_attribute("aria-pressed", "true")
    total = sum(len(v) for v in VOTES.values())
    page = w.page("P12 Mariam")
    page.goto(w.url)
    expect(page.locator(".counts dd").nth(2)).to_have_text(str(total))
    for key, votes in VOTES.items():
        agree = sum(1 for v in votes.values() if v == 1)
        disagree = sum(1 for v in votes.values() if v == -1)
        w.ids[f"votes:{key}"] = (agree, disagree)
    # Nobody votes on their own argument: no buttons there, only the tally.
    page = w.page("P01 Ali")
    page.goto(w.url)
    own = card(page, w.ids["A"]).locator("> .arg-actions")
    expect(own.locator("button.vote")).to_have_count(0)
    agree, disagree = w.ids["votes:A"]
    shown(own.get_by_text(f"{agree} agree · {disagree} disagree"))


def flag_until_hidden(w: World) -> None:
    for i, name in enumerate(FLAGGERS, 1):
        page = w.page(name)
        page.goto(w.arg_url("C"))
        page.get_by_role("link", name="Flag this argument").click()
        page.get_by_label("Which ground rule does it break?").select_option("1")
        page.get_by_label("Note for the mediators (optional)").fill(f"Insults, flag {i}.")
        page.get_by_role("button", name="Send the flag").click()
        flashed(page, "Thank you. The mediators will review this argument.")
    page = w.page("P12 Mariam")
    page.goto(w.url)
    c = card(page, w.ids["C"])
    shown(c.get_by_text("[hidden until a mediator reviews it]"))
    assert TEXTS["C"] not in page.content()
    # The author still reads it, on its own page.
    author = w.page("P03 Cheick")
    author.goto(w.arg_url("C"))
    shown(author.get_by_text("[hidden until a mediator reviews it]"))


def mediator_reviews(w: World) -> None:
    page = w.page(MED_A)
    page.goto(w.url)
    page.get_by_role("link", name="Review queue").click()
    shown(page.get_by_text("1 argument waits for a decision, oldest first."))
    item = page.locator(f"#q{w.ids['C']}")
    shown(item.get_by_text(TEXTS["C"]))
    expect(item.get_by_text("Flag: rule 1.")).to_have_count(3)
    expect(item.get_by_label("Decision")).to_have_value("")  # nothing chosen in advance
    # Hiding needs a rule: refused, the page keeps what was chosen and typed.
    w.refusal(MED_A, 400, "POST", rf"{w.url}/a/{w.ids['C']}/decide")
    reason = "Calling people liars and thieves attacks persons, not ideas."
    item.get_by_label("Decision").select_option("hide")
    item.get_by_label("Reason, for the author and the public log").fill(reason)
    item.get_by_role("button", name="Decide").click()
    item = page.locator(f"#q{w.ids['C']}")
    shown(item.locator(".errors"))
    expect(item.get_by_label("Decision")).to_have_value("hide")
    expect(item.get_by_label("Reason, for the author and the public log")).to_have_value(reason)
    item.get_by_label("Ground rule").select_option("1")
    item.get_by_role("button", name="Decide").click()
    flashed(page, "Decision recorded; the author is told and the public log shows it.")
    shown(page.get_by_text("The queue is empty."))
    reader = w.page("P12 Mariam")
    reader.goto(w.url)
    shown(card(reader, w.ids["C"]).get_by_text("[hidden by a mediator: rule 1]"))


def author_appeals(w: World) -> None:
    page = w.page("P03 Cheick")
    page.goto("/inbox")
    item = page.locator("ul.inbox li").filter(has_text="A mediator hid your argument.")
    shown(item.get_by_text("Calling people liars and thieves"))
    item.get_by_role("link", name="See the argument").click()
    callout = page.locator(".callout").filter(has_text="A mediator cited rule 1:")
    callout.get_by_role("link", name="Appeal").click()
    page.get_by_label("Why should this decision change?").fill(
        "I was angry; I attacked what they said, and I can reword it without insults."
    )
    page.get_by_role("button", name="Send my appeal").click()
    flashed(page, "Your appeal is sent. A different mediator will decide.")
    page.goto(w.arg_url("C"))
    shown(page.get_by_text("Your appeal is waiting for a mediator."))
    expect(page.get_by_role("link", name="Appeal", exact=True)).to_have_count(0)  # item 4


def other_mediator_decides_appeal(w: World) -> None:
    page = w.page(MED_A)
    page.goto(f"{w.url}/queue")
    appeals = page.locator("section[aria-labelledby=appeals-title]")
    shown(appeals.get_by_text("A different mediator must decide an appeal against your decision."))
    expect(appeals.get_by_role("button", name="Decide the appeal")).to_have_count(0)
    page = w.page(MED_B)
    page.goto(f"{w.url}/queue")
    appeal = page.locator("section[aria-labelledby=appeals-title] .callout")
    shown(appeal.get_by_text("I was angry; I attacked what they said"))
    shown(appeal.get_by_text("Calling people liars and thieves"))  # the ruling
    shown(appeal.get_by_text(TEXTS["C"]))  # the hidden text
    expect(appeal.get_by_label("Outcome")).to_have_value("")  # no default (item 9)
    appeal.get_by_label("Outcome").select_option("upheld")
    appeal.get_by_label("Reason").fill("Insults break rule 1; a reworded argument is welcome.")
    appeal.get_by_role("button", name="Decide the appeal").click()
    flashed(page, "The appeal is decided; the person is told and the public log shows it.")
    shown(page.get_by_text("No open appeal."))
    author = w.page("P03 Cheick")
    author.goto("/inbox")
    told = author.locator("ul.inbox li").filter(
        has_text="Your appeal was decided: the decision stands."
    )
    shown(told.get_by_text("Insults break rule 1"))
    detail = told.inner_text()
    pending(
        w,
        "x1",
        lambda: assert_not("upheld:" in detail, f"the inbox shows the code: {detail!r}"),
        "the inbox says the appeal's outcome in words, not the code 'upheld:'",
    )
    author.goto(w.arg_url("C"))
    shown(author.get_by_text("Appeal decided: the decision stands."))


def inbox_count(page) -> int:
    page.goto("/inbox")
    return page.locator("ul.inbox li").count()


def warning_then_cosigned_mute(w: World) -> None:
    """Mediator A warns, then proposes a 48-hour mute, which needs mediator B's signature;
    the target hears of the mute only once it is in force, with its end."""
    target = "P03 Cheick"
    page = w.page(MED_A)
    page.goto(w.arg_url("C"))
    page.get_by_text("Mediator actions").click()
    page.get_by_role("link", name=f"About its author, {target}: record and sanctions").click()
    shown(page.get_by_role("heading", name=f"{target} in this debate"))
    person_page = page.url
    page.get_by_role("link", name=f"Sanction {target}").click()
    expect(page.get_by_label("Sanction")).to_have_value("warning")  # the next step
    page.get_by_label("Ground rule").select_option("1")
    page.get_by_label("Reason, for the person and the public log").fill(
        "Insults again would lead to a mute."
    )
    page.get_by_role("button", name="Record the sanction").click()
    flashed(page, "The sanction is recorded; the public log shows it.")
    shown(
        page.locator("section[aria-labelledby=sanctions-title]").get_by_text(
            "Warning · rule 1 · signed"
        )
    )
    author = w.page(target)
    shown_before = inbox_count(author)
    shown(author.get_by_text("A mediator took a step about your participation."))

    page.get_by_role("link", name=f"Sanction {target}").click()
    page.get_by_label("Sanction").select_option("mute")
    page.get_by_label("Ground rule").select_option("1")
    page.get_by_label("Reason, for the person and the public log").fill(
        "Insults repeated after a warning."
    )
    page.get_by_label("For how many hours (slow mode, mute)").fill("48")
    page.get_by_role("button", name="Record the sanction").click()
    flashed(page, "The sanction is recorded; the public log shows it.")
    shown(
        page.locator("section[aria-labelledby=sanctions-title]").get_by_text(
            "Mute · rule 1 · awaiting a second signature"
        )
    )
    assert inbox_count(author) == shown_before  # not told before it is in force (item 5)
    page.goto(f"{w.url}/queue")
    cosign = page.locator("section[aria-labelledby=cosign-title] .callout")
    shown(cosign.get_by_text("You proposed it: a mediator of another community must sign it."))
    expect(cosign.get_by_role("button", name="Co-sign", exact=True)).to_have_count(0)  # item 4
    second = w.page(MED_B)
    second.goto(f"{w.url}/queue")
    cosign = second.locator("section[aria-labelledby=cosign-title] .callout")
    shown(cosign.get_by_text("Mute (48 hours)"))
    shown(cosign.get_by_text(f"proposed by {MED_A}"))
    shown(cosign.get_by_role("button", name="Decline to co-sign"))
    cosign.get_by_role("button", name="Co-sign", exact=True).click()
    flashed(second, "Co-signed: the sanction is in force.")
    shown(second.get_by_text("Nothing to co-sign."))
    author.goto("/inbox")
    expect(author.locator("ul.inbox li")).to_have_count(shown_before + 1)
    told = author.locator("ul.inbox li").filter(
        has_text="A step about your participation is now in force."
    )
    shown(told.locator(".sanction-end").get_by_text(re.compile(r"^It ends .+\.$")))
    end = datetime.now(UTC) + timedelta(hours=48)
    expect(told.locator(".sanction-end")).to_contain_text(
        re.compile(f"{end:%b} {end.day}, {end.year}|{end.day} {end:%b} {end.year}")
    )
    author.goto(w.url)
    refusal = author.locator("#add-argument .callout")
    shown(refusal.get_by_text("A mediator muted you in this debate until"))
    shown(refusal.get_by_text("record where you stand on the motion"))
    page.goto(person_page)
    shown(page.locator("section[aria-labelledby=in-force-title]").get_by_text("Mute"))
    w.snap(page, "person")


def mediator_note(w: World) -> None:
    page = w.page(MED_B)
    page.goto(w.url)
    page.get_by_role("link", name="Post a mediator note").click()
    page.get_by_label("Kind of note").select_option("summary")
    text = "So far: both sides want *fixed hours*; they differ on the dry season."
    page.get_by_label("Note", exact=True).fill(text)
    page.get_by_role("button", name="Post the note").click()
    flashed(page, "Your mediator note is posted.")
    reader = w.page("P12 Mariam")
    reader.goto(w.url)
    note = reader.locator("aside.note")
    shown(note.get_by_text(f"Mediator note · Summary · {MED_B}"))
    pending(
        w,
        "1",
        lambda: assert_in("both sides want fixed hours", note.locator(".prose").inner_text()),
        "a mediator note's text shows on the debate page",
    )


def assert_in(needle: str, haystack: str) -> None:
    assert needle in haystack, f"{needle!r} not in {haystack[:200]!r}"


def pause_thread_and_lift(w: World) -> None:
    page = w.page(MED_A)
    page.goto(w.arg_url("A"))
    page.get_by_text("Mediator actions").click()
    tools = page.locator("details.callout")
    tools.get_by_label("Pause this thread for how many minutes").fill("90")
    tools.get_by_label("Public note").fill("Let us pause this thread and come back calmer.")
    tools.get_by_role("button", name="Pause this thread").click()
    flashed(page, "Paused. Everyone sees your note.")
    shown(page.get_by_text("This thread is paused until"))
    participant = w.page("P05 Ely")
    participant.goto(w.arg_url("A"))
    shown(
        participant.get_by_text(
            "The mediators have paused this thread for a while to let it cool down."
        )
    )
    expect(participant.get_by_role("button", name="Post reply")).to_have_count(0)
    note = participant.locator("aside.note").filter(has_text="Cooling-off notice")
    shown(note)
    pending(
        w,
        "1",
        lambda: assert_in("come back calmer", note.locator(".prose").inner_text()),
        "a cooling-off note's text shows under the paused argument",
    )
    page.get_by_role("button", name="Lift the pause on this thread").click()
    flashed(page, "The pause is lifted: everyone can post again.")
    participant.goto(w.arg_url("A"))
    shown(participant.get_by_role("button", name="Post reply"))


def move_to_final_vote(w: World) -> None:
    page = w.page(ORGANISER)
    page.goto(f"{w.url}/manage")
    page.get_by_role("button", name="Move to: Final vote").click()
    flashed(page, "The debate's phase is changed.")
    shown(page.locator("#phase-title").get_by_text("Final vote"))
    participant = w.page("P01 Ali")
    participant.goto(w.url)
    shown(participant.get_by_role("link", name="Record your final position"))
    shown(
        participant.locator("#add-argument").get_by_text(
            "The debate is in its final vote: no new arguments, only votes."
        )
    )


def record_final_positions(w: World) -> None:
    """Everyone but P12, the muted P03 included (muting stops posting, not voting)."""
    labels = {"for": "For", "against": "Against", "undecided": "Undecided"}
    for name, position in FINAL.items():
        page = w.page(name)
        page.goto(w.url)
        form = page.locator("#final-position")
        form.get_by_role("radio", name=labels[position], exact=True).check()
        form.get_by_role("button", name="Record my final position").click()
        flashed(page, "Your final position is recorded.")
        shown(page.locator("#motion-vote").get_by_text(f"Your final position: {labels[position]}"))
    page = w.page("P12 Mariam")
    page.goto(w.url)
    after = page.locator(".tally-block").nth(1)
    shown(after.get_by_text(f"({len(FINAL)} votes)"))
    fors = sum(1 for p in FINAL.values() if p == "for")
    shown(after.locator(".bar--for").get_by_text(f"({fors})"))
    shown(page.get_by_role("heading", name="Opinion shift"))
    shown(page.get_by_text(f"Among the {len(FINAL)} participants who voted both"))


def close_debate(w: World) -> None:
    page = w.page(ORGANISER)
    page.goto(f"{w.url}/manage")
    # Closing asks for a ticked box (item 2); there is no plain "Move to: Closed".
    expect(page.get_by_role("button", name="Move to: Closed")).to_have_count(0)
    page.get_by_label("I want to close the debate").check()
    page.get_by_role("button", name="Close the debate").click()
    flashed(page, "The debate's phase is changed.")
    shown(page.locator("#phase-title").get_by_text("Closed"))
    # Item 2: a closed debate offers no schedule and no "Move to: Open"; reopening is
    # a confirmed action of its own.
    expect(page.get_by_role("button", name=re.compile("^Move to"))).to_have_count(0)
    expect(page.get_by_role("button", name="Schedule")).to_have_count(0)
    shown(page.get_by_role("button", name="Reopen the debate (Final vote)"))
    participant = w.page("P02 Bintou")
    participant.goto(w.url)
    shown(participant.locator(".badge").filter(has_text="Closed"))
    shown(participant.get_by_role("link", name="Read the report"))
    expect(participant.locator("#final-position")).to_have_count(0)


def assert_not(condition, message):
    assert not condition, message


def draft_and_endorse_agreement(w: World) -> None:
    page = w.page(MED_A)
    page.goto(f"{w.url}/agreement")
    shown(page.get_by_text("The mediators have not written any point yet."))
    form = page.locator("#add-point")
    form.get_by_label("Kind of point").select_option("common_ground")
    form.get_by_label("Point", exact=True).fill(
        "The borehole is shared, with hours agreed by both communities."
    )
    form.get_by_label("Linked arguments (ids, optional)").fill(f"{w.ids['A']}, {w.ids['R2']}")
    form.get_by_role("button", name="Add the point").click()
    shown(page.locator("#p1").get_by_text("The borehole is shared"))
    shown(page.locator("#p1").get_by_role("link", name=f"Argument {w.ids['A']}"))
    second = w.page(MED_B)
    second.goto(f"{w.url}/agreement")
    form = second.locator("#add-point")
    form.get_by_label("Kind of point").select_option("next_step")
    form.get_by_label("Point", exact=True).fill(
        "A joint committee sets the dry-season hours by February."
    )
    form.get_by_role("button", name="Add the point").click()
    shown(second.locator("#p2").get_by_text("A joint committee"))

    answers = {name: 1 for name in list(PARTICIPANTS)[:8]}  # 5 herders, 3 farmers
    answers["P09 Inna"] = -1
    answers["P11 Lala"] = answers["P12 Mariam"] = 1  # the women's associations' caucus
    for name, value in answers.items():
        page = w.page(name)
        page.goto(f"{w.url}/agreement")
        point = page.locator("#p1")
        point.get_by_role("button", name="Endorse" if value == 1 else "Object").click()
        expect(
            page.locator("#p1").get_by_role("button", name="Endorse" if value == 1 else "Object")
        ).to_have_attribute("aria-pressed", "true")
    page = w.page("P12 Mariam")
    page.goto(f"{w.url}/agreement")
    shown(
        page.get_by_text(
            f"Caucuses chosen by the organisers before the debate opened: "
            f"{HERDERS} (5 declared participants), {FARMERS} (5 declared participants), {WOMEN}"
        )
    )
    point = page.locator("#p1")
    # No overall total: minus the herders' and farmers' figures, it would give the two
    # women's answers.
    expect(point.locator(".tally")).to_have_count(0)
    shown(point.get_by_text(f"{HERDERS}: 5 of 5 endorse, 0 object · ratified"))
    shown(point.get_by_text(f"{FARMERS}: 3 of 5 endorse, 1 object · ratified"))
    # Item 11: a caucus of two ratifies, and shows no counts that would say who answered.
    shown(point.locator("li").filter(has_text=re.compile(rf"^{re.escape(WOMEN)}: ratified$")))
    shown(point.locator(".badge").filter(has_text="Ratified"))
    shown(page.get_by_text("2 points · 1 ratified"))
    w.snap(page, "agreement")


def for_row(page) -> list[str]:
    """The opinion shift table's "For" row: before, after, change."""
    row = page.locator("table.figures tr").filter(has=page.get_by_role("rowheader", name="For"))
    return row.locator("td").all_inner_texts()


def report_agrees(w: World) -> dict:
    """The report's figures agree with the debate page and with the API."""
    reader = w.page("P12 Mariam")
    reader.goto(w.url)
    page_counts = [count(reader, i) for i in range(3)]
    tallies = [
        [
            reader.locator(".tally-block").nth(i).locator(f".bar--{k} .bar__figure").inner_text()
            for k in ("for", "against", "undecided")
        ]
        for i in range(2)
    ]
    page_shift = for_row(reader)
    reader.get_by_role("link", name="See the full report: shift by community").click()
    shown(reader.get_by_role("heading", name="Opinion shift"))
    report = reader.locator(".report__counts")
    figures = dict(
        zip(
            [t.strip() for t in report.locator("dt").all_inner_texts()],
            [int(t) for t in report.locator("dd").all_inner_texts()],
            strict=True,
        )
    )
    public_arguments = 4  # A, B, R1, R2; C is hidden
    total_votes = sum(len(v) for v in VOTES.values())
    assert figures == {
        "Participants": len(PARTICIPANTS),
        "Arguments": public_arguments,
        "Votes on arguments": total_votes,
        "Final positions": len(FINAL),
    }, figures
    assert page_counts[1:] == [len(PARTICIPANTS), total_votes], page_counts
    shown(reader.get_by_text(f"Among the {len(FINAL)} participants who voted both"))
    # IQ2: among those who voted twice, For went from 4/11 to 7/11... as the table says.
    paired = {n: PARTICIPANTS[n][1] for n in FINAL}
    before_for = 100 * sum(p == "for" for p in paired.values()) / len(paired)
    after_for = 100 * sum(p == "for" for p in FINAL.values()) / len(FINAL)
    report_row = for_row(reader)
    assert report_row[:2] == [f"{before_for:.1f}%", f"{after_for:.1f}%"], report_row
    # Item 6: the debate page shows the report's shift, in the same format.
    assert page_shift == report_row, (page_shift, report_row)
    shown(reader.locator("#shift").get_by_text(f"{HERDERS} (5 voted twice)"))
    shown(reader.locator("#shift").get_by_text(f"{FARMERS} (5 voted twice)"))

    api = reader.request.get(f"/api/v1/debates/{w.slug}")
    assert api.status == 200
    data = api.json()
    assert [data["argument_count"], data["participant_count"], data["vote_count"]] == page_counts
    assert data["phase"] == "closed"
    for i, when in enumerate(("before", "after")):
        votes = data["motion_votes"][when]
        shown_counts = [int(re.search(r"\((\d+)\)", t)[1]) for t in tallies[i]]
        assert [votes["for"], votes["against"], votes["undecided"]] == shown_counts, (when, votes)
    by_id = {a["id"]: a for a in data["arguments"]}
    for key in VOTES:
        agree, disagree = w.ids[f"votes:{key}"]
        assert (by_id[w.ids[key]]["agree"], by_id[w.ids[key]]["disagree"]) == (agree, disagree)
    assert by_id[w.ids["C"]]["body"] == "" and by_id[w.ids["C"]]["visibility"] == "hidden"
    assert by_id[w.ids["R2"]]["parent_id"] == w.ids["R1"]
    results = reader.request.get(f"/api/v1/debates/{w.slug}/results")
    assert results.status == 200
    figures_api = results.json()
    assert figures_api["participation"]["participants"] == figures["Participants"]
    assert figures_api["participation"]["arguments"] == figures["Arguments"]
    assert figures_api["participation"]["votes"] == figures["Votes on arguments"]
    assert figures_api["participation"]["final_positions"] == figures["Final positions"]
    assert [p["number"] for p in figures_api["ratified_agreement"]] == [1]
    # Item 10: the home page counts only what the public can read.
    reader.goto("/")
    entry = reader.locator("main li, main article").filter(has_text=MOTION).first
    home_arguments = int(entry.locator(".counts dd").first.inner_text())
    pending(
        w,
        "10",
        lambda: assert_not(
            home_arguments != public_arguments,
            f"the home page counts {home_arguments} arguments, {public_arguments} are public",
        ),
        "the home page does not count a hidden argument",
    )
    return figures


def downloads_parse(w: World) -> None:
    """Every download link of the report: 200, and it parses."""
    page = w.page("P12 Mariam")
    page.goto(f"{w.url}/report#downloads")
    links = page.locator("#downloads a[download]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # The vote files too (the debate is closed), and the Pol.is files in both formats.
    assert len(hrefs) == 7, hrefs
    for href in hrefs:
        response = page.request.get(href)
        if href.endswith("moderation-log.csv") and response.status != 200:
            # Seen on PostgreSQL only: the streamed log's server-side cursor is gone.
            anonymous = w.browser.new_context(base_url=w.base)
            again = anonymous.request.get(href).status
            anonymous.close()
            status = response.status
            pending(
                w,
                "x2",
                lambda s=status, a=again: assert_not(True, f"{s} signed in, {a} signed out"),
                "the moderation log CSV downloads on PostgreSQL",
            )
            continue
        assert response.status == 200, (href, response.status)
        body = response.text()
        if href.endswith(".json"):
            data = json.loads(body)
            assert data, href
            assert TEXTS["A"] in body and TEXTS["C"] not in body
        else:
            assert href.removesuffix("?format=current").endswith(".csv"), href
            rows = list(csv.reader(io.StringIO(body)))
            assert rows and all(len(r) == len(rows[0]) for r in rows), href
            if "votes" in href:
                # Vote rows only of voters who declared no community and wrote nothing
                # (docs/threat-model.md): here everyone declared one, so the header alone.
                assert len(rows) == 1 and rows[0][:3] in (
                    ["timestamp", "datetime", "comment-id"],
                    ["participant", "group-id", "n-comments"],
                    ["participant", "xid", "group-id"],  # the current Pol.is format
                ), (href, rows[:2])
            else:
                assert len(rows) >= 2, (href, rows)
            if href.endswith("moderation-log.csv"):
                assert "Calling people liars and thieves" in body
            if href.removesuffix("?format=current").endswith("comments.csv"):
                # Every argument has its row; the hidden one's text is left out.
                assert len(rows) - 1 == 5 and TEXTS["C"] not in body, rows


def public_log(w: World) -> None:
    page = w.page("P12 Mariam")
    page.goto(f"{w.url}/moderation")
    log = page.locator("ol.log").inner_text()
    for action in (
        "changed the phase",
        "edited the ground rules",
        "appointed a mediator",
        "hid an argument",
        "appealed a decision",
        "upheld a decision on appeal",
        "gave a warning",
        "proposed a sanction that needs a second mediator's signature",
        "muted a participant",
        "posted a mediator note",
        "paused the discussion to cool down",
        "lifted a pause early",
        "added a point to the agreement",
    ):
        assert action in log, action
    assert f"{MED_A} (mediator)" in log and f"{MED_B} (mediator)" in log
    assert "Insults repeated after a warning. (co-signed by a second mediator)" in log
    pending(
        w,
        "8",
        lambda: [
            assert_not(code in log, f"the log shows {code!r}")
            # ("summary" is also the English word the sentence uses: "Kind: summary.")
            for code in ("draft → open", "cooling_off", "next_step", "common_ground")
        ],
        "the public log writes sentences, not internal codes",
    )


def french_pages(w: World) -> None:
    page = w.page("P12 Mariam")
    page.goto(w.url)
    page.locator(".language-switch").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(rf"{w.url}$"))
    shown(page.get_by_role("heading", name="Position des participants"))
    shown(page.get_by_text("Avant le débat"))
    shown(page.locator(".language-switch").get_by_text("Langue :"))
    page.goto(f"{w.url}/report")
    shown(page.get_by_role("heading", name="Évolution des opinions"))
    shown(page.get_by_role("heading", name="Téléchargements"))
    page.goto(f"{w.url}/agreement")
    shown(page.get_by_role("heading", name="Accord", exact=True))
    shown(page.get_by_text("Caucus choisis par les organisateurs avant l’ouverture du débat"))
    page.goto(f"{w.url}/moderation")
    shown(page.get_by_role("heading", name="Journal public de modération"))
    w.snap(page, "log-fr")
    log = page.locator("ol.log").inner_text()
    assert "hid an argument" not in log
    assert "(cosignée par un deuxième médiateur)" in log and "co-signed" not in log
    pending(
        w,
        "8",
        lambda: [
            assert_not(code in log, f"the French log shows {code!r}")
            for code in ("draft → open", "cooling_off", "summary")
        ],
        "the French log writes sentences, not internal codes",
    )
    page.goto("/inbox")
    shown(page.get_by_role("heading", name="Boîte de réception"))


# --- the scenario ---------------------------------------------------------------------------


def test_a_debate_from_creation_to_report(browser, live_server, make_user, report):  # noqa: F811
    for name in (ORGANISER, MED_A, MED_B, *PARTICIPANTS):
        make_user(pseudonym=name, email=email_of(name))
    w = World(browser, live_server, report)
    for name in (ORGANISER, MED_A, MED_B):
        enter(w, name, email_of(name), phone=False)
    for name in PARTICIPANTS:
        enter(w, name, email_of(name), phone=True)
    try:
        organiser_creates_debate(w)
        set_up_debate(w)
        appoint_mediators(w)
        mediators_accept(w)
        choose_caucuses(w)
        open_debate(w)
        participants_join(w)
        post_argument_tree(w)
        vote_on_arguments(w)
        flag_until_hidden(w)
        mediator_reviews(w)
        author_appeals(w)
        other_mediator_decides_appeal(w)
        warning_then_cosigned_mute(w)
        mediator_note(w)
        pause_thread_and_lift(w)
        move_to_final_vote(w)
        record_final_positions(w)
        close_debate(w)
        draft_and_endorse_agreement(w)
        report_agrees(w)
        downloads_parse(w)
        public_log(w)
        french_pages(w)

        assert w.unexpected_errors() == []
        violations = {p.name: p.csp for p in w.people.values() if p.csp}
        assert violations == {}
    finally:
        for person in w.people.values():
            person.page.context.close()
