"""Moderation lived through the pages, in headless Chromium: two mediators of different
communities and a participant (on a phone), each in their own browser context. A person's
page, a mute proposed, declined once and then co-signed, a thread pause lifted early, and an
appeal whose link turns into its status."""

import pytest
from sqlalchemy import select

from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.models import Stance, User
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role

from .conftest import standing
from .test_e2e import (
    CHROMIUM_ARGS,  # noqa: F401 - the browser fixture's
    DROPPED_DOWNLOAD,
    browser,  # noqa: F401 - a fixture
    live_server,  # noqa: F401 - a fixture
    shown,
    watch_csp,
)

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings(DROPPED_DOWNLOAD)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def people(app, make_user, make_debate, join):
    """An open debate with two communities, a mediator for each, and a participant who
    wrote an argument."""
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Herders", "Farmers"])
    herders, farmers = moderation.communities(debate)
    make_user(pseudonym="Awa", email="awa@example.org")
    make_user(pseudonym="Bakary", email="bakary@example.org")
    moderation.appoint_accepted(running, debate, "Awa", Role.MEDIATOR, herders.id)
    moderation.appoint_accepted(running, debate, "Bakary", Role.MEDIATOR, farmers.id)
    fatou = make_user(pseudonym="Fatou", email="fatou@example.org")
    argument = debates.post_argument(
        join(fatou, debate), debate, Stance.PRO, "Talks would save lives in the villages."
    )
    db.session.commit()
    return debate, argument


@pytest.fixture
def open_as(browser, live_server):  # noqa: F811 - the fixtures imported above
    """Log someone in, in their own browser context; every context is checked for CSP
    violations and calls to third parties when the test ends."""
    contexts, problems = [], []

    def open_as(email, phone=False):
        context = browser.new_context(
            base_url=live_server,
            locale="en-GB",
            java_script_enabled=False,
            viewport=PHONE if phone else {"width": 1280, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        problems.append(watch_csp(page))
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server)
                else (problems.append([route.request.url]), route.abort())
            ),
        )
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        shown(page.get_by_role("link", name="Inbox"))
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert [p for p in problems if p] == []


def propose_mute(page, slug):
    """From the participant list to Fatou's page, then the sanction form: a 48-hour mute."""
    page.goto(f"/d/{slug}")
    page.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Fatou").click()
    shown(page.get_by_role("heading", name="Fatou in this debate"))
    page.get_by_role("link", name="Sanction Fatou").click()
    page.get_by_label("Sanction", exact=True).select_option("mute")
    page.get_by_label("Reason, for the person and the public log").fill("Insults, twice today.")
    page.get_by_label("For how many hours (slow mode, mute)").fill("48")
    page.get_by_role("button", name="Record the sanction").click()
    shown(page.get_by_text("The sanction is recorded"))
    shown(page.get_by_text("awaiting a second signature").first)


def test_a_mute_proposed_declined_then_cosigned_and_lifted_from_the_person_page(people, open_as):
    debate, _argument = people
    awa, bakary = open_as("awa@example.org"), open_as("bakary@example.org")
    fatou = open_as("fatou@example.org", phone=True)

    propose_mute(awa, debate.slug)
    awa.goto(f"/d/{debate.slug}/queue")
    shown(awa.get_by_text("You proposed it: a mediator of another community must sign it."))
    assert awa.get_by_role("button", name="Co-sign", exact=True).count() == 0

    # Not in force: Fatou hears nothing yet.
    fatou.goto("/inbox")
    shown(fatou.get_by_role("heading", name="Inbox"))
    assert fatou.get_by_text("your participation").count() == 0

    bakary.goto(f"/d/{debate.slug}/queue")
    bakary.get_by_label("Why you decline (the proposer reads it)").fill("One insult, not two.")
    bakary.get_by_role("button", name="Decline to co-sign").click()
    shown(bakary.get_by_text("Declined: the sanction will not take effect"))
    awa.goto("/inbox")
    shown(awa.get_by_text("Another mediator declined to co-sign the sanction you proposed."))
    shown(awa.get_by_text("One insult, not two."))

    propose_mute(awa, debate.slug)
    bakary.goto(f"/d/{debate.slug}/queue")
    bakary.get_by_role("button", name="Co-sign", exact=True).click()
    shown(bakary.get_by_text("Co-signed: the sanction is in force."))

    fatou.goto("/inbox")
    shown(fatou.get_by_text("A step about your participation is now in force."))
    shown(fatou.get_by_text("It ends"))
    fatou.goto(f"/d/{debate.slug}")
    shown(fatou.get_by_text("A mediator muted you in this debate until").first)

    awa.goto(f"/d/{debate.slug}/people")
    shown(awa.get_by_role("cell", name="Mute (until"))
    awa.get_by_role("link", name="Fatou").click()
    shown(awa.get_by_text("Ends "))
    awa.get_by_label("Reason, for the person and the public log").first.fill("An apology came.")
    awa.get_by_role("button", name="Lift it now").click()
    shown(awa.get_by_text("The sanction is lifted"))
    fatou.goto(f"/d/{debate.slug}")
    shown(fatou.get_by_role("button", name="Post argument"))


def test_a_thread_pause_lifted_early_by_the_other_mediator(people, open_as):
    debate, argument = people
    awa, bakary = open_as("awa@example.org"), open_as("bakary@example.org")
    fatou = open_as("fatou@example.org", phone=True)
    page = f"/d/{debate.slug}/a/{argument.id}"

    awa.goto(page)
    awa.get_by_text("Mediator actions").click()
    awa.get_by_label("Pause this thread for how many minutes").fill("30")
    awa.get_by_label("Public note").fill("Let this thread cool down for half an hour.")
    awa.get_by_role("button", name="Pause this thread").click()
    shown(awa.get_by_text("Paused. Everyone sees your note."))

    fatou.goto(page)
    shown(fatou.get_by_text("The mediators have paused this thread"))

    bakary.goto(page)
    shown(bakary.get_by_text("This thread is paused until"))
    bakary.get_by_role("button", name="Lift the pause on this thread").click()
    shown(bakary.get_by_text("The pause is lifted"))

    fatou.goto(page)
    shown(fatou.get_by_role("button", name="Post reply"))


def test_an_appeal_link_turns_into_its_status_and_the_other_mediator_decides(people, open_as):
    debate, argument = people
    hide_at_once(debate, argument)
    awa, bakary = open_as("awa@example.org"), open_as("bakary@example.org")
    fatou = open_as("fatou@example.org", phone=True)
    page = f"/d/{debate.slug}/a/{argument.id}"

    fatou.goto(page)
    fatou.get_by_role("link", name="Appeal").click()
    fatou.get_by_label("Why should this decision change?").fill("No village is named at all.")
    fatou.get_by_role("button", name="Send my appeal").click()
    shown(fatou.get_by_text("Your appeal is sent."))
    shown(fatou.get_by_text("Your appeal is waiting for a mediator."))
    assert fatou.get_by_role("link", name="Appeal").count() == 0

    awa.goto(f"/d/{debate.slug}/queue")
    shown(awa.get_by_text("A different mediator must decide an appeal against your decision."))

    bakary.goto(f"/d/{debate.slug}/queue")
    card = bakary.locator(".callout", has_text="No village is named at all.")
    shown(card.get_by_text("Talks would save lives in the villages."))
    shown(card.get_by_text("It names a village."))
    card.get_by_label("Outcome").select_option("overturned")
    card.get_by_label("Reason").fill("Nothing here identifies anyone.")
    card.get_by_role("button", name="Decide the appeal").click()
    shown(bakary.get_by_text("The appeal is decided"))

    fatou.goto(page)
    shown(fatou.locator(".arg-body", has_text="Talks would save lives in the villages."))
    assert fatou.get_by_text("A mediator cited rule").count() == 0
    fatou.goto("/inbox")
    shown(fatou.get_by_text("Appeal decided: the decision is overturned.").first)


def hide_at_once(debate, argument):
    """Awa hides Fatou's argument at once (citing rule 2), as from its page."""
    awa = db.session.scalar(select(User).where(User.pseudonym == "Awa"))
    review.decide(
        standing(awa, debate), argument, review.Decision.URGENT_HIDE, 2, "It names a village."
    )
    db.session.commit()
