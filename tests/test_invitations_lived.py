"""A workshop joins through one printed invitation sheet, each person in their own browser:
the organiser makes a link for three people and prints the cards; each QR code, read back
from the printed page, is the link; two newcomers sign up through it (one in French), one
member logs in through it, all three join; a fourth finds it full."""

import io
import re

import zxingcpp
from flask import current_app
from PIL import Image
from playwright.sync_api import expect

from deliberate.accounts import services as accounts
from deliberate.extensions import db

from .conftest import PASSWORD
from .test_e2e import browser, chromium_path, live_server  # noqa: F401

MOTION = "Should the women's network hold its meetings at the market?"


def shown(locator) -> None:
    expect(locator).to_be_visible()


def flashed(page, text) -> None:
    shown(page.locator(".flash").filter(has_text=text))


def person(browser, base, language="en-GB"):  # noqa: F811
    context = browser.new_context(
        base_url=base, locale=language, viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_up(page, link: str, pseudonym: str, email: str, labels: dict) -> None:
    """From the invitation link: create an account, confirm it from the mail, and come back."""
    page.goto(link)
    page.locator("main").get_by_role("link", name=labels["create"]).click()
    page.get_by_label(labels["pseudonym"]).fill(pseudonym)
    page.get_by_label(labels["email"]).fill(email)
    page.get_by_role("button", name=labels["create_button"]).click()
    mail = current_app.extensions["deliberate.mail"].outbox[-1]
    assert mail["To"] == email
    page.goto(re.search(r"http://\S+", mail.get_content())[0])
    page.get_by_label(labels["password"]).fill(PASSWORD)
    page.get_by_role("button", name=labels["create_button"]).click()
    expect(page).to_have_url(re.compile(re.escape(link) + "$"))


def take_part(page, labels: dict) -> None:
    page.get_by_role("button", name=labels["take_part"]).click()
    expect(page).to_have_url(re.compile(r"/d/[a-z0-9-]+#join$"))
    join = page.locator("#join")
    join.get_by_role("radio", name=labels["undecided"], exact=True).check()
    join.get_by_label(labels["accept"]).check()
    join.get_by_role("button", name=labels["record"]).click()
    flashed(page, labels["recorded"])


EN = {
    "create": "Create an account",
    "pseudonym": "Pseudonym",
    "email": "Email",
    "create_button": "Create my account",
    "password": "Password",
    "take_part": "Take part in this debate",
    "undecided": "Undecided",
    "accept": "I accept the ground rules",
    "record": "Record my opening position",
    "recorded": "Your opening position is recorded",
}


def test_a_workshop_joins_through_one_printed_sheet(app, browser, live_server):  # noqa: F811
    accounts.register_user("Kadiatou S", "kadiatou@example.org", PASSWORD)
    accounts.register_user("Member Oumou", "oumou@example.org", PASSWORD)
    db.session.commit()

    organiser = person(browser, live_server)
    organiser.goto("/login")
    organiser.get_by_label("Email").fill("kadiatou@example.org")
    organiser.get_by_label("Password").fill(PASSWORD)
    organiser.get_by_role("button", name="Log in").click()
    organiser.goto("/debates/new")
    organiser.get_by_role("radio", name=re.compile("A motion")).check()
    organiser.get_by_label("Motion or question").fill(MOTION)
    organiser.get_by_role("button", name="Create the draft").click()
    organiser.get_by_role("button", name="Move to: Open").click()
    links = organiser.locator("section[aria-labelledby=invitations-title]")
    links.get_by_label("Who it is for").fill("Market women, Saturday workshop")
    links.get_by_label("For how many people").fill("3")
    links.get_by_role("button", name="Make an invitation link").click()
    flashed(organiser, "The invitation link is ready")
    shown(links.get_by_text("0 of 3 used"))
    link = links.locator("code").first.inner_text()
    assert link.startswith(live_server + "/i/")

    # The printed cards: each QR code, read back from the page as a phone's camera would.
    links.get_by_role("link", name="Print the cards").click()
    organiser.emulate_media(media="print")
    shot = organiser.screenshot(full_page=True)
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [code.text for code in read] == [link] * 4

    awa = person(browser, live_server)
    sign_up(awa, link, "Awa T", "awa@example.org", EN)
    take_part(awa, EN)

    mariam = person(browser, live_server, "fr-FR")
    sign_up(
        mariam,
        link,
        "Mariam K",
        "mariam@example.org",
        {
            **EN,
            "create": "Créer un compte",
            "email": "Adresse e-mail",
            "create_button": "Créer mon compte",
            "password": "Mot de passe",
        },
    )
    take_part(
        mariam,
        {
            "take_part": "Participer à ce débat",
            "undecided": "Indécis",
            "accept": "J'accepte les règles du débat",
            "record": "Enregistrer ma position de départ",
            "recorded": "Votre position de départ est enregistrée",
        },
    )

    oumou = person(browser, live_server)
    oumou.goto(link)
    oumou.locator("main").get_by_role("link", name="Log in").click()
    oumou.get_by_label("Email").fill("oumou@example.org")
    oumou.get_by_label("Password").fill(PASSWORD)
    oumou.get_by_role("button", name="Log in").click()
    expect(oumou).to_have_url(re.compile(re.escape(link) + "$"))
    take_part(oumou, EN)

    late = person(browser, live_server)
    late.goto(link)
    shown(late.get_by_role("heading", name="This invitation link no longer works"))
    shown(late.get_by_text("As many people as it was made for have already used it."))
    organiser.goto(organiser.url.split("/invitations/")[0] + "/manage")
    shown(
        organiser.locator("section[aria-labelledby=invitations-title]").get_by_text("3 of 3 used")
    )
