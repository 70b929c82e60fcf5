"""Privacy by design (docs/privacy.md): no raw IP address stored, transient data purged, emails
seen only by their owner and admins, a download of one's data, and account deletion."""

import html
import json
import re
from collections import Counter, deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

import deliberate
from deliberate import rules
from deliberate.accounts.models import PasswordReset
from deliberate.agreements import services as agreements
from deliberate.agreements.models import Endorsement, PointKind
from deliberate.config import ConfigError, load_config
from deliberate.debates import services as debate_services
from deliberate.extensions import db, hashed_address, limiter
from deliberate.models import Argument, ArgumentRevision, ArgumentVote, Participant, User
from deliberate.moderation import review, sanctions
from deliberate.moderation import services as moderation
from deliberate.moderation.models import (
    Appeal,
    DebateRole,
    Flag,
    LogEntry,
    NoteKind,
    Notification,
    Role,
    SanctionKind,
)
from deliberate.privacy import services
from deliberate.rules import Standing
from deliberate.seed import demo_users, seed_debate
from deliberate.seed_content import load_seed

from .conftest import (
    PASSWORD,
    FreshContextClient,
    base_config,
    count_queries,
    post,
    standing,
)

VICTIM_EMAIL = "victim.private@example.org"
FORMER = "Former participant"


def login(client, email, password=PASSWORD):
    response = post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def new_client(app, email=None):
    """A browser of its own: each request in a fresh app context, as in production."""
    app.test_client_class = FreshContextClient
    client = app.test_client()
    if email:
        login(client, email)
    return client


def delete_my_account(client, password=PASSWORD, **extra):
    data = {"password": password, "confirm": "y", **extra}
    return post(client, "/account/delete", data)


# --- 1. no raw IP address is stored ---------------------------------------------------------


def test_rate_limit_storage_and_its_log_hold_no_client_address(app, make_app, caplog):
    caplog.set_level("INFO", logger="flask-limiter")
    # On this test's own database (the requests write): never on the shared template.
    own_database = app.config["SQLALCHEMY_DATABASE_URI"]
    app = make_app({**base_config(own_database), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    address = "203.0.113.77"
    statuses = [
        post(
            client,
            "/register",
            {"pseudonym": f"Flood {n}", "email": f"f{n}@example.org", "password": "short"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for n in range(6)
    ]
    assert statuses[-1] == 429  # the limit was counted and reached, so keys were written
    storage = limiter.storage
    keys = [*storage.storage, *storage.expirations, *getattr(storage, "events", {})]
    assert keys
    with app.app_context():
        expected = f"addr:{hashed_address(address)}"
    assert any(expected in key for key in keys), keys
    assert not any(address in key for key in keys), keys
    assert "exceeded" in caplog.text  # flask-limiter logs the key of a breached limit...
    assert address not in caplog.text  # ...which is the hash, not the address


def test_the_address_hash_rotates_daily_and_needs_the_secret(app, make_app):
    day = date(2026, 11, 28)
    with app.app_context():
        today = hashed_address("198.51.100.9", day)
        assert today == hashed_address("198.51.100.9", day)
        assert len(today) == 32 and re.fullmatch(r"[0-9a-f]+", today)
        assert today != hashed_address("198.51.100.9", day + timedelta(days=1))
        assert today != hashed_address("198.51.100.10", day)
    own_database = app.config["SQLALCHEMY_DATABASE_URI"]
    other = make_app({**base_config(own_database), "SECRET_KEY": "another secret key entirely"})
    with other.app_context():
        assert hashed_address("198.51.100.9", day) != today


def test_signed_in_people_are_limited_by_account(app, make_user):
    from deliberate.extensions import rate_limit_key

    user = make_user()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.5"}):
        assert rate_limit_key().startswith("addr:")
        from flask_login import login_user

        login_user(user)
        assert rate_limit_key() == f"user:{user.id}"


def test_no_code_reads_the_client_address_except_the_hashed_limit_key():
    package = Path(deliberate.__file__).parent
    templates = package.parent / "templates"
    for path in [*package.rglob("*.py"), *templates.rglob("*.html")]:
        source = path.read_text()
        if path.name != "extensions.py":
            assert "get_remote_address" not in source, path
        source = source.replace("get_remote_address", "")
        for needle in ("remote_addr", "access_route", "REMOTE_ADDR"):
            assert needle not in source, f"{needle} in {path}"


# --- 2. the purge ---------------------------------------------------------------------------


@pytest.fixture
def transient(app, make_user, make_debate, make_argument, join):
    """Old and recent transient rows, and lasting ones the purge must not touch."""
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=8), now - timedelta(days=2)
    user = make_user()
    debate = make_debate()
    argument = make_argument(debate)

    def reset(token, created, expires, used=None):
        db.session.add(
            PasswordReset(
                user_id=user.id,
                token_hash=token * 64,
                created_at=created,
                expires_at=expires,
                used_at=used,
            )
        )

    reset("a", old - timedelta(hours=1), old)  # expired 8 days ago: purged
    reset("b", old - timedelta(hours=1), old + timedelta(hours=1), used=old)  # used: purged
    reset("c", recent - timedelta(hours=1), recent)  # expired 2 days ago: kept for now
    reset("d", now, now + timedelta(hours=1))  # live: kept
    for read_at, created in ((old, old), (recent, old), (None, old)):
        db.session.add(
            Notification(user_id=user.id, kind="reply", created_at=created, read_at=read_at)
        )
    flaggers = [make_user() for _ in range(3)]
    for flagger, resolved in zip(flaggers, (old, recent, None), strict=True):
        join(flagger, debate)
        db.session.add(
            Flag(
                argument_id=argument.id,
                flagger_id=flagger.id,
                rule_number=1,
                note=f"note by {flagger.pseudonym}",
                resolved_at=resolved,
            )
        )
    db.session.commit()
    return {"user": user, "debate": debate, "now": now}


def test_the_purge_removes_transient_data_after_the_configured_days(transient):
    logged = db.session.scalar(select(func.count()).select_from(LogEntry))
    counts = services.purge()
    db.session.commit()
    assert counts == {
        "password_resets": 2,
        "notifications": 1,
        "flag_notes": 1,
        "address_links": 0,
        "login_sessions": 0,
    }
    tokens = db.session.scalars(select(PasswordReset.token_hash).order_by(PasswordReset.id))
    assert [t[0] for t in tokens] == ["c", "d"]
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    unread = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    assert db.session.scalar(unread) == 1
    notes = db.session.scalars(select(Flag.note).order_by(Flag.id)).all()
    assert notes[0] == "" and notes[1].startswith("note by") and notes[2].startswith("note by")
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 3  # one flag a person
    assert db.session.scalar(select(func.count()).select_from(LogEntry)) == logged
    assert set(services.purge().values()) == {0}


def test_the_purge_follows_the_setting(app, transient):
    app.config["PURGE_DAYS"] = 1
    assert services.purge() == {
        "password_resets": 3,
        "notifications": 2,
        "flag_notes": 2,
        "address_links": 0,
        "login_sessions": 0,
    }


def test_purge_days_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DELIBERATE_SECRET_KEY", "k" * 40)
    assert load_config(str(tmp_path))["PURGE_DAYS"] == 7
    monkeypatch.setenv("DELIBERATE_PURGE_DAYS", "30")
    assert load_config(str(tmp_path))["PURGE_DAYS"] == 30
    for wrong in ("-1", "seven", "1.5"):
        monkeypatch.setenv("DELIBERATE_PURGE_DAYS", wrong)
        with pytest.raises(ConfigError, match="DELIBERATE_PURGE_DAYS"):
            load_config(str(tmp_path))


def test_the_purge_command(runner, transient):
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged: 2 password-reset links, 1 read notifications, 1 notes" in result.output
    result = runner.invoke(args=["purge", "--days", "0"])
    assert "Purged: 1 password-reset links, 1 read notifications, 1 notes" in result.output


def test_requests_run_the_purge_at_most_once_an_interval(app, client, transient):
    state = app.extensions[services.PURGE_STATE]
    assert state["next"] > 0  # not at start-up: `deliberate serve` purges then
    client.get("/")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3
    state["next"] = 0  # an interval has passed
    client.get("/")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    long_ago = transient["now"] - timedelta(days=30)
    db.session.add(Notification(user_id=transient["user"].id, kind="reply", read_at=long_ago))
    db.session.commit()
    client.get("/")  # within the next interval: nothing runs
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3
    assert state["next"] > 0


# --- 3. an email is seen by its owner and by admins only ------------------------------------


@pytest.fixture
def scene(app, make_user, make_debate, join, make_argument):
    """A debate in which a participant (the victim) does everything a participant can:
    declares a community only they belong to, writes, edits, votes, flags, is hidden,
    appeals, is warned, endorses, and gets replies."""
    organiser = make_user(pseudonym="Organiser Awa", email="organiser.awa@example.org")
    debate = make_debate(organiser=organiser)
    running = standing(organiser, debate)
    moderation.set_communities(running, debate, ["Herders", "Lonely Valley Group"])
    make_user(pseudonym="Helper Organiser", email="helper.organiser@example.org")
    mediator = make_user(pseudonym="Helper Mediator", email="helper.mediator@example.org")
    moderation.appoint_accepted(running, debate, "Helper Organiser", Role.ORGANISER)
    moderation.appoint_accepted(running, debate, "Helper Mediator", Role.MEDIATOR)
    db.session.commit()
    victim = make_user(pseudonym="Victim Person", email=VICTIM_EMAIL)
    other = make_user(pseudonym="Other Reader", email="other.reader@example.org")
    others = [make_argument(debate, body=f"Someone else's argument, number {n}.") for n in (1, 2)]
    who = join(victim, debate)
    valley = moderation.communities(debate)[-1]
    moderation.declare_community(who, debate, valley.id)
    mine = make_argument(debate, author=victim, body="The victim's own argument, visible.")
    debate_services.edit_argument(standing(victim, debate), mine, "The victim's argument, edited.")
    hidden = make_argument(debate, author=victim, body="Another argument a mediator hides.")
    debate_services.cast_vote(standing(victim, debate), others[0], 1)
    review.flag(standing(victim, debate), others[1], 1, "I flag this, says the victim.")
    review.decide(standing(mediator, debate), hidden, review.Decision.URGENT_HIDE, 1, "Off topic.")
    sanctions.appeal_argument(standing(victim, debate), hidden, "Please look at it again.")
    sanctions.issue(
        standing(mediator, debate),
        debate,
        standing(victim, debate),
        SanctionKind.WARNING,
        1,
        "Mind the tone, please.",
    )
    point = agreements.add_point(
        standing(mediator, debate), debate, PointKind.COMMON_GROUND, "Water is for all.", []
    )
    agreements.endorse(standing(victim, debate), point, 1)
    make_argument(debate, author=other, stance="con", body="A reply to the victim.", parent=mine)
    db.session.commit()
    return {"debate": debate, "victim": victim, "mine": mine, "hidden": hidden}


@pytest.fixture
def seeded(scene):
    """The scene, beside two of the seeded demo debates (the third, larger one is slow to
    build and has no other kind of page)."""
    seed = load_seed()
    users = demo_users(seed.accounts)
    for spec in seed.debates[1:]:
        seed_debate(spec, users)
    db.session.commit()
    return scene


LINK = re.compile(r'href="(/[^"#]*)"')


def crawl(client, starts, per_pattern=2, limit=300) -> dict[str, tuple[int, str]]:
    """GET every page reachable by links from `starts`, at most `per_pattern` pages of each
    shape (/d/<slug>/a/<n>...), so every kind of page is seen without fetching them all."""
    pages, queue, seen, shapes = {}, deque(starts), set(), Counter()
    while queue and len(pages) < limit:
        url = html.unescape(queue.popleft())
        path, _, query = url.partition("?")
        if url in seen or path.startswith("/static/") or path in ("/logout", "/language"):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "#", path) + "?" + ",".join(sorted(re.findall(r"(\w+)=", query)))
        shapes[shape] += 1
        if shapes[shape] > per_pattern:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True)
        pages[url] = (response.status_code, body)
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            queue.append(response.location)
        if response.mimetype == "text/html":
            queue.extend(LINK.findall(body))
    return pages


def starts(scene) -> list[str]:
    slug, debate = scene["debate"].slug, scene["debate"]
    return [
        "/",
        "/inbox",
        "/account",
        f"/d/{slug}",
        f"/d/{slug}/a/{scene['mine'].id}",
        f"/d/{slug}/a/{scene['mine'].id}/history",
        f"/d/{slug}/a/{scene['hidden'].id}",
        f"/d/{slug}/queue",
        f"/d/{slug}/manage",
        f"/d/{slug}/moderation",
        f"/d/{slug}/report",
        f"/d/{slug}/agreement",
        "/api/v1/debates",
        f"/api/v1/debates/{slug}",
        f"/api/v1/debates/{slug}/moderation-log",
        f"/api/v1/debates/{slug}/results",
        f"/debates/{debate.id}",
    ]


@pytest.mark.parametrize(
    "viewer",
    [
        None,
        "other.reader@example.org",
        "helper.mediator@example.org",
        "helper.organiser@example.org",
    ],
    ids=["anonymous", "another-participant", "mediator", "organiser"],
)
def test_an_email_is_on_no_page_anyone_else_can_fetch(app, seeded, viewer):
    client = new_client(app, viewer)
    related = [f"/d/{spec.slug}" for spec in load_seed().debates[1:]]
    pages = crawl(client, [*starts(seeded), *related])
    assert len(pages) > 40
    fetched = {url.partition("?")[0] for url, (status, _) in pages.items() if status == 200}
    slug = seeded["debate"].slug
    assert f"/d/{slug}/a/{seeded['mine'].id}" in fetched
    assert related[0] in fetched
    assert f"/d/{slug}/export/arguments.json" in fetched
    if viewer == "helper.mediator@example.org":
        assert f"/d/{slug}/queue" in fetched  # flags and appeals, with their authors
    if viewer == "helper.organiser@example.org":
        assert f"/d/{slug}/manage" in fetched
    emails = set(db.session.scalars(select(User.email).where(User.email.is_not(None))))
    assert VICTIM_EMAIL in emails and len(emails) > 10  # the demo accounts have emails too
    for url, (_status, body) in pages.items():
        for email in emails - {viewer}:
            assert email not in body, (email, url)
        if viewer is None:
            # A declared community of fewer than 5 people is never shown, not even counted:
            # its name is only in the list the organiser published (the log records it).
            listed = body.replace("Herders, Lonely Valley Group", "")
            assert "Lonely Valley Group" not in listed, url


def test_the_owner_sees_their_own_email(app, scene):
    pages = crawl(new_client(app, VICTIM_EMAIL), ["/account"], limit=5)
    assert VICTIM_EMAIL in pages["/account"][1]


def test_admins_find_accounts_and_see_their_emails(app, scene, make_user):
    make_user(pseudonym="Site Admin", email="admin@example.org", is_admin=True)
    client = new_client(app, "admin@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert VICTIM_EMAIL in page and "helper.mediator@example.org" in page
    found = client.get("/admin/users?q=victim").get_data(as_text=True)
    assert VICTIM_EMAIL in found and "helper.mediator@example.org" not in found
    assert 'value="victim"' in found
    helper = client.get("/admin/users?q=Helper+Mediator").get_data(as_text=True)
    assert "mediator (1)" in helper
    assert "No account matches." in client.get("/admin/users?q=%25_").get_data(as_text=True)


@pytest.mark.parametrize(
    "viewer", ["other.reader@example.org", "helper.organiser@example.org", VICTIM_EMAIL]
)
def test_nobody_but_admins_opens_the_user_list(app, scene, viewer):
    assert new_client(app, viewer).get("/admin/users").status_code == 403
    anonymous = new_client(app).get("/admin/users")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.location


def test_only_admins_may_see_emails():
    assert rules.see_emails(Standing(User(id=1, is_admin=True))) is None
    assert rules.see_emails(Standing(User(id=2, is_admin=False))).status == 403


# --- 4. download my data --------------------------------------------------------------------


@pytest.fixture
def person(app, scene, make_user, make_debate):
    """The victim of the crawl scene, who also mediates (a note, a point) another debate."""
    victim = scene["victim"]
    other = make_debate(motion="A second debate the victim mediates, does it?")
    moderation.appoint_accepted(
        standing(other.organiser, other), other, "Victim Person", Role.MEDIATOR
    )
    moderation.post_note(
        standing(victim, other), other, NoteKind.SUMMARY, "Where the debate stands now."
    )
    agreements.add_point(
        standing(victim, other), other, PointKind.NEXT_STEP, "Meet again in a month.", []
    )
    db.session.add(
        PasswordReset(
            user_id=victim.id,
            token_hash="f" * 64,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    db.session.commit()
    return {**scene, "other": other}


def download(client):
    response = post(client, "/account/data", {})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_data_page_explains_and_a_button_downloads(app, person):
    client = new_client(app, VICTIM_EMAIL)
    page = client.get("/account/data")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Your votes on arguments" in text and 'method="post"' in text
    response = download(client)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="deliberate-my-data-')
    assert "Victim" not in disposition  # a file name says nothing about whose it is
    assert client.post("/account/data").status_code == 400  # no CSRF token: no download
    anonymous = new_client(app).get("/account/data")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.location


def test_the_download_holds_everything_the_person_wrote_voted_and_declared(app, person):
    data = download(new_client(app, VICTIM_EMAIL)).get_json()
    slug = person["debate"].slug
    assert data["format"] == "deliberate.personal-data"
    assert data["profile"]["email"] == VICTIM_EMAIL
    assert data["profile"]["pseudonym"] == "Victim Person"
    assert "password_hash" not in json.dumps(data) and "token_hash" not in json.dumps(data)
    joined = {d["debate"]: d for d in data["debates_joined"]}
    assert joined[slug]["declared_community"] == "Lonely Valley Group"
    assert joined[slug]["position_before"] == "undecided"
    mine = {a["id"]: a for a in data["arguments"]}
    assert mine[person["mine"].id]["body"] == "The victim's argument, edited."
    assert [v["body"] for v in mine[person["mine"].id]["earlier_versions"]] == [
        "The victim's own argument, visible."
    ]
    assert mine[person["hidden"].id]["visibility"] == "hidden"
    assert mine[person["hidden"].id]["moderation_reason"].endswith("Off topic.")
    assert [v["value"] for v in data["votes"]] == [1]
    assert data["flags"][0]["note"] == "I flag this, says the victim."
    assert data["endorsements"] == [
        {**data["endorsements"][0], "debate": slug, "point": 1, "value": "endorse"}
    ]
    assert data["appeals"][0]["text"] == "Please look at it again."
    assert data["sanctions"][0]["kind"] == "warning"
    assert data["sanctions"][0]["reason"] == "Mind the tone, please."
    assert {n["kind"] for n in data["notifications"]} >= {"reply", "hidden_urgently", "sanction"}
    assert data["mediator_notes"][0]["body"] == "Where the debate stands now."
    assert data["agreement_points_written"][0]["text"] == "Meet again in a month."
    assert {(r["debate"], r["role"]) for r in data["roles"]} == {(person["other"].slug, "mediator")}
    assert len(data["password_resets"]) == 1
    # Nothing of anyone else: the reply's author, the mediator's email.
    text = json.dumps(data)
    assert "Other Reader" not in text and "helper.mediator" not in text


def test_the_download_takes_one_query_per_table(app, person, make_user, make_argument, vote):
    busy, quiet = person["victim"], make_user()
    debate = person["debate"]
    for n in range(3):
        argument = make_argument(debate, author=make_user(), body=f"Something to vote on, {n}.")
        vote(busy, argument, 1)
    with app.test_request_context():
        with count_queries(db.engine) as busy_count:
            services.personal_data(busy)
        with count_queries(db.engine) as quiet_count:
            services.personal_data(quiet)
    assert busy_count.count == quiet_count.count <= 17  # one per table, mail choices included


# --- 5. account deletion ----------------------------------------------------------------------


def snapshot(user_id: int) -> dict:
    """Everything deletion changes about one account, to compare before and after."""
    user = db.session.get(User, user_id)
    count = lambda model, column: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(column == user_id)
    )
    return {
        "user": (user.pseudonym, user.email, user.password_hash, user.deleted_at),
        "notifications": count(Notification, Notification.user_id),
        "resets": count(PasswordReset, PasswordReset.user_id),
        "appeals": count(Appeal, Appeal.appellant_id),
        "communities": db.session.scalars(
            select(Participant.community_id).where(Participant.user_id == user_id)
        ).all(),
        "active_roles": db.session.scalar(
            select(func.count())
            .select_from(DebateRole)
            .where(DebateRole.user_id == user_id, DebateRole.ended_at.is_(None))
        ),
        "flag_notes": db.session.scalars(select(Flag.note).where(Flag.flagger_id == user_id)).all(),
        "votes": count(ArgumentVote, ArgumentVote.user_id),
        "endorsements": count(Endorsement, Endorsement.user_id),
        "arguments": count(Argument, Argument.author_id),
        "revisions": db.session.scalar(
            select(func.count())
            .select_from(ArgumentRevision)
            .join(Argument, Argument.id == ArgumentRevision.argument_id)
            .where(Argument.author_id == user_id)
        ),
        "log": db.session.scalar(select(func.count()).select_from(LogEntry)),
    }


def test_deleting_an_account_erases_the_person_and_keeps_the_debate(app, person):
    victim, debate, mine = person["victim"], person["debate"], person["mine"]
    victim_id, token = victim.id, victim.session_token
    counts = (mine.agree_count, debate.vote_count, debate.participant_count)
    before = snapshot(victim_id)
    client = new_client(app, VICTIM_EMAIL)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "cannot be undone" in page and "Former participant" in page
    response = delete_my_account(client)
    assert response.status_code == 302 and response.location == "/"
    after = snapshot(victim_id)
    user = db.session.get(User, victim_id)
    assert (user.pseudonym, user.pseudonym_key, user.email, user.password_hash) == (
        FORMER,
        None,
        None,
        None,
    )
    assert user.totp_secret is None and user.deleted_at is not None and not user.is_admin
    assert user.session_token != token
    # Private data erased...
    assert (after["notifications"], after["resets"], after["appeals"]) == (0, 0, 0)
    assert before["communities"] != [None] and after["communities"] == [None]
    assert before["active_roles"] == 1 and after["active_roles"] == 0
    assert after["flag_notes"] == [""]
    # ...contributions kept, counted as before.
    for kept in ("votes", "endorsements", "arguments", "revisions"):
        assert after[kept] == before[kept] > 0, kept
    db.session.refresh(mine)
    db.session.refresh(debate)
    assert (mine.agree_count, debate.vote_count, debate.participant_count) == counts
    assert mine.body == "The victim's argument, edited."
    # Stepping down as mediator is on the public record of the debate they mediated.
    last = db.session.scalars(
        select(LogEntry).where(LogEntry.debate_id == person["other"].id).order_by(LogEntry.id)
    ).all()[-1]
    assert (last.action, last.actor_id) == ("mediator_stepped_down", victim_id)
    # Logged out, and the account cannot log in again.
    assert client.get("/account").status_code == 302
    again = post(client, "/login", {"email": VICTIM_EMAIL, "password": PASSWORD})
    assert again.status_code == 400


def test_the_deleted_author_is_a_former_participant_everywhere(app, person, make_user):
    debate, mine = person["debate"], person["mine"]
    delete_my_account(new_client(app, VICTIM_EMAIL))
    debate.export_pseudonyms = True
    db.session.commit()
    reader = new_client(app, "other.reader@example.org")
    slug = debate.slug
    pages = {
        "debate": reader.get(f"/d/{slug}"),
        "permalink": reader.get(f"/d/{slug}/a/{mine.id}"),
        "log": reader.get(f"/d/{slug}/moderation"),
        "other log": reader.get(f"/d/{person['other'].slug}/moderation"),
        "api": reader.get(f"/api/v1/debates/{slug}"),
        "api log": reader.get(f"/api/v1/debates/{slug}/moderation-log"),
        "export": reader.get(f"/d/{slug}/export/arguments.json"),
        "log export": reader.get(f"/d/{slug}/export/moderation-log.csv"),
    }
    for name, response in pages.items():
        body = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "Victim Person" not in body, name
        if name not in ("log", "api log", "log export"):
            assert FORMER in body, name
    log_page = pages["log"].get_data(as_text=True)
    assert f"{FORMER}" in log_page  # the warning's subject, the appellant
    graph = pages["export"].get_json()
    node = next(n for n in graph["arguments"] if n["id"] == mine.id)
    assert node["author_pseudonym"] == FORMER
    api = pages["api"].get_json()
    assert next(a for a in api["arguments"] if a["id"] == mine.id)["author"] == FORMER
    assert FORMER in pages["other log"].get_data(as_text=True)  # stepped down as mediator
    assert graph["communities"] == []


def test_a_wrong_password_or_no_confirmation_deletes_nothing(app, person):
    victim_id = person["victim"].id
    before = snapshot(victim_id)
    client = new_client(app, VICTIM_EMAIL)
    wrong = delete_my_account(client, password="not my password")
    assert wrong.status_code == 400
    assert "This is not your current password." in wrong.get_data(as_text=True)
    unconfirmed = post(client, "/account/delete", {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    assert snapshot(victim_id) == before
    assert client.get("/account").status_code == 200  # still logged in


def test_deletion_is_one_transaction(app, person, monkeypatch):
    """A failure at the last step leaves everything as it was: nothing half-deleted."""
    victim_id = person["victim"].id
    before = snapshot(victim_id)
    steps = []
    for name in ("_erase_private_rows", "_forget_communities", "_end_roles", "_clear_flag_notes"):
        real = getattr(services, name)

        def traced(user, real=real, name=name):
            real(user)
            steps.append(name)

        monkeypatch.setattr(services, name, traced)

    def fail(user):
        raise RuntimeError("the database went away mid-deletion")

    monkeypatch.setattr(services, "_anonymise", fail)
    client = new_client(app, VICTIM_EMAIL)
    response = delete_my_account(client)
    assert response.status_code == 500
    assert len(steps) == 4  # every other step ran, and was rolled back
    assert snapshot(victim_id) == before
    assert client.get("/account").status_code == 200
    login(new_client(app), VICTIM_EMAIL)


def test_an_old_session_of_a_deleted_account_stops_working(app, person):
    elsewhere = new_client(app, VICTIM_EMAIL)  # e.g. a phone left logged in, or a thief's copy
    assert elsewhere.get("/account").status_code == 200
    delete_my_account(new_client(app, VICTIM_EMAIL))
    response = elsewhere.get("/account")
    assert response.status_code == 302 and "/login" in response.location


def test_a_second_factor_is_asked_for_when_the_account_has_one(app, person):
    victim = person["victim"]
    client = new_client(app, VICTIM_EMAIL)
    secret = pyotp.random_base32()
    victim.totp_secret = secret  # turned on after this login, to skip the login's own code
    db.session.commit()
    assert "Code from your authenticator app" in client.get("/account/delete").get_data(
        as_text=True
    )
    assert delete_my_account(client).status_code == 400  # no code
    stale = pyotp.TOTP(secret).at(datetime(2001, 1, 1, tzinfo=UTC))
    refused = delete_my_account(client, code=stale)
    assert refused.status_code == 400
    assert "This code is not the one your app shows now." in refused.get_data(as_text=True)
    assert db.session.get(User, victim.id).deleted_at is None
    done = delete_my_account(client, code=pyotp.TOTP(secret).now())
    assert done.status_code == 302
    assert db.session.get(User, victim.id).totp_secret is None


def test_a_sole_organiser_is_told_and_may_still_leave(app, make_user, make_debate):
    organiser = make_user(pseudonym="Lone Organiser", email="lone@example.org")
    debate = make_debate(organiser=organiser)
    shared = make_debate(organiser=organiser, motion="A debate run by two people, is it?")
    make_user(pseudonym="Co Organiser", email="co@example.org")
    moderation.appoint_accepted(standing(organiser, shared), shared, "Co Organiser", Role.ORGANISER)
    db.session.commit()
    client = new_client(app, "lone@example.org")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are the only organiser of these debates" in page
    assert debate.motion in page and shared.motion not in page
    assert delete_my_account(client).status_code == 302
    assert f"Organised by {FORMER}" in new_client(app).get(f"/d/{debate.slug}").get_data(
        as_text=True
    )
    make_user(pseudonym="Site Admin", email="admin@example.org", is_admin=True)
    assert new_client(app, "admin@example.org").get(f"/d/{debate.slug}/manage").status_code == 200


def test_deleted_accounts_need_no_unique_name(app, make_user):
    for n in range(2):
        make_user(pseudonym=f"Leaving {n}", email=f"leaving{n}@example.org")
        assert delete_my_account(new_client(app, f"leaving{n}@example.org")).status_code == 302
    names = db.session.scalars(select(User.pseudonym).where(User.deleted_at.is_not(None))).all()
    assert names == [FORMER, FORMER]


def test_deleting_needs_a_login_and_a_csrf_token(app, person):
    anonymous = new_client(app).get("/account/delete")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.location
    client = new_client(app, VICTIM_EMAIL)
    token_less = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert token_less.status_code == 400
    assert db.session.get(User, person["victim"].id).deleted_at is None


def test_the_label_of_deleted_accounts_can_be_reserved(app):
    from deliberate.accounts import pseudonyms

    with app.test_request_context():
        assert pseudonyms.pseudonym_key("Former participant") in pseudonyms.reserved_keys()
