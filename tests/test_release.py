"""Figures counted from private choices move in batches of several people (issue 12, item 2):
the figures stay useful (each batch is released, a participant sees their own choice), and
no single change, nor a public change timed after one, moves them on its own."""

import pytest
from sqlalchemy import select

from deliberate.config import ConfigError, check_production
from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Debate, Position
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role
from deliberate.results import cache, data, release
from deliberate.results.models import DebateResult

from .conftest import PASSWORD, post, standing


@pytest.fixture
def batch(app):
    app.config["RELEASE_BATCH"] = 5


@pytest.fixture
def scene(app, batch, make_user, make_debate, make_argument, join):
    """An open debate with two arguments and six participants, released once."""
    debate = make_debate()
    arguments = [make_argument(debate, body=f"Argument {n}, long enough to post.") for n in (1, 2)]
    people = [make_user(email=f"p{n}@example.org") for n in range(6)]
    for person in people:
        join(person, debate, "for")
    cache.results_for(debate)  # the first batch: the authors and the six
    return debate, arguments, people


def published(debate):
    db.session.expire_all()
    return cache.results_for(db.session.get(Debate, debate.id)).figures


def test_figures_move_once_five_people_changed_something(scene, make_user, join):
    debate, (first, _second), people = scene
    before = published(debate)
    for n, person in enumerate(people[:4]):
        debate_services.cast_vote(standing(person, debate), first, 1)
        db.session.commit()
        assert published(debate) == before, f"released after {n + 1}"
    newcomer = make_user(email="newcomer@example.org")
    join(newcomer, debate, "against")
    after = published(debate)
    assert after != before
    assert after["participation"]["votes"] == before["participation"]["votes"] + 4
    assert after["counts"]["before"]["against"] == before["counts"]["before"]["against"] + 1
    assert not release.waiting(debate).people


def test_one_busy_person_is_still_one_person(scene):
    debate, arguments, people = scene
    before = published(debate)
    for value in (1, -1, 1, -1, 1):
        for argument in arguments:
            debate_services.cast_vote(standing(people[0], debate), argument, value)
            db.session.commit()
    assert published(debate) == before
    assert release.waiting(debate).people == 1


def test_a_public_change_waits_for_the_batch_it_would_give_away(scene, make_user):
    """Hiding an argument marks the figures stale; recomputed at once only while nobody's
    private change waits (else the hide would publish that one change)."""
    debate, (first, second), people = scene
    mediator = make_user(pseudonym="Mediator M", email="m@example.org")
    second_key = make_user(pseudonym="Mediator O", email="o@example.org")
    for name in ("Mediator M", "Mediator O"):
        moderation.appoint_accepted(standing(debate.organiser, debate), debate, name, Role.MEDIATOR)
    db.session.commit()
    review.decide(standing(mediator, debate), first, review.Decision.URGENT_HIDE, 1, "Rule 1.")
    db.session.commit()
    ids = [row["id"] for row in published(debate)["agreement"]["too_few_votes"]["arguments"]]
    assert first.id not in ids  # nobody waited: the hide shows at once
    debate_services.cast_vote(standing(people[0], debate), second, -1)
    db.session.commit()
    before = published(debate)
    review.decide(standing(second_key, debate), first, review.Decision.KEEP)
    db.session.commit()
    assert published(debate) == before  # one vote waits: the restore waits with it


def test_a_new_debate_shows_nobody_before_its_first_batch(app, batch, client, make_debate, join):
    debate = make_debate()
    people = []
    for n in range(3):
        from deliberate.accounts import services as accounts

        people.append(accounts.register_user(f"Early {n}", f"early{n}@example.org", PASSWORD))
        db.session.commit()
        join(people[-1], debate, "against")
    counts = client.get(f"/api/v1/debates/{debate.slug}").get_json()["motion_votes"]
    assert counts["before"] == {"for": 0, "against": 0, "undecided": 0}
    assert (
        db.session.scalar(select(DebateResult).where(DebateResult.debate_id == debate.id)) is None
    )


def test_participants_are_told_their_choice_is_recorded(scene, client, auth):
    debate, (first, _second), people = scene
    auth.login(email="p0@example.org")
    page = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert 'id="waiting"' not in page
    assert "at least 5 people" in page
    response = post(client, f"/d/{debate.slug}/vote", {"value": f"{first.id}:1"})
    assert response.status_code == 302
    page = client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert 'id="waiting"' in page and "They will show in the public figures" in page
    assert 'aria-pressed="true"' in page  # and their own vote shows as theirs, at once


def test_a_change_arriving_while_figures_are_computed_is_not_released_alone(
    scene, make_user, monkeypatch
):
    """PostgreSQL reads each statement afresh: a vote committed while the analysis reads
    may be in what it read. When nobody waited before, that computation is thrown away."""
    debate, (first, _second), people = scene
    mediator = make_user(pseudonym="Mediator N", email="n@example.org")
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, "Mediator N", Role.MEDIATOR
    )
    review.decide(standing(mediator, debate), first, review.Decision.URGENT_HIDE, 1, "Rule 1.")
    db.session.commit()
    stored = db.session.get(DebateResult, debate.id).version
    real = data.load

    def load_while_someone_votes(debate, **kwargs):
        release.private_change(debate.id, people[1].id)
        return real(debate, **kwargs)

    monkeypatch.setattr(data, "load", load_while_someone_votes)
    cache.results_for(db.session.get(Debate, debate.id))
    assert db.session.get(DebateResult, debate.id).version == stored


def test_production_refuses_small_batches(monkeypatch):
    monkeypatch.setenv("DELIBERATE_RELEASE_BATCH", "2")
    config = {"PRODUCTION": True, "SECRET_KEY": "q" * 20 + "Zx81-_pLm0Ab", "PUBLIC_URL": "x"}
    with pytest.raises(ConfigError, match="RELEASE_BATCH"):
        check_production(config)
    monkeypatch.setenv("DELIBERATE_RELEASE_BATCH", "0")
    with pytest.raises(ConfigError):
        from deliberate.config import release_batch

        release_batch()


def test_joining_with_an_opening_position_waits_too(scene, make_user, join):
    debate, _arguments, _people = scene
    before = published(debate)["counts"]
    join(make_user(email="late@example.org"), debate, "undecided")
    assert published(debate)["counts"] == before
    assert Position.UNDECIDED.value in before["before"]
