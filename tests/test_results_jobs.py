"""Results computed off the request path (deliberate/results/jobs.py): pages never wait for
a slow analysis, one computation runs per debate at a time, on a thread or on Redis."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from deliberate.extensions import db
from deliberate.models import Debate, Phase, utcnow
from deliberate.moderation import services as moderation
from deliberate.results import jobs
from deliberate.results.models import DebateResult

from .conftest import base_config, standing


@pytest.fixture
def slow(app):
    """Every analysis counts as slow: none is computed in a request."""
    app.config.update(RESULTS_INLINE_SECONDS=0, RESULTS_INLINE_VOTES=0)
    return app


@pytest.fixture
def voted(make_debate, make_argument, make_user, vote):
    debate = make_debate()
    argument = make_argument(debate, body="An argument people vote on.")
    for n in range(3):
        vote(make_user(), argument, 1 if n else -1)
    return debate, argument


def computed(debate) -> DebateResult | None:
    db.session.expire_all()
    return db.session.get(DebateResult, debate.id)


def test_a_slow_first_analysis_is_prepared_in_the_background(slow, client, voted):
    debate = voted[0]
    organiser = standing(debate.organiser, debate)
    moderation.change_phase(organiser, debate, Phase.FINAL_VOTE)
    moderation.change_phase(organiser, debate, Phase.CLOSED)  # the votes' download is open
    db.session.commit()
    page = client.get(f"/d/{debate.slug}/report")
    assert page.status_code == 200 and "being computed for the first time" in page.get_data(
        as_text=True
    )
    api = client.get(f"/api/v1/debates/{debate.slug}/results")
    assert api.status_code == 202 and api.get_json()["status"] == "computing"
    export = client.get(f"/d/{debate.slug}/export/participants-votes.csv")
    assert export.status_code == 503 and export.headers["Retry-After"] == "60"
    slow.extensions["deliberate.results_queue"].join()
    assert computed(debate) is not None
    assert "Opinion shift" in client.get(f"/d/{debate.slug}/report").get_data(as_text=True)
    assert client.get(f"/api/v1/debates/{debate.slug}/results").status_code == 200


def test_stale_figures_are_shown_with_their_age_while_new_ones_are_computed(
    slow, client, voted, make_user, vote
):
    debate, argument = voted
    client.get(f"/d/{debate.slug}/report")
    slow.extensions["deliberate.results_queue"].join()
    first = computed(debate)
    # Make the last analysis look slow and long past its reuse window.
    db.session.execute(
        update(DebateResult)
        .where(DebateResult.debate_id == debate.id)
        .values(seconds=2.0, computed_at=utcnow() - timedelta(minutes=5))
    )
    db.session.commit()
    vote(make_user(), argument, 1)
    html = client.get(f"/d/{debate.slug}/report").get_data(as_text=True)
    assert "New votes have arrived since" in html
    assert computed(debate).version == first.version  # the page did not compute
    slow.extensions["deliberate.results_queue"].join()
    assert computed(debate).version == db.session.get(Debate, debate.id).results_version


def test_small_debates_are_computed_in_the_request(client, voted, make_user, vote):
    debate, argument = voted
    client.get(f"/d/{debate.slug}/report")
    vote(make_user(), argument, 1)
    data = client.get(f"/api/v1/debates/{debate.slug}/results").get_json()
    assert data["version"] == db.session.get(Debate, debate.id).results_version


def test_one_computation_per_debate_at_a_time(app, voted):
    debate = voted[0]
    assert jobs.claim(debate.id) is True
    assert jobs.claim(debate.id) is False  # another process asking: it leaves it
    assert jobs.run(debate.id) is False and computed(debate) is None
    jobs.release(debate.id)
    assert jobs.run(debate.id) is True and computed(debate) is not None
    assert jobs.run(debate.id) is False  # current already: nothing to do
    # A claim abandoned by a process that died is taken over after a while.
    db.session.execute(
        update(Debate)
        .where(Debate.id == debate.id)
        .values(results_claimed_at=utcnow() - jobs.CLAIM_TIMEOUT - timedelta(seconds=1))
    )
    db.session.commit()
    assert jobs.claim(debate.id) is True


def test_with_redis_the_worker_computes_the_queued_debates(database_url, make_app, voted):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/11"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = make_app(
        {
            **base_config(db.engine.url.render_as_string(hide_password=False)),
            "REDIS_URL": url,
            "RESULTS_INLINE_SECONDS": 0,
            "RESULTS_INLINE_VOTES": 0,
        }
    )
    debate = voted[0]
    db.session.commit()
    with app.app_context():
        assert app.extensions["deliberate.results_queue"].__class__ is jobs.RedisQueue
        assert app.test_client().get(f"/d/{debate.slug}/report").status_code == 200
    assert computed(debate) is None  # queued, not computed by the page
    jobs.work(app, burst=True)
    assert computed(debate) is not None
    redis.Redis.from_url(url).flushdb()
