"""What mediators hid and what people withdrew stays out of every public output (issue 12,
items 3 and 5): the report and the results API quote no hidden or deleted text however old
their figures are, and the log, the pages and the downloads name nobody behind an appeal or
a hidden argument."""

import csv
import io
import json

import pytest

from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Debate, Phase
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import AppealOutcome, Role, SanctionKind
from deliberate.results.models import DebateResult

from .conftest import standing

SECRET_TEXT = "Words that name someone who must stay unnamed."


@pytest.fixture
def scene(app, client, make_user, make_debate, make_argument, join, vote):
    """An argument with votes from ten people (so it is in the report's lists), two
    mediators of different communities, and cached results that quote it."""
    organiser = make_user(pseudonym="Organiser W", email="organiser@example.org")
    debate = make_debate(organiser=organiser, phase="draft")
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["North", "South"])
    north, south = moderation.communities(debate)
    moderation.change_phase(running, debate, Phase.OPEN)
    for name, community in (("Mediator N", north.id), ("Mediator S", south.id)):
        make_user(pseudonym=name, email=f"{name[-1].lower()}@example.org")
        moderation.appoint_accepted(running, debate, name, Role.MEDIATOR, community)
    author = make_user(pseudonym="Author Unnamed", email="author@example.org")
    argument = make_argument(debate, author=author, body=SECRET_TEXT)
    people = [make_user(email=f"voter{n}@example.org") for n in range(10)]
    for n, person in enumerate(people):
        who = join(person, debate)
        moderation.declare_community(who, debate, (north if n % 2 else south).id)
        vote(person, argument, 1)
    db.session.commit()
    assert SECRET_TEXT in public_results(client, debate)

    def mediator(name):
        from sqlalchemy import select

        from deliberate.models import User

        user = db.session.scalar(select(User).where(User.pseudonym == name))
        return standing(user, debate)

    return debate, argument, author, people, mediator


def public_results(client, debate) -> str:
    report = client.get(f"/d/{debate.slug}/report").get_data(as_text=True)
    api = client.get(f"/api/v1/debates/{debate.slug}/results").get_data(as_text=True)
    return report + api


def test_flags_that_hide_an_argument_mark_the_results_stale(scene):
    debate, argument, _author, people, _mediator = scene
    version = db.session.get(Debate, debate.id).results_version
    for person in people[:3]:  # the threshold
        review.flag(standing(person, debate), argument, 1)
    db.session.commit()
    assert db.session.get(Debate, debate.id).results_version > version


def test_an_overturned_appeal_marks_the_results_stale(scene):
    debate, argument, author, _people, mediator = scene
    review.decide(mediator("Mediator N"), argument, review.Decision.URGENT_HIDE, 2, "Names.")
    review.decide(mediator("Mediator S"), argument, review.Decision.HIDE, 2, "Confirmed.")
    appeal = sanctions.appeal_argument(standing(author, debate), argument, "It names nobody.")
    db.session.commit()
    version = db.session.get(Debate, debate.id).results_version
    from deliberate.accounts import services as accounts  # a third mediator decides it

    accounts.register_user("Mediator I", "i@example.org", "correct horse battery")
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, "Mediator I", Role.MEDIATOR
    )
    db.session.commit()
    sanctions.decide_appeal(mediator("Mediator I"), appeal, AppealOutcome.OVERTURNED, "Fine.")
    db.session.commit()
    assert db.session.get(Debate, debate.id).results_version > version


@pytest.mark.parametrize("how", ["flags", "mediator", "author"])
def test_the_report_never_quotes_a_text_hidden_or_deleted_since(scene, client, how):
    """Whatever the cached figures' age: here they are reused, as a slow debate's are."""
    debate, argument, author, people, mediator = scene
    row = db.session.get(DebateResult, debate.id)
    row.seconds = 3600.0  # a slow analysis: its figures are reused for hours
    db.session.commit()
    assert SECRET_TEXT in public_results(client, debate)
    if how == "flags":
        for person in people[:3]:
            review.flag(standing(person, debate), argument, 1)
    elif how == "mediator":
        review.decide(mediator("Mediator N"), argument, review.Decision.URGENT_HIDE, 2, "Names.")
    else:
        debate_services.delete_argument(standing(author, debate), argument)
    db.session.commit()
    assert db.session.get(DebateResult, debate.id).computed_at == row.computed_at  # reused
    shown = public_results(client, debate)
    assert SECRET_TEXT not in shown
    assert "no longer shown" in shown  # the figures keep its place, without its words


def test_an_appeal_against_a_sanction_not_in_force_names_nobody(scene, client):
    debate, _argument, _author, people, mediator = scene
    target = standing(people[0], debate)
    sanction = sanctions.issue(
        mediator("Mediator N"), debate, target, SanctionKind.REMOVAL, 1, "Threats."
    )
    db.session.commit()
    sanctions.appeal_sanction(target, sanction, "I threatened nobody, read again.")
    db.session.commit()
    name = people[0].pseudonym
    for url in (
        f"/d/{debate.slug}/moderation",
        f"/api/v1/debates/{debate.slug}/moderation-log",
        f"/d/{debate.slug}/export/moderation-log.csv",
    ):
        assert name not in client.get(url).get_data(as_text=True), url
    assert "A participant" in client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)


def test_an_author_who_deleted_an_appealed_argument_is_not_named(scene, client):
    debate, argument, author, _people, mediator = scene
    review.decide(mediator("Mediator N"), argument, review.Decision.URGENT_HIDE, 2, "Names.")
    review.decide(mediator("Mediator S"), argument, review.Decision.HIDE, 2, "Confirmed.")
    appeal = sanctions.appeal_argument(standing(author, debate), argument, "It names nobody.")
    db.session.commit()
    from deliberate.accounts import services as accounts

    accounts.register_user("Mediator I", "i@example.org", "correct horse battery")
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, "Mediator I", Role.MEDIATOR
    )
    sanctions.decide_appeal(mediator("Mediator I"), appeal, AppealOutcome.UPHELD, "It does.")
    debate_services.delete_argument(standing(author, debate), argument)
    db.session.commit()
    log = client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)
    api = client.get(f"/api/v1/debates/{debate.slug}/moderation-log").get_json()
    exported = client.get(f"/d/{debate.slug}/export/moderation-log.csv").get_data(as_text=True)
    for text in (log, json.dumps(api), exported):
        assert author.pseudonym not in text
    appeals = [e for e in api["entries"] if e["action"].startswith("appeal_")]
    assert len(appeals) == 2 and all(e["subject"] is None for e in appeals)
    assert next(e for e in appeals if e["action"] == "appeal_filed")["actor"] is None


def test_pages_and_downloads_do_not_name_the_author_of_a_hidden_argument(scene, client):
    debate, argument, author, _people, mediator = scene
    review.decide(mediator("Mediator N"), argument, review.Decision.URGENT_HIDE, 2, "Names.")
    db.session.commit()
    page = client.get(f"/d/{debate.slug}/a/{argument.id}").get_data(as_text=True)
    assert author.pseudonym not in page
    assert author.pseudonym not in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    debate.export_pseudonyms = True
    db.session.commit()
    graph = client.get(f"/d/{debate.slug}/export/arguments.json").get_json()
    node = next(n for n in graph["arguments"] if n["id"] == argument.id)
    assert node["author"] is None and node["author_pseudonym"] is None
    comments = client.get(f"/d/{debate.slug}/export/comments.csv").get_data(as_text=True)
    row = next(
        r for r in csv.DictReader(io.StringIO(comments)) if r["comment-id"] == str(argument.id)
    )
    assert row["author-id"] == ""
    # The author still sees their own argument, and the mediators theirs to review.
    from .conftest import post

    post(client, "/login", {"email": "author@example.org", "password": "correct horse battery"})
    assert author.pseudonym in client.get(f"/d/{debate.slug}/a/{argument.id}").get_data(
        as_text=True
    )
