"""A workshop, played in the browser by the people in the room, each on their own phone.

The association's admin creates her group and a private debate through the pages, prints
an invitation sheet and a sheet of access codes (their QR codes read back from the printed
pages, as a phone's camera would); fifteen people join from the room's one address, ten
with a code and no email, five through the invitation link with an email (one in French);
an anonymous visitor and a signed-in outsider find nothing of the debate anywhere; the
mediator, whose phone is at home, logs in with a recovery code; and a real SMTP server
receives the mails, each in its reader's language, with an unsubscribe link that works."""

import io
import re
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from deliberate.accounts import recovery
from deliberate.accounts import services as accounts
from deliberate.accounts.mail import SMTPBackend
from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.mailings import services as mailings
from deliberate.mailings.categories import Cadence, Category
from deliberate.mailings.delivery import deliver_due
from deliberate.models import Debate, User, utcnow
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role

from .conftest import PASSWORD
from .smtp import smtp_server  # noqa: F401 - a fixture
from .test_e2e import browser, chromium_path, live_server  # noqa: F401

MOTION = "Should the association invite the armed group's envoys to the peace forum?"
CODES = 10
INVITED = [  # pseudonym, email, browser language
    ("Aissata D", "aissata@example.org", "en-GB"),
    ("Bakary T", "bakary@example.org", "en-GB"),
    ("Djeneba K", "djeneba@example.org", "fr-FR"),
    ("Issa M", "issa@example.org", "en-GB"),
    ("Rokia S", "rokia@example.org", "en-GB"),
]


def shown(locator) -> None:
    expect(locator).to_be_visible()


def phone(browser, base, language="en-GB"):  # noqa: F811
    context = browser.new_context(
        base_url=base, locale=language, viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def qr_links(page) -> list[str]:
    """What a phone's camera reads from the page, printed."""
    page.emulate_media(media="print")
    shot = page.screenshot(full_page=True)
    page.emulate_media(media="screen")
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]


def log_in(page, identifier: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("^Email")).fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def join(page, labels) -> None:
    expect(page).to_have_url(re.compile(r"/d/[a-z0-9-]+#join$"))
    form = page.locator("#join")
    form.get_by_role("radio", name=labels["undecided"], exact=True).check()
    form.get_by_label(labels["accept"]).check()
    form.get_by_role("button", name=labels["record"]).click()
    shown(page.locator(".flash").filter(has_text=labels["recorded"]))


EN = {
    "undecided": "Undecided",
    "accept": "I accept the ground rules",
    "record": "Record my opening position",
    "recorded": "Your opening position is recorded",
}
FR = {
    "undecided": "Indécis",
    "accept": "J'accepte les règles du débat",
    "record": "Enregistrer ma position de départ",
    "recorded": "Votre position de départ est enregistrée",
}


def test_a_workshop_runs_a_private_debate(app, browser, live_server, smtp_server):  # noqa: F811
    app.extensions["deliberate.mail"] = SMTPBackend(smtp_server.url)
    accounts.register_user("Fatoumata B", "fatoumata@example.org", PASSWORD)
    mediator = accounts.register_user("Hamidou C", "hamidou@example.org", PASSWORD)
    mediator.totp_secret = "JBSWY3DPEHPK3PXP"
    spare = recovery.new_codes(mediator)[0]
    accounts.register_user("Curious Outsider", "outsider@example.org", PASSWORD)
    db.session.commit()

    # The admin creates the group and its private debate, and opens it.
    admin = phone(browser, live_server)
    admin.set_viewport_size({"width": 1280, "height": 900})
    log_in(admin, "fatoumata@example.org")
    admin.goto("/")
    admin.get_by_role("link", name="Start a group").click()
    admin.get_by_label("Name").fill("Mopti peace association")
    admin.get_by_label("Short description").fill("Neighbours who meet to talk about peace.")
    admin.get_by_role("button", name="Create the group").click()
    shown(admin.get_by_role("heading", name="Mopti peace association"))
    group_url = admin.url
    admin.get_by_role("link", name="Start a debate").click()
    expect(admin.get_by_label("Run by")).to_have_value(group_url.rsplit("/", 1)[1])
    admin.get_by_role("radio", name=re.compile("A motion")).check()
    admin.get_by_label("Motion or question").fill(MOTION)
    admin.get_by_role("radio", name=re.compile("^Private")).check()
    admin.get_by_role("button", name="Create the draft").click()
    admin.get_by_role("button", name="Move to: Open").click()
    debate = db.session.scalar(db.select(Debate).where(Debate.motion == MOTION))
    slug = debate.slug
    moderation.appoint_accepted(
        debates.standing(debate.organiser, debate), debate, "Hamidou C", Role.MEDIATOR
    )
    db.session.commit()

    # The invitation sheet, for the five with an email.
    links = admin.locator("section[aria-labelledby=invitations-title]")
    links.get_by_label("Who it is for").fill("Workshop, Saturday")
    links.get_by_label("For how many people").fill("5")
    links.get_by_role("button", name="Make an invitation link").click()
    invitation = links.locator("code").first.inner_text()
    links.get_by_role("link", name="Print the cards").click()
    assert qr_links(admin) == [invitation] * 4

    # The code sheet, for the ten without one: every card's QR code is its own code's link.
    admin.goto(group_url)
    admin.get_by_role("link", name="Access codes").click()
    admin.get_by_label("Who it is for").fill("Workshop, Saturday")
    admin.get_by_label("Number of codes").fill(str(CODES))
    admin.get_by_label("Where the codes lead").select_option(label=MOTION)
    admin.get_by_role("button", name="Issue and print the codes").click()
    code_links = qr_links(admin)
    assert len(code_links) == CODES and len(set(code_links)) == CODES
    assert all(link.startswith(f"{live_server}/code?c=") for link in code_links)

    # Ten people sign up with a code: a pseudonym and a password, no email, and they are on
    # the join form of the private debate.
    for n, link in enumerate(code_links, 1):
        person = phone(browser, live_server)
        person.goto(link)
        person.get_by_label("Pseudonym").fill(f"Participant {n:02d}")
        person.get_by_label("Password", exact=True).fill(PASSWORD)
        person.get_by_label("Password again").fill(PASSWORD)
        person.get_by_role("button", name="Go on").click()
        join(person, EN)
        person.context.close()
    without_email = db.session.scalars(
        db.select(User).where(User.pseudonym.like("Participant %"), User.email.is_(None))
    ).all()
    assert len(without_email) == CODES

    # Five come through the invitation link with an email; the mails come by SMTP.
    for pseudonym, email, language in INVITED:
        person = phone(browser, live_server, language)
        french = language.startswith("fr")
        person.goto(invitation)
        person.locator("main").get_by_role(
            "link", name="Créer un compte" if french else "Create an account"
        ).click()
        person.get_by_label("Pseudonyme" if french else "Pseudonym").fill(pseudonym)
        person.get_by_label("Adresse e-mail" if french else "Email").fill(email)
        button = "Créer mon compte" if french else "Create my account"
        arrived = len(smtp_server.messages)
        person.get_by_role("button", name=button).click()
        [mail] = smtp_server.wait_for(arrived + 1)[arrived:]
        assert mail["To"] == email
        person.goto(re.search(r"http://\S+", mail.get_content())[0])
        person.get_by_label("Mot de passe" if french else "Password").fill(PASSWORD)
        person.get_by_role("button", name=button).click()
        person.get_by_role(
            "button", name="Participer à ce débat" if french else "Take part in this debate"
        ).click()
        join(person, FR if french else EN)
        person.context.close()
    db.session.expire_all()
    assert db.session.get(Debate, debate.id).participant_count == CODES + len(INVITED)

    # Nobody else finds anything of it, signed in or not.
    urls = [
        f"/d/{slug}",
        f"/d/{slug}/report",
        f"/d/{slug}/moderation",
        f"/d/{slug}/agreement",
        f"/d/{slug}/export/comments.csv",
        f"/api/v1/debates/{slug}",
        f"/api/v1/debates/{slug}/results",
    ]
    anonymous = phone(browser, live_server)
    outsider = phone(browser, live_server)
    log_in(outsider, "outsider@example.org")
    for page in (anonymous, outsider):
        for url in urls:
            assert page.goto(url).status == 404, url
        assert slug not in page.goto("/api/v1/debates").text()
        assert MOTION not in page.goto("/").text() and MOTION not in page.goto(group_url).text()

    # The mediator's phone is at home: a recovery code lets him in, once.
    hamidou = phone(browser, live_server)
    log_in(hamidou, "Hamidou C")  # a pseudonym logs in as well as an email
    hamidou.get_by_text("Lost your phone? Use a recovery code").click()
    hamidou.get_by_label("Recovery code").fill(spare)
    hamidou.get_by_role("button", name="Log in with a recovery code").click()
    expect(hamidou).not_to_have_url(re.compile("/login"))
    assert hamidou.goto(f"/d/{slug}").status == 200
    assert recovery.remaining(db.session.get(User, mediator.id)) == 9

    # The debate moves to its final vote: the participants with an email are told by mail,
    # in their own language, from the worker's round (the next morning's digest).
    admin.goto(f"/d/{slug}/manage")
    admin.get_by_role("button", name="Move to: Final vote").click()
    before = len(smtp_server.messages)
    deliver_due(utcnow() + timedelta(days=1))
    mails = smtp_server.wait_for(before + len(INVITED))[before:]
    by_address = {m["To"]: m for m in mails}
    assert set(by_address) == {email for _p, email, _l in INVITED}
    assert "vote final" in by_address["djeneba@example.org"].get_content()
    assert "final vote" in by_address["rokia@example.org"].get_content()

    # One click on the unsubscribe link (as a mail program does it: a POST, no cookie).
    mail = by_address["issa@example.org"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"])[1]
    assert urlsplit(link).netloc == urlsplit(live_server).netloc
    request = urllib.request.Request(link, data=b"List-Unsubscribe=One-Click", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    issa = db.session.scalar(db.select(User).where(User.email == "issa@example.org"))
    assert mailings.cadences(issa.id)[Category.PHASES] is Cadence.OFF
