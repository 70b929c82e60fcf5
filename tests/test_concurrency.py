"""The real server under concurrent clients: nothing counted twice, shared rate limits, and
no acknowledged write lost when the workers are killed.

Each test starts `deliberate serve` (gunicorn) on the test's database: SQLite with 2
workers, or PostgreSQL (DELIBERATE_DATABASE_URL) with 4; 50 clients, each signed in with
its own session, fire at once from behind a barrier.
"""

import collections
import itertools
import os
import random
import re
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from deliberate.agreements import services as agreements
from deliberate.agreements.models import Endorsement
from deliberate.extensions import db
from deliberate.models import (
    PATH_STEP,
    Argument,
    ArgumentVote,
    Debate,
    Participant,
    Phase,
    Position,
    utcnow,
)
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Flag, LogEntry, PhaseChange, Role

from .conftest import PASSWORD, standing
from .served import DOWN, Browser, Reply, Server

CLIENTS = 50
ROUNDS = 3
REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/13"  # 15: test_app; 14: bench/load_test.py
LOGIN_LIMIT = 10  # per minute and address: accounts/views.py


@pytest.fixture
def serve(app, tmp_path):
    """Start `deliberate serve` on this test's database; stopped when the test ends."""
    servers = []
    postgres = db.engine.dialect.name == "postgresql"

    def start(env: dict | None = None) -> Server:
        # The test's session must hold no transaction (and no lock) while the server runs.
        db.session.commit()
        db.session.remove()
        server = Server(
            app.config["SQLALCHEMY_DATABASE_URI"],
            tmp_path / f"served-{len(servers)}",
            workers=4 if postgres else 2,
            env={"DELIBERATE_TRUSTED_PROXIES": "1", **(env or {})},
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def address(n: int) -> str:
    """A client address of its own (X-Forwarded-For): the login limit is per address."""
    return f"10.{n // 250}.{n % 250}.1"


def signed_in(server: Server, emails: list[str]) -> list[Browser]:
    """One browser per email, each signed in through the login form (in parallel)."""
    browsers = [Browser(server, address(n)) for n in range(len(emails))]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda browser, email: browser.login(email, PASSWORD), browsers, emails))
    return browsers


def at_once(browsers: list[Browser], action: Callable[[Browser], Reply | list[Reply]]) -> list:
    """Run `action` in every browser at the same moment; all the replies, in one list."""
    barrier = threading.Barrier(len(browsers))

    def run(browser):
        barrier.wait(timeout=60)
        return action(browser)

    with ThreadPoolExecutor(len(browsers)) as pool:
        results = list(pool.map(run, browsers))
    return [r for result in results for r in (result if isinstance(result, list) else [result])]


def attempt(request: Callable[[], Reply]) -> Reply:
    """A request's reply; a dropped connection is status 0."""
    try:
        return request()
    except DOWN as error:
        return Reply(0, "", repr(error))


def assert_clean(replies: list[Reply], server: Server, duplicate: set[int]) -> collections.Counter:
    """Every answer a success (2xx/3xx) or the expected refusal of a duplicate; never a
    500, a dropped connection or a traceback in the server's log."""
    statuses = collections.Counter(reply.status for reply in replies)
    print(f"\n  {len(replies)} concurrent requests answered {dict(sorted(statuses.items()))}")
    unexpected = [
        (reply.status, reply.text[:300])
        for reply in replies
        if not (200 <= reply.status < 400 or reply.status in duplicate)
    ]
    assert not unexpected, f"{statuses}: {unexpected[:3]}"
    assert any(200 <= reply.status < 400 for reply in replies), statuses
    assert not server.errors_logged(), server.errors_context()
    return statuses


def assert_counters_match_rows(debate_id: int) -> None:
    """The denormalised counters equal the rows they count (for debates whose arguments
    are all public and none deleted or merged, as here)."""
    debate = db.session.get(Debate, debate_id)
    participants = dict(
        db.session.execute(
            select(Participant.position_before, func.count())
            .where(Participant.debate_id == debate_id)
            .group_by(Participant.position_before)
        ).all()
    )
    assert debate.participant_count == sum(participants.values())
    for position in Position:
        assert getattr(debate, f"before_{position.value}") == participants.get(position, 0)
    arguments = db.session.scalars(select(Argument).where(Argument.debate_id == debate_id)).all()
    assert debate.argument_count == len(arguments)
    votes = collections.Counter(
        db.session.execute(
            select(ArgumentVote.argument_id, ArgumentVote.value)
            .join(Argument, Argument.id == ArgumentVote.argument_id)
            .where(Argument.debate_id == debate_id)
        ).all()
    )
    assert debate.vote_count == sum(votes.values())
    flags = collections.Counter(
        db.session.scalars(
            select(Flag.argument_id)
            .join(Argument, Argument.id == Flag.argument_id)
            .where(Argument.debate_id == debate_id, Flag.resolved_at.is_(None))
        ).all()
    )
    by_id = {a.id: a for a in arguments}
    for a in arguments:
        assert (a.agree_count, a.disagree_count) == (votes[a.id, 1], votes[a.id, -1]), a.id
        assert a.flag_count == flags[a.id], a.id
        # Where it sits in the tree: its path is its parent's plus its own id.
        parent = by_id.get(a.parent_id)
        own = f"{a.id:0{PATH_STEP}d}"
        assert a.path == (parent.path if parent else "") + own, a.id
        assert a.depth == (parent.depth + 1 if parent else 0), a.id
        below = [b for b in arguments if b.path.startswith(a.path) and b.id != a.id]
        assert a.descendant_count == len(below), a.id
        assert a.reply_count == sum(b.parent_id == a.id for b in arguments), a.id


# --- nothing counted twice -----------------------------------------------------------------


def test_one_user_sending_the_same_vote_50_times_at_once_counts_one_vote(
    serve, make_debate, make_argument, make_user, join
):
    debate = make_debate()
    argument = make_argument(debate)
    voter = make_user()
    join(voter, debate)
    slug, debate_id, argument_id, voter_id = debate.slug, debate.id, argument.id, voter.id
    email = voter.email
    server = serve()
    browsers = signed_in(server, [email] * CLIENTS)

    replies = at_once(
        browsers,
        lambda b: attempt(lambda: b.post(f"/d/{slug}/vote", {"value": f"{argument_id}:1"})),
    )
    server.stop()

    assert_clean(replies, server, duplicate={409, 429})
    votes = db.session.execute(
        select(ArgumentVote.user_id, ArgumentVote.value).where(
            ArgumentVote.argument_id == argument_id
        )
    ).all()
    assert votes == [(voter_id, 1)]
    argument = db.session.get(Argument, argument_id)
    assert (argument.agree_count, argument.disagree_count) == (1, 0)
    assert db.session.get(Debate, debate_id).vote_count == 1
    assert_counters_match_rows(debate_id)


def test_50_users_voting_on_one_argument_at_once_are_all_counted(
    serve, make_debate, make_argument, make_user, join
):
    debate = make_debate()
    argument = make_argument(debate)
    voters = [make_user() for _ in range(CLIENTS)]
    for voter in voters:
        join(voter, debate)
    slug, debate_id, argument_id = debate.slug, debate.id, argument.id
    emails = [voter.email for voter in voters]
    server = serve()
    browsers = signed_in(server, emails)
    value = {id(b): 1 if n % 3 else -1 for n, b in enumerate(browsers)}  # 33 agree, 17 not

    replies = at_once(
        browsers,
        lambda b: attempt(
            lambda: b.post(f"/d/{slug}/vote", {"value": f"{argument_id}:{value[id(b)]}"})
        ),
    )
    server.stop()

    assert_clean(replies, server, duplicate=set())
    argument = db.session.get(Argument, argument_id)
    assert (argument.agree_count, argument.disagree_count) == (33, 17)
    assert db.session.get(Debate, debate_id).vote_count == CLIENTS
    assert_counters_match_rows(debate_id)


def test_one_user_flagging_an_argument_50_times_at_once_files_one_flag(
    serve, make_debate, make_argument, make_user, join
):
    debate = make_debate()
    argument = make_argument(debate)
    flagger = make_user()
    join(flagger, debate)
    slug, debate_id, argument_id, flagger_id = debate.slug, debate.id, argument.id, flagger.id
    email = flagger.email
    server = serve()
    browsers = signed_in(server, [email] * CLIENTS)

    replies = at_once(
        browsers,
        lambda b: attempt(
            lambda: b.post(f"/d/{slug}/a/{argument_id}/flag", {"rule": "1", "note": ""})
        ),
    )
    server.stop()

    # 409: "You have already flagged this argument"; 429: the flag limit (20 an hour).
    assert_clean(replies, server, duplicate={409, 429})
    flags = db.session.scalars(select(Flag.flagger_id).where(Flag.argument_id == argument_id))
    assert flags.all() == [flagger_id]
    assert db.session.get(Argument, argument_id).flag_count == 1
    assert_counters_match_rows(debate_id)


def test_one_user_endorsing_a_point_50_times_at_once_keeps_one_endorsement(
    serve, make_debate, make_user, join
):
    organiser = make_user()
    debate = make_debate(organiser=organiser)
    mediator = make_user(pseudonym="Mediator Sekou")
    moderation.appoint_accepted(
        standing(organiser, debate), debate, "Mediator Sekou", Role.MEDIATOR
    )
    point = agreements.add_point(
        standing(mediator, debate), debate, "common_ground", "Both sides want a safe well."
    )
    endorser = make_user()
    join(endorser, debate)
    slug, point_id, endorser_id, email = debate.slug, point.id, endorser.id, endorser.email
    server = serve()
    browsers = signed_in(server, [email] * CLIENTS)

    replies = at_once(
        browsers,
        lambda b: attempt(
            lambda: b.post(f"/d/{slug}/agreement/points/{point_id}/endorse", {"value": "1"})
        ),
    )
    server.stop()

    assert_clean(replies, server, duplicate={409, 429})
    answers = db.session.execute(
        select(Endorsement.user_id, Endorsement.value).where(Endorsement.point_id == point_id)
    ).all()
    assert answers == [(endorser_id, 1)]


def test_one_user_joining_50_times_at_once_joins_once(serve, make_debate, make_user):
    debate = make_debate()
    user = make_user()
    slug, debate_id, user_id, email = debate.slug, debate.id, user.id, user.email
    server = serve()
    browsers = signed_in(server, [email] * CLIENTS)

    replies = at_once(
        browsers,
        lambda b: attempt(
            lambda: b.post(
                f"/d/{slug}/join", {"position": "for", "accept_rules": "y", "community": ""}
            )
        ),
    )
    server.stop()

    # 403: "You have already recorded your opening position"; 409: the same, found by the
    # database's unique key; 429: the write limit.
    assert_clean(replies, server, duplicate={403, 409, 429})
    joined = db.session.execute(
        select(Participant.user_id, Participant.position_before).where(
            Participant.debate_id == debate_id
        )
    ).all()
    assert joined == [(user_id, Position.FOR)]
    debate = db.session.get(Debate, debate_id)
    assert (debate.participant_count, debate.before_for) == (1, 1)
    assert_counters_match_rows(debate_id)


# --- page views that write ---------------------------------------------------------------


def test_pages_that_write_when_read_hold_up_under_concurrent_votes(
    serve, make_debate, make_argument, make_user, join
):
    """Two GET handlers write: the report recomputes stale results, and loading a debate
    applies a phase change that has fallen due. With votes landing meanwhile neither fails
    (on SQLite each ends its read snapshot before writing), and the change applies once."""
    organiser = make_user()
    debate = make_debate(organiser=organiser)
    argument_ids = [make_argument(debate).id for _ in range(ROUNDS)]
    voters = [make_user() for _ in range(CLIENTS // 2)]
    for voter in voters:
        join(voter, debate)
    later = utcnow() + timedelta(hours=1)
    moderation.schedule_phase(standing(organiser, debate), debate, Phase.FINAL_VOTE, later)
    db.session.commit()
    due = utcnow() - timedelta(seconds=1)  # a schedule cannot be set in the past: move it
    db.session.execute(update(PhaseChange).values(due_at=due))
    db.session.execute(update(Debate).where(Debate.id == debate.id).values(next_phase_at=due))
    slug, debate_id, emails = debate.slug, debate.id, [voter.email for voter in voters]
    server = serve()
    voting = signed_in(server, emails)
    reading = [Browser(server, address(len(voting) + n)) for n in range(CLIENTS - len(voting))]

    def act(browser):
        if browser in voting:
            votes = [{"value": f"{i}:{random.choice([1, -1])}"} for i in argument_ids]
            return [attempt(lambda v=v: browser.post(f"/d/{slug}/vote", v)) for v in votes]
        pages = [f"/d/{slug}", f"/d/{slug}/report", f"/api/v1/debates/{slug}/results"]
        return [attempt(lambda page=page: browser.get(page)) for page in pages]

    replies = at_once(voting + reading, act)
    server.stop()

    assert_clean(replies, server, duplicate=set())
    assert {r.status for r in replies} == {200, 302}
    assert db.session.get(Debate, debate_id).phase is Phase.FINAL_VOTE
    applied = db.session.scalar(
        select(func.count())
        .select_from(LogEntry)
        .where(
            LogEntry.debate_id == debate_id,
            LogEntry.action == "phase_changed",
            LogEntry.actor_role == "system",
        )
    )
    assert applied == 1
    assert db.session.scalar(select(func.count()).select_from(PhaseChange)) == 0
    assert db.session.get(Debate, debate_id).vote_count == len(voters) * ROUNDS
    assert_counters_match_rows(debate_id)


# --- rate limits shared by the workers -----------------------------------------------------


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def test_the_login_limit_holds_across_workers_with_redis(serve, make_user):
    if not redis_reachable():
        if os.environ.get("DELIBERATE_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is not reachable on {REDIS[0]}:{REDIS[1]}")
        pytest.skip(f"Redis is not reachable on {REDIS[0]}:{REDIS[1]} (CI runs it)")
    import redis

    with redis.Redis.from_url(REDIS_URL) as client:
        client.flushdb()
    user = make_user()
    email = user.email
    # Limited by the socket's address (no trusted proxy): every client is 127.0.0.1.
    server = serve({"DELIBERATE_REDIS_URL": REDIS_URL, "DELIBERATE_TRUSTED_PROXIES": "0"})
    browsers = [Browser(server) for _ in range(3 * server.workers)]
    for browser in browsers:
        browser.fetch_token("/login")  # a session with a CSRF token, not signed in
    # Three connections that each worker has accepted, kept open: every worker answers.
    pinned = server.connections_per_worker(3)
    for browser, (_pid, connection) in zip(browsers, pinned, strict=True):
        browser.connection = connection
    rounds = 4  # 4 attempts on each connection: 24 on SQLite, 48 on PostgreSQL

    def guess(browser, pid):
        barrier.wait(timeout=30)
        answers = []
        for _ in range(rounds):
            assert browser.connection.sock is not None, "the worker closed a kept-alive connection"
            reply = browser.post("/login", {"email": email, "password": "not the password"})
            answers.append((pid, reply.status))
        browser.connection.close()
        return answers

    barrier = threading.Barrier(len(browsers))
    with ThreadPoolExecutor(len(browsers)) as pool:
        answers = list(
            itertools.chain.from_iterable(pool.map(guess, browsers, [pid for pid, _ in pinned]))
        )
    server.stop()
    with redis.Redis.from_url(REDIS_URL) as client:
        client.flushdb()

    statuses = collections.Counter(status for _pid, status in answers)
    by_worker = collections.Counter(pid for pid, _status in answers)
    print(
        f"\n  {len(answers)} failed logins answered {dict(statuses)}, by worker {dict(by_worker)}"
    )
    assert len(by_worker) == server.workers
    # 400: the form says the password is wrong; 429: the limit, whichever worker counts.
    assert statuses == {400: LOGIN_LIMIT, 429: len(answers) - LOGIN_LIMIT}
    assert not server.errors_logged(), server.errors_context()


# --- crash safety --------------------------------------------------------------------------

WRITERS = 8
POSTS_PER_WRITER = 20  # under the write limit (30 a minute per user)
BEFORE_CRASH = 40  # acknowledged writes before the workers are killed...
AFTER_RESTART = 40  # ...and after the restart


class Ledger:
    """What the clients attempted and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Condition()
        self.attempted = 0
        self.acknowledged = 0
        self.arguments: dict[str, int] = {}  # body -> id, acknowledged
        self.votes: dict[tuple[int, int], int] = {}  # (user, argument) -> value, acknowledged
        self.refused: list[tuple[int, str]] = []

    def wait_for(self, acknowledged: int, deadline_s: float = 30) -> None:
        with self.lock:
            assert self.lock.wait_for(lambda: self.acknowledged >= acknowledged, deadline_s), (
                f"only {self.acknowledged} writes acknowledged, waited for {acknowledged}"
            )


def writer(browser: Browser, user_id: int, slug: str, ledger: Ledger, up, stop, seed) -> None:
    """Post arguments (new ones and replies) and vote on others' arguments until told to stop.
    A write is acknowledged by its redirect. When the server is gone, wait until it is back."""
    rng = random.Random(seed)
    posted, voted_on = 0, set()
    while not stop.is_set():
        with ledger.lock:
            known = list(ledger.arguments.items())
        others = [i for body, i in known if not body.startswith(f"w{user_id} ")]
        others = [i for i in others if i not in voted_on]
        if posted < POSTS_PER_WRITER and (not others or rng.random() < 0.5):
            posted += 1
            body = f"w{user_id} says {uuid.uuid4().hex}: a point worth making."
            parent = rng.choice(known)[1] if known and rng.random() < 0.6 else None
            path = f"/d/{slug}/a/{parent}/reply" if parent else f"/d/{slug}/arguments/new"
            form = {"stance": rng.choice(["pro", "con"]), "body": body}
            vote = None
        elif others:
            body = None
            vote = (rng.choice(others), rng.choice([1, -1]))
            voted_on.add(vote[0])  # once each: an acknowledged vote must stay as it was
            path, form = f"/d/{slug}/vote", {"value": f"{vote[0]}:{vote[1]}"}
        else:
            return
        with ledger.lock:
            ledger.attempted += 1
        try:
            reply = browser.post(path, form)
        except DOWN:
            up.wait(timeout=60)
            continue
        with ledger.lock:
            if reply.status != 302:
                ledger.refused.append((reply.status, reply.text[:200]))
                continue
            ledger.acknowledged += 1
            if body:
                ledger.arguments[body] = int(re.search(r"/a/(\d+)", reply.location)[1])
            else:
                ledger.votes[user_id, vote[0]] = vote[1]
            ledger.lock.notify_all()


def test_killing_the_workers_loses_no_acknowledged_write_and_leaves_nothing_half_written(
    serve, make_debate, make_user, join
):
    debate = make_debate()
    writers = [make_user() for _ in range(WRITERS)]
    for user in writers:
        join(user, debate)
    slug, debate_id = debate.slug, debate.id
    accounts = [(user.email, user.id) for user in writers]
    server = serve()
    browsers = signed_in(server, [email for email, _id in accounts])
    ledger, up, stop = Ledger(), threading.Event(), threading.Event()
    up.set()
    threads = [
        threading.Thread(
            target=writer, args=(browser, user_id, slug, ledger, up, stop, n), daemon=True
        )
        for n, (browser, (_email, user_id)) in enumerate(zip(browsers, accounts, strict=True))
    ]
    for thread in threads:
        thread.start()
    try:
        ledger.wait_for(BEFORE_CRASH)
        up.clear()
        killed = server.crash()
        server.start()
        up.set()
        ledger.wait_for(ledger.acknowledged + AFTER_RESTART)
    finally:
        stop.set()
        up.set()
        for thread in threads:
            thread.join(timeout=60)
        server.stop()

    arguments = dict(
        db.session.execute(
            select(Argument.body, Argument.id).where(Argument.debate_id == debate_id)
        ).all()
    )
    votes = {
        (user_id, argument_id): value
        for user_id, argument_id, value in db.session.execute(
            select(ArgumentVote.user_id, ArgumentVote.argument_id, ArgumentVote.value)
        )
    }
    found = sum(arguments.get(body) == i for body, i in ledger.arguments.items())
    found += sum(votes.get(key) == value for key, value in ledger.votes.items())
    print(
        f"\n  SIGKILLed the master and {len(killed) - 1} workers mid-stream; writes attempted "
        f"{ledger.attempted}, acknowledged {ledger.acknowledged}, found {found}; in the "
        f"database: {len(arguments)} arguments, {len(votes)} votes (a write cut off by the "
        f"kill may be there or not); refused: {collections.Counter(s for s, _ in ledger.refused)}"
    )
    assert found == ledger.acknowledged
    assert ledger.refused == []
    assert_counters_match_rows(debate_id)
    orphans = db.session.scalar(
        select(func.count())
        .select_from(ArgumentVote)
        .outerjoin(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.id.is_(None))
    )
    assert orphans == 0
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        path = Path(db.engine.url.database)
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        check.close()
