"""Issue 15's first steps lived through the pages, each person in their own browser: an
organiser sets up two-step login and saves the recovery codes, makes the debate unlisted,
loses the phone and gets back in with a code, then moves to a new phone; a reader finds the
debate only through its link; a site admin turns off the two-step login of a participant who
lost phone and codes, and that person reads why in their inbox."""

import re

from playwright.sync_api import expect

from deliberate.accounts import services as accounts
from deliberate.accounts import totp
from deliberate.extensions import db

from .conftest import PASSWORD
from .test_e2e import CHROMIUM_ARGS, browser, chromium_path, live_server  # noqa: F401

MOTION = "Should the youth council meet on Friday evenings?"
ADMIN_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MOUSSA_KEY = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def shown(locator) -> None:
    expect(locator).to_be_visible()


def flashed(page, text) -> None:
    shown(page.locator(".flash").filter(has_text=text))


def now_code(key: str) -> str:
    return totp.code_for(key, totp.current_step())


def phone(browser, base):  # noqa: F811
    context = browser.new_context(
        base_url=base, locale="en-GB", viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def set_up_two_step(page) -> list[str]:
    """On the set-up page: the key into the 'app', the first code, the codes saved."""
    key = page.locator("main ol code").first.inner_text().replace(" ", "")
    expect(
        page.get_by_role("link", name="Open the key in your authenticator app")
    ).to_have_attribute("href", re.compile(r"^otpauth://totp/Deliberate:"))
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(now_code(key))
    page.get_by_role("button", name="Turn on two-step login").click()
    shown(page.get_by_role("heading", name="Your recovery codes"))
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    return codes


def test_recovery_codes_an_admin_reset_and_an_unlisted_debate(app, browser, live_server):  # noqa: F811
    app.config["REQUIRE_STAFF_TOTP"] = True
    app.config["TWO_STEP_FOR"] = "staff"
    accounts.register_user("Aminata K", "aminata@example.org", PASSWORD)
    admin = accounts.register_user("Site Admin", "admin@example.org", PASSWORD)
    admin.is_admin, admin.totp_secret = True, ADMIN_KEY
    moussa = accounts.register_user("Moussa D", "moussa@example.org", PASSWORD)
    moussa.totp_secret = MOUSSA_KEY
    db.session.commit()

    # The organiser starts a debate; running it needs two-step login, set up on the way.
    aminata = phone(browser, live_server)
    log_in(aminata, "aminata@example.org")
    aminata.goto("/debates/new")
    aminata.get_by_role("radio", name=re.compile("A motion")).check()
    aminata.get_by_label("Motion or question").fill(MOTION)
    aminata.get_by_role("button", name="Create the draft").click()
    expect(aminata).to_have_url(re.compile(r"/account/two-factor\?next=/d/[a-z0-9-]+/manage$"))
    codes = set_up_two_step(aminata)
    aminata.get_by_role("link", name="I have saved my codes").click()
    expect(aminata).to_have_url(re.compile(r"/d/[a-z0-9-]+/manage$"))
    slug = aminata.url.split("/")[-2]

    # Unlisted, then open: for the people given the link.
    who = aminata.locator("section[aria-labelledby=audience-title]")
    who.get_by_role("radio", name=re.compile("Only people given its link")).check()
    who.get_by_role("button", name="Save who finds it").click()
    flashed(aminata, "The debate is unlisted")
    aminata.get_by_role("button", name="Move to: Open").click()
    flashed(aminata, "The debate's phase is changed.")

    reader = phone(browser, live_server)
    reader.goto("/")
    expect(reader.get_by_text(MOTION)).to_have_count(0)
    reader.goto(f"/d/{slug}")
    shown(reader.get_by_role("heading", name=MOTION))
    expect(reader.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    reader.goto(f"/d/{slug}/moderation")
    shown(reader.get_by_text("Unlisted: only people given its link find it."))

    # The phone is lost: a new one, a recovery code, two-step login off, then on again.
    aminata.context.close()
    new_phone = phone(browser, live_server)
    log_in(new_phone, "aminata@example.org")
    new_phone.get_by_text("Lost your phone? Use a recovery code").click()
    new_phone.get_by_label("Recovery code").fill(codes[0].upper())
    new_phone.get_by_role("button", name="Log in with a recovery code").click()
    flashed(new_phone, "You logged in with a recovery code: 9 are left.")
    new_phone.get_by_label("Current password").last.fill(PASSWORD)
    new_phone.get_by_label("Code from your app, or a recovery code").fill(codes[1])
    new_phone.get_by_role("button", name="Turn two-step login off").click()
    flashed(new_phone, "Two-step login is off.")
    new_phone.goto("/account/two-factor")
    fresh = set_up_two_step(new_phone)
    assert not set(fresh) & set(codes)
    new_phone.get_by_role("link", name="I have saved my codes").click()
    new_phone.goto(f"/d/{slug}/manage")
    shown(new_phone.get_by_role("heading", name="Who finds it"))

    # Moussa lost phone and codes: the site admin, on a desktop, turns it off for him.
    desk = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    log_in(desk, "admin@example.org")
    desk.get_by_label("Code from your authenticator app").fill(now_code(ADMIN_KEY))
    desk.get_by_role("button", name="Log in").click()
    desk.goto("/admin/users?q=Moussa")
    desk.get_by_text("Turn off their two-step login").click()
    desk.get_by_role("button", name="Turn off two-step login of Moussa D").click()
    shown(desk.get_by_text("Say why: the person and the site log read it."))  # kept open
    desk.get_by_label("Why (the person reads it)").fill("Lost phone; seen in person on Monday.")
    desk.get_by_role("button", name="Turn off two-step login of Moussa D").click()
    flashed(desk, "Two-step login of Moussa D is off; they were told.")
    desk.get_by_role("link", name="What administrators did to accounts").click()
    shown(desk.get_by_text("Site Admin turned off the two-step login of Moussa D."))

    his = phone(browser, live_server)
    log_in(his, "moussa@example.org")  # no code asked any more
    shown(his.get_by_role("link", name="Inbox"))
    his.get_by_role("link", name="Inbox").click()
    shown(his.get_by_text("A site administrator turned off your two-step login."))
    shown(his.get_by_text("Lost phone; seen in person on Monday."))
    his.get_by_role("link", name="Set up two-step login").click()
    shown(his.get_by_role("heading", name="Set up two-step login"))
