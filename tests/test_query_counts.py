"""Pages issue a fixed number of SQL queries, whatever the size of the debate."""

import pytest

from deliberate.extensions import db
from deliberate.synthetic import build_debate, build_large_debate

from .conftest import count_queries, post


def queries_for(client, url) -> int:
    """The queries of one view, once the debate's figures are cached (the debate page shows
    the published counts, computed in batches: results/release.py)."""
    client.get(url)
    with count_queries(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.fixture
def small_and_large(app):
    return build_large_debate(10, slug="small"), build_large_debate(1000, slug="large")


def test_debate_and_argument_pages_do_not_grow_with_the_debate(
    client, small_and_large, auth, make_user
):
    slugs = [debate.slug for debate in small_and_large]
    parents = [next(a.id for a in debate_arguments(d) if a.reply_count) for d in small_and_large]
    counts = {
        slug: (queries_for(client, f"/d/{slug}"), queries_for(client, f"/d/{slug}/a/{parent}"))
        for slug, parent in zip(slugs, parents, strict=True)
    }
    # A small debate may spare a query (no replies to read): never the other way round.
    assert all(big <= small for big, small in zip(counts["large"], counts["small"], strict=True)), (
        counts
    )
    # Logged in and joined: the page adds the participant and the user's own votes, still fixed.
    make_user(email="user@example.org")
    auth.login()
    for slug in slugs:
        post(client, f"/d/{slug}/join", {"position": "for", "accept_rules": "y"})
    logged_in = {slug: queries_for(client, f"/d/{slug}") for slug in slugs}
    assert logged_in["large"] <= logged_in["small"], logged_in
    # 15 on PostgreSQL since a debate lists its languages (one query, for the post form).
    assert max(*counts["large"], logged_in["large"]) <= 15


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


@pytest.mark.parametrize("build", [build_debate, build_large_debate])
def test_counters_match_the_rows_they_count(app, build):
    """The services keep the counters true; so does the bulk builder of the benchmarks."""
    debate = build(300, seed=3)
    from sqlalchemy import func, select

    from deliberate.models import Argument, ArgumentVote, Participant

    arguments = debate_arguments(debate)
    assert debate.argument_count == len(arguments)
    assert debate.participant_count == db.session.scalar(
        select(func.count()).select_from(Participant).where(Participant.debate_id == debate.id)
    )
    votes = db.session.execute(
        select(ArgumentVote.argument_id, ArgumentVote.value)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
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


def test_moderation_pages_do_not_grow_with_sanctions_flags_and_arguments(client, auth, make_user):
    """The participant list, the queue and a person's page cost the same with one sanctioned
    person, flag and argument as with many."""
    from sqlalchemy import select

    from deliberate.debates.services import standing
    from deliberate.models import Argument, User
    from deliberate.moderation import review, sanctions
    from deliberate.moderation import services as moderation
    from deliberate.moderation.models import Role, SanctionKind
    from deliberate.rules import Standing

    debate = build_debate(60, slug="moderated")
    mediator = make_user(pseudonym="Counting Mediator", email="user@example.org")
    moderation.appoint_accepted(
        Standing(debate.organiser, roles=frozenset({"organiser"})),
        debate,
        "Counting Mediator",
        Role.MEDIATOR,
    )
    db.session.commit()
    arguments = db.session.scalars(select(Argument).where(Argument.debate_id == debate.id)).all()
    authors = list(
        dict.fromkeys(a.author_id for a in arguments if a.author_id != arguments[0].author_id)
    )
    flagger = db.session.get(User, arguments[0].author_id)

    def act_on(user_ids):
        med = standing(mediator, debate)
        for user_id in user_ids:
            person = db.session.get(User, user_id)
            sanctions.issue(med, debate, standing(person, debate), SanctionKind.WARNING, 1, "Hm.")
            sanctions.issue(med, debate, standing(person, debate), SanctionKind.MUTE, 1, "Ho.", 60)
            sanctions.issue(med, debate, standing(person, debate), SanctionKind.REMOVAL, 1, "X.")
            first = db.session.get(User, authors[0])  # their page grows too
            sanctions.issue(med, debate, standing(first, debate), SanctionKind.WARNING, 1, "Again.")
            mine = next(a for a in arguments if a.author_id == user_id)
            review.flag(standing(flagger, debate), mine, 1, "Counted.")
        db.session.commit()
        pages = ("people", "queue", f"people/{authors[0]}")
        return {page: queries_for(client, f"/d/{debate.slug}/{page}") for page in pages}

    auth.login()
    one = act_on(authors[:1])
    many = act_on(authors[1:8])
    assert one == many, (one, many)
    assert max(many.values()) <= 16, many
