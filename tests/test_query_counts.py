"""Pages issue a fixed number of SQL queries, whatever the size of the debate."""

import pytest

from deliberate.extensions import db
from deliberate.synthetic import build_debate

from .conftest import count_queries, post


def queries_for(client, url) -> int:
    with count_queries(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.fixture
def small_and_large(app):
    return build_debate(10, slug="small"), build_debate(1000, slug="large")


def test_debate_and_argument_pages_do_not_grow_with_the_debate(
    client, small_and_large, auth, make_user
):
    slugs = [debate.slug for debate in small_and_large]
    parents = [next(a.id for a in debate_arguments(d) if a.reply_count) for d in small_and_large]
    counts = {
        slug: (queries_for(client, f"/d/{slug}"), queries_for(client, f"/d/{slug}/a/{parent}"))
        for slug, parent in zip(slugs, parents, strict=True)
    }
    assert counts["small"] == counts["large"], counts
    # Logged in and joined: the page adds the participant and the user's own votes, still fixed.
    make_user(email="user@example.org")
    auth.login()
    for slug in slugs:
        post(client, f"/d/{slug}/join", {"position": "for", "accept_rules": "y"})
    logged_in = {slug: queries_for(client, f"/d/{slug}") for slug in slugs}
    assert logged_in["small"] == logged_in["large"], logged_in
    assert max(*counts["large"], logged_in["large"]) <= 14


def test_report_and_results_do_not_grow_with_the_debate(client, small_and_large):
    """From the cache, the report and the results API cost the same at 10 and 1,000
    arguments (the first view computes and stores the figures)."""
    counts = {}
    for debate in small_and_large:
        for url in (f"/d/{debate.slug}/report", f"/api/v1/debates/{debate.slug}/results"):
            client.get(url)  # compute and cache
            counts[debate.slug, url.split("/")[-1]] = queries_for(client, url)
    assert counts["small", "report"] == counts["large", "report"], counts
    assert counts["small", "results"] == counts["large", "results"], counts
    assert max(counts.values()) <= 12, counts


def test_counters_match_the_rows_they_count(app):
    debate = build_debate(300, seed=3)
    from sqlalchemy import func, select

    from deliberate.models import Argument, ArgumentVote, Participant

    arguments = debate_arguments(debate)
    assert debate.argument_count == len(arguments)
    assert debate.participant_count == db.session.scalar(
        select(func.count()).select_from(Participant).where(Participant.debate_id == debate.id)
    )
    votes = db.session.execute(
        select(ArgumentVote.argument_id, ArgumentVote.value)
        .join(Argument)
        .where(Argument.debate_id == debate.id)
    ).all()
    assert debate.vote_count == len(votes)
    by_id = {a.id: a for a in arguments}
    for argument in arguments:
        assert argument.agree_count == sum(1 for a, v in votes if a == argument.id and v == 1)
        assert argument.disagree_count == sum(1 for a, v in votes if a == argument.id and v == -1)
        children = [a for a in arguments if a.parent_id == argument.id]
        assert argument.reply_count == len(children)
        descendants = [
            a for a in arguments if a.path.startswith(argument.path) and a.id != argument.id
        ]
        assert argument.descendant_count == len(descendants)
        if argument.parent_id:
            assert argument.depth == by_id[argument.parent_id].depth + 1


def debate_arguments(debate):
    from sqlalchemy import select

    from deliberate.models import Argument

    return db.session.scalars(
        select(Argument).where(Argument.debate_id == debate.id).order_by(Argument.id)
    ).all()
