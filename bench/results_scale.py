"""Time and peak memory of each step of the results analysis, on large synthetic debates.

    python bench/results_scale.py [--scale bowling-green,large] [--database-url URL]

Scales: "bowling-green" is the size of Bowling Green's 2018 Pol.is consultation (2,000
participants, 600 arguments, 225,000 votes); "large" is 10,000 participants, 5,000
arguments and 1,000,000 votes. The votes carry four planted opinion groups and seven
declared communities. Rows are bulk-inserted (the services would take minutes to post a
million votes one by one); counters are set to match them.

For each step: wall time, and the peak of memory allocated during it (tracemalloc, which
sees numpy's arrays; scipy's and ARPACK's own C buffers are small next to them), then the
process's peak resident size. Then the report page and the JSON API, served from the cache.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from sqlalchemy import insert, select

from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Argument, ArgumentVote, Debate, Participant, Phase, User
from deliberate.moderation.models import Community
from deliberate.results import analysis, cache, data

SCALES = {
    "bowling-green": (2_000, 600, 225_000),
    "large": (10_000, 5_000, 1_000_000),
}
COMMUNITIES = ["North", "South", "East", "West", "River", "Hills", "Town"]
#: Each planted group's view on two kinds of argument (even and odd columns).
OPINIONS = np.array([(1, 1), (-1, -1), (1, -1), (-1, 1)])
CHUNK = 50_000


def build(people: int, arguments: int, votes: int, tag: str) -> Debate:
    rng = np.random.default_rng(2018)
    start = (db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    user_ids = np.arange(start, start + people)
    db.session.execute(
        insert(User),
        [
            {
                "id": int(uid),
                "pseudonym": f"Bench {tag} {uid}",
                "pseudonym_key": f"bench {tag} {uid}",
                "email": f"{tag}-{uid}@bench.invalid",
                "password_hash": "!",
                "is_demo": True,
            }
            for uid in user_ids
        ],
    )
    debate = Debate(
        slug=f"bench-{tag}",
        motion=f"A benchmark motion at the {tag} scale?",
        organiser_id=int(user_ids[0]),
        phase=Phase.OPEN,
    )
    db.session.add(debate)
    db.session.flush()
    db.session.execute(
        insert(Community),
        [{"debate_id": debate.id, "name": n, "position": i} for i, n in enumerate(COMMUNITIES)],
    )
    community_ids = db.session.scalars(
        select(Community.id).where(Community.debate_id == debate.id).order_by(Community.position)
    ).all()

    group = rng.integers(0, len(OPINIONS), people)
    # Communities lean on groups: most of a community shares one opinion group.
    community = np.where(rng.random(people) < 0.7, group, rng.integers(0, 7, people)) % 7
    positions = np.array(["for", "against", "undecided"])
    before = positions[rng.integers(0, 3, people)]
    after = np.where(rng.random(people) < 0.3, positions[rng.integers(0, 3, people)], before)
    db.session.execute(
        insert(Participant),
        [
            {
                "debate_id": debate.id,
                "user_id": int(uid),
                "position_before": b,
                "position_after": a,
                "community_id": community_ids[c],
            }
            for uid, b, a, c in zip(user_ids, before, after, community, strict=True)
        ],
    )

    first = (db.session.scalar(select(Argument.id).order_by(Argument.id.desc()).limit(1)) or 0) + 1
    argument_ids = np.arange(first, first + arguments)
    authors = rng.choice(user_ids, arguments)
    stances = rng.choice(["pro", "con"], arguments)

    per_person = votes // people
    voter = np.repeat(np.arange(people), per_person)
    column = np.concatenate(
        [rng.choice(arguments, per_person, replace=False) for _ in range(people)]
    )
    agree = OPINIONS[group[voter], column % 2] > 0
    agree ^= rng.random(len(voter)) < 0.15  # noise
    value = np.where(agree, 1, -1)
    agree_count = np.bincount(column[value > 0], minlength=arguments)
    disagree_count = np.bincount(column[value < 0], minlength=arguments)
    db.session.execute(
        insert(Argument),
        [
            {
                "id": int(aid),
                "debate_id": debate.id,
                "author_id": int(author),
                "stance": stance,
                "body": f"Benchmark statement {aid}, long enough to read.",
                "body_html": f"<p>Benchmark statement {aid}, long enough to read.</p>",
                "depth": 0,
                "path": f"{aid:010d}",
                "agree_count": int(a),
                "disagree_count": int(d),
            }
            for aid, author, stance, a, d in zip(
                argument_ids, authors, stances, agree_count, disagree_count, strict=True
            )
        ],
    )
    for lo in range(0, len(voter), CHUNK):
        hi = lo + CHUNK
        db.session.execute(
            insert(ArgumentVote),
            [
                {"argument_id": int(argument_ids[c]), "user_id": int(user_ids[v]), "value": int(x)}
                for v, c, x in zip(voter[lo:hi], column[lo:hi], value[lo:hi], strict=True)
            ],
        )
    debate.argument_count, debate.participant_count, debate.vote_count = (
        arguments,
        people,
        len(voter),
    )
    debate.results_version = 1
    db.session.commit()
    return debate


def measure(label: str, step):
    """Run the step twice: timed, then traced (tracemalloc slows what it watches)."""
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    step()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<30} {seconds:8.2f} s {peak / 2**20:9.1f} MB")
    return result, seconds


def run(app, scale: str) -> None:
    people, arguments, votes = SCALES[scale]
    print(f"\n{scale}: {people:,} participants, {arguments:,} arguments, {votes:,} votes")
    started = time.perf_counter()
    debate = build(people, arguments, votes, scale)
    print(f"  (built in {time.perf_counter() - started:.1f} s, not counted)")
    print(f"  {'step':<30} {'time':>10} {'peak alloc':>12}")
    loaded, t_load = measure("load from the database", lambda: data.load(debate))
    measure("opinion shift", lambda: analysis.opinion_shift(loaded.before, loaded.after))
    measure("shift by community", lambda: analysis.shift_by_community(loaded))
    measure("changed minds", lambda: analysis.changed_minds(loaded))
    measure("agreement by community", lambda: analysis.community_agreement(loaded))
    (groups, _), _ = measure("opinion groups (Pol.is)", lambda: analysis.opinion_groups(loaded))
    measure("  vote matrix (sparse)", lambda: analysis.vote_matrix(loaded))
    _, total = measure("whole analysis + cache write", lambda: cache.recompute(debate))
    print(
        f"  groups found: {groups.get('k')}, silhouette {groups.get('silhouette')}, "
        f"clustered {groups.get('clustered')}"
    )
    client = app.test_client()
    pages = (("report page", "/d/{}/report"), ("results API", "/api/v1/debates/{}/results"))
    for label, url in pages:
        started = time.perf_counter()
        response = client.get(url.format(debate.slug))
        seconds = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        size = len(response.data) / 1024
        print(f"  {label + ' (from cache)':<30} {seconds:8.2f} s {size:9.0f} KB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process peak resident size: {peak:.0f} MB")
    verdict = "under" if total < 5 else "OVER"
    print(f"  whole analysis {total:.2f} s: {verdict} the 5 s budget")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bowling-green,large")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="deliberate-bench-")
    os.environ["DELIBERATE_INSTANCE_PATH"] = folder
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        print(f"database: {db.engine.url.render_as_string()}")
        for scale in args.scale.split(","):
            run(app, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
