"""End to end, in headless Chromium through Playwright, against the real pages.

Chromium comes from Debian (apt-get install -y chromium); Playwright only drives it. Where
no browser is installed these tests skip, unless DELIBERATE_REQUIRE_BROWSER=1 (CI sets it)
makes that a failure.
"""

import os
import re
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from flask import current_app
from werkzeug.serving import make_server

#: Chromium drops a connection when it navigates away mid-download (the favicon, often), and
#: Werkzeug's test server then leaves that static file for the garbage collector to close.
DROPPED_DOWNLOAD = "ignore:unclosed file <_io.BufferedReader:ResourceWarning"

pytestmark = [pytest.mark.e2e, pytest.mark.seeded, pytest.mark.filterwarnings(DROPPED_DOWNLOAD)]

CHROMIUM = os.environ.get("DELIBERATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAIN = "/d/un-talks-mali-jnim"


def chromium_path() -> str:
    """Debian's Chromium, or skip (fail where CI requires the browser tests to run)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("DELIBERATE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app on a free local port, in a thread, sharing the test database (seeded)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"  # mailed links
    yield app.config["PUBLIC_URL"]
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    foreign = []

    def guard(route):
        # No page may call a third party: record and block anything not ours.
        if urlsplit(route.request.url).netloc != urlsplit(live_server).netloc:
            foreign.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", guard)
    violations = watch_csp(page)
    yield page
    context.close()
    assert foreign == []
    assert violations == []


def watch_csp(page) -> list[str]:
    """Collect the Content-Security-Policy violations Chromium reports on the console."""
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    return violations


def register(
    page, pseudonym="Fatou B", email="fatou@example.org", password="a long enough password"
):
    """Register in two steps: pseudonym and email, then the mailed link and a password."""
    page.goto("/register")
    page.get_by_label("Pseudonym").fill(pseudonym)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Create my account").click()
    shown(page.get_by_role("heading", name="Check your mail"))
    mail = current_app.extensions["deliberate.mail"].outbox[-1]
    assert mail["To"] == email
    page.goto(re.search(r"http://\S+", mail.get_content())[0])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create my account").click()
    shown(page.get_by_text(f"Welcome, {pseudonym}"))


def card(page, text):
    """The argument <article> whose own body contains text."""
    return page.locator("article.arg", has=page.locator(".arg-body", has_text=text)).last


def test_register_join_post_reply_and_vote(page):
    register(page)
    page.goto(MAIN)
    assert page.title().startswith("Should the UN support talks")
    participants = int(page.locator(".counts dd").nth(1).inner_text())

    # Vote on the motion: the opening position.
    page.get_by_role("radio", name="Undecided").check()
    page.get_by_label("I accept the ground rules").check()
    page.get_by_role("button", name="Record my opening position").click()
    shown(page.get_by_text("Your opening position is recorded"))
    assert int(page.locator(".counts dd").nth(1).inner_text()) == participants + 1
    arguments = int(page.locator(".counts dd").nth(0).inner_text())

    # A pro and a con on the motion.
    form = page.locator("#add-argument form")
    form.get_by_label("For the motion").check()
    form.get_by_role("textbox", name="Argument").fill(
        "Talks give *local mediators* a seat the guns do not."
    )
    form.get_by_role("button", name="Post argument").click()
    shown(page.get_by_text("Your argument is posted."))
    page.goto(MAIN)
    form = page.locator("#add-argument form")
    form.get_by_label("Against the motion").check()
    form.get_by_role("textbox", name="Argument").fill(
        "Talks without a ceasefire first reward the attacks."
    )
    form.get_by_role("button", name="Post argument").click()
    # The newest first: a new argument has no votes yet, so "best" lists it last.
    page.goto(f"{MAIN}?sort=new")
    assert int(page.locator(".counts dd").nth(0).inner_text()) == arguments + 2
    pro = card(page, "Talks give local mediators")
    assert pro.locator("em").inner_text() == "local mediators"
    shown(page.locator(".column--pro").get_by_text("Talks give"))
    shown(page.locator(".column--con").get_by_text("Talks without a ceasefire"))

    # Reply to the con, opposing it, from its own page.
    card(page, "Talks without a ceasefire").locator("a.arg-link").click()
    page.get_by_role("link", name="Reply", exact=True).click()
    page.get_by_label("Opposes this argument").check()
    page.get_by_role("textbox", name="Argument").fill(
        "A ceasefire is what talks are for; it cannot come first."
    )
    page.get_by_role("button", name="Post reply").click()
    page.goto(f"{MAIN}?sort=new")
    con = card(page, "Talks without a ceasefire")
    shown(con.locator(".replies").get_by_text("A ceasefire is what talks are for"))

    # Vote on someone else's argument, see the count change, change the vote, retract it.
    target = card(page, "Local agreements have a record")
    agree = target.locator("button.vote").first
    before = int(agree.locator("b").inner_text())
    agree.click()
    target = card(page, "Local agreements have a record")
    agree = target.locator("button.vote").first
    assert int(agree.locator("b").inner_text()) == before + 1
    assert agree.get_attribute("aria-pressed") == "true"
    agree.click()
    agree = card(page, "Local agreements have a record").locator("button.vote").first
    assert int(agree.locator("b").inner_text()) == before
    # One's own argument has counts but no vote buttons.
    assert card(page, "Talks give local mediators").locator("button.vote").count() == 0

    # The final position, and the shift it makes.
    page.get_by_role("radio", name="For", exact=True).check()
    page.get_by_role("button", name="Record my final position").click()
    shown(page.get_by_text("Your final position is recorded"))
    # Written as the report writes it (IQ2: among those who voted both).
    headline = page.locator("#motion-vote p.lead").inner_text()
    assert re.search(r"gained most: [\d.]+% → [\d.]+% \([+−][\d.]+ points\)|Neither side", headline)


def test_with_javascript_votes_update_in_place(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    register(page, pseudonym="Awa T", email="awa@example.org")
    page.goto(MAIN)
    page.get_by_role("radio", name="For", exact=True).check()
    page.get_by_label("I accept the ground rules").check()
    page.get_by_role("button", name="Record my opening position").click()
    agree = card(page, "Local agreements have a record").locator("button.vote").first
    before = int(agree.locator("b").inner_text())
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    with page.expect_response(lambda r: r.url.endswith("/vote")) as vote:
        agree.click()
    assert vote.value.headers["content-type"].startswith("application/json")
    expect_text(agree.locator("b"), str(before + 1))
    assert agree.get_attribute("aria-pressed") == "true"
    assert navigations == []  # the page did not reload
    page.reload()
    agree = card(page, "Local agreements have a record").locator("button.vote").first
    assert agree.get_attribute("aria-pressed") == "true"  # the server kept it
    assert errors == []
    context.close()


def expect_text(locator, text):
    from playwright.sync_api import expect

    expect(locator).to_have_text(text)


def test_invalid_form_keeps_what_was_typed(page):
    register(page, pseudonym="Oumar D", email="oumar@example.org")
    page.goto(MAIN)
    page.get_by_role("radio", name="Against").check()
    page.get_by_label("I accept the ground rules").check()
    page.get_by_role("button", name="Record my opening position").click()
    form = page.locator("#add-argument form")
    form.get_by_label("Against the motion").check()
    # The browser checks the length itself; padding gets past it, not past the server.
    form.get_by_role("textbox", name="Argument").fill("   Too short   ")
    form.get_by_role("button", name="Post argument").click()
    shown(page.get_by_text("Write between 10 and 2000 characters."))
    assert page.get_by_role("textbox", name="Argument").input_value() == "Too short"
    assert page.get_by_role("radio", name="Against the motion").is_checked()


def test_french_reader_and_language_switch(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    page.goto(MAIN)
    assert page.locator("html").get_attribute("lang") == "fr"
    shown(page.get_by_role("heading", name="Arguments"))
    shown(page.get_by_text("Avant le débat"))
    page.get_by_role("link", name="English").click()
    shown(page.get_by_text("Before the debate"))
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"  # the choice is remembered
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_layout_fits_the_screen_and_screenshots(browser, live_server, width, tmp_path):
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800})
    page = context.new_page()
    for url in ("/", MAIN, f"{MAIN}/a/1", "/register"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, width, overflow)
    columns = page.goto(MAIN) and page.locator(".column").all()
    left = [c.bounding_box()["x"] for c in columns]
    if width >= 900:
        assert left[0] < left[1]  # side by side
    else:
        assert left[0] == left[1]  # stacked
    folder = os.environ.get("DELIBERATE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"debate-{width}.png"), full_page=width < 900)
    context.close()


def shot(page, name):
    """Screenshots for the README when DELIBERATE_SCREENSHOTS names a folder."""
    folder = os.environ.get("DELIBERATE_SCREENSHOTS")
    if folder:
        page.set_viewport_size({"width": 1000, "height": 900})
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


def login(browser, live_server, email):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    shown(page.get_by_role("link", name="Inbox"))
    return page


def test_flag_hide_appeal_restore_and_the_public_log(browser, live_server, make_user, join):
    from deliberate.debates.services import post_argument, standing
    from deliberate.extensions import db
    from deliberate.models import Debate, Stance
    from deliberate.moderation import services as moderation
    from deliberate.moderation.models import Role

    debate = db.session.query(Debate).filter_by(slug="un-talks-mali-jnim").one()
    organiser = debate.organiser
    herders, farmers = moderation.communities(debate)[:2]
    for name, community in (("Mediator One", herders), ("Mediator Two", farmers)):
        make_user(pseudonym=name, email=f"{name.split()[1].lower()}@example.org")
        moderation.appoint_accepted(
            standing(organiser, debate), debate, name, Role.MEDIATOR, community.id
        )
    author = make_user(pseudonym="Bold Author", email="author@example.org")
    make_user(pseudonym="Careful Reader", email="reader@example.org")
    argument = post_argument(
        join(author, debate),
        debate,
        Stance.CON,
        "Everyone who backs talks is a traitor and a coward.",
    )
    db.session.commit()
    url = f"{MAIN}/a/{argument.id}"

    reader = login(browser, live_server, "reader@example.org")
    reader.goto(MAIN)
    reader.get_by_role("radio", name="Undecided").check()
    reader.get_by_label("I accept the ground rules").check()
    reader.get_by_role("button", name="Record my opening position").click()
    reader.goto(url)
    reader.get_by_role("link", name="Flag this argument").click()
    reader.get_by_label("Which ground rule does it break?").select_option("1")
    reader.get_by_label("Note for the mediators (optional)").fill("Insults instead of arguments.")
    reader.get_by_role("button", name="Send the flag").click()
    shown(reader.get_by_text("The mediators will review this argument."))

    first = login(browser, live_server, "one@example.org")
    first.goto(f"{MAIN}/queue")
    item = first.locator(f"#q{argument.id}")
    shown(item.get_by_text("Flag: rule 1."))
    shot(first, "mediator-queue")
    item.get_by_label("Decision").select_option("hide")
    item.get_by_label("Ground rule").select_option("1")
    item.get_by_label("Reason, for the author and the public log").fill(
        "Calling people traitors breaks rule 1."
    )
    item.get_by_role("button", name="Decide").click()
    shown(first.get_by_text("Decision recorded"))

    writer = login(browser, live_server, "author@example.org")
    shown(writer.locator(".site-nav b.badge"))  # unread count
    writer.get_by_role("link", name="Inbox").click()
    shown(writer.get_by_text("A mediator hid your argument."))
    shown(writer.get_by_text("Calling people traitors breaks rule 1."))
    shot(writer, "author-inbox")
    writer.get_by_role("link", name="See the argument").first.click()
    writer.get_by_role("link", name="Appeal").click()
    writer.get_by_label("Why should this decision change?").fill(
        "I attacked a position, not a person; I can reword it."
    )
    writer.get_by_role("button", name="Send my appeal").click()
    shown(writer.get_by_text("Your appeal is sent."))

    # The mediator who hid it cannot decide the appeal; the second one can.
    first.goto(f"{MAIN}/queue")
    shown(first.get_by_text("A different mediator must decide an appeal"))
    second = login(browser, live_server, "two@example.org")
    second.goto(f"{MAIN}/queue")
    appeals = second.locator("#appeals-title").locator("xpath=..")
    appeals.get_by_label("Outcome").select_option("overturned")
    appeals.get_by_label("Reason").fill("Harsh, but aimed at positions; restored.")
    appeals.get_by_role("button", name="Decide the appeal").click()
    shown(second.get_by_text("The appeal is decided"))

    reader.goto(f"{MAIN}?sort=new")
    shown(reader.get_by_text("Everyone who backs talks is a traitor"))
    reader.goto(f"{MAIN}/moderation")
    shot(reader, "moderation-log")
    log = reader.locator("ol.log").inner_text()
    for action in ("hid an argument", "appealed a decision", "overturned a decision on appeal"):
        assert action in log
    assert "Mediator One" in log and "Mediator Two" in log
    for page in (reader, first, writer, second):
        page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_report_renders_its_charts(browser, live_server, width):
    """The seeded debate's report, without JavaScript: every chart is drawn by the browser
    (a real box, with shapes inside), carries a title and a description, and nothing
    overflows a phone's screen."""
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": width, "height": 900},
        java_script_enabled=False,
    )
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(MAIN)
    page.get_by_role("link", name="See the full report").click()
    shown(page.get_by_role("heading", name="Opinion shift"))
    shown(page.get_by_text("gained most").first)
    charts = page.locator("figure.chart svg")
    assert charts.count() >= 5  # shift, by community, heat map, opinion map, tree
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 40
        labelled = chart.get_attribute("aria-labelledby").split()
        for element_id in labelled:
            assert page.locator(f"#{element_id}").text_content().strip()
        assert chart.locator("rect, circle, path, polygon").count() > 0
    assert page.get_by_role("img", name=re.compile("opinion", re.I)).count() >= 1
    # Every label readable (12 px at least) and whole (inside its chart), at any width.
    texts = page.evaluate(
        """[...document.querySelectorAll('figure.chart svg text')].map(t => {
             const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
             return {text: t.textContent, size: box.height && parseFloat(getComputedStyle(t).fontSize)
                       * svg.width / t.ownerSVGElement.viewBox.baseVal.width,
                     inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5};
           })"""
    )
    assert texts and all(t["size"] >= 12 for t in texts if t["size"]), [
        (t["text"], round(t["size"], 1)) for t in texts if t["size"] and t["size"] < 12
    ][:5]
    assert all(t["inside"] for t in texts), [t["text"] for t in texts if not t["inside"]][:5]
    assert page.locator(".group-card").count() >= 2
    folder = os.environ.get("DELIBERATE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"report-{width}.png"), full_page=True)
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (overflow, wide)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Arguments \\(Pol.is format")).click()
    assert download.value.suggested_filename == "un-talks-mali-jnim-comments.csv"
    with open(download.value.path(), encoding="utf-8") as comments:
        header = comments.readline().strip()
    assert header.startswith("timestamp,datetime,comment-id,author-id")
    # The debate is open: the vote-by-vote files wait for its close.
    assert page.get_by_role("link", name=re.compile("Votes \\(Pol.is format")).count() == 0
    assert violations == []
    context.close()


def shown(locator, why=None):
    """Waits (by events, up to Playwright's timeout) for the locator to be visible."""
    from playwright.sync_api import expect

    expect(locator, why).to_be_visible()
