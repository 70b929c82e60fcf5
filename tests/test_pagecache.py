"""The rendered-page cache, validators, compression, static files and masked CSRF tokens
(deliberate/pagecache.py, versions.py, static_files.py, tokens.py)."""

import gzip
import re

import brotli
import pytest
from sqlalchemy import select, text

from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.models import Debate, Phase, Stance
from deliberate.moderation import review
from deliberate.moderation import services as moderation
from deliberate.moderation.models import NoteKind, Role
from deliberate.pagecache import FastReads, MemoryStore, RedisStore
from deliberate.privacy import services as privacy
from deliberate.tokens import mask, unmask

from .conftest import CSRF_FIELD, count_queries, csrf_token, post, standing


def version_of(debate) -> int:
    return db.session.scalar(select(Debate.version).where(Debate.id == debate.id))


def fresh(app, client, url) -> str:
    """The page as it renders now, past the cache."""
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        return client.get(url).get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 300


@pytest.fixture
def scene(make_debate, make_argument, make_user, join):
    organiser = make_user(pseudonym="Organiser")
    debate = make_debate(organiser=organiser)
    author = make_user(pseudonym="Author One")
    first = make_argument(debate, author=author, body="The first argument, for the motion.")
    reply = make_argument(debate, stance="con", parent=first, body="A reply that opposes it.")
    mediator = make_user(pseudonym="Mediator")
    moderation.appoint_accepted(standing(organiser, debate), debate, "Mediator", Role.MEDIATOR)
    db.session.commit()
    return debate, organiser, author, first, reply, mediator


def fast_reads(app) -> FastReads:
    fast = app.wsgi_app
    while not isinstance(fast, FastReads):
        fast = fast.app  # a proxy fix around it
    return fast


def state_reads(app, monkeypatch) -> list[str]:
    """The slugs FastReads reads the version of (through the driver, which SQLAlchemy's
    query counter does not see)."""
    fast = fast_reads(app)
    reads = []
    read = fast.debate_state
    monkeypatch.setattr(fast, "debate_state", lambda slug: reads.append(slug) or read(slug))
    return reads


def test_a_reader_gets_the_cached_page_and_then_a_304(app, client, scene, monkeypatch):
    debate = scene[0]
    reads = state_reads(app, monkeypatch)
    url = f"/d/{debate.slug}"
    client.get(url)  # the first view computes the debate's figures, and so changes its page
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Set-Cookie" not in first.headers  # a reader's page sets no session
    reads.clear()
    with count_queries(db.engine) as counted:
        again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == etag
    # The debate's version, nothing else.
    assert counted.count == 0 and reads == [debate.slug]
    with count_queries(db.engine) as counted:
        revalidated = client.get(url, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and not revalidated.data
    assert counted.count == 0 and reads == [debate.slug] * 2
    assert revalidated.headers["X-Content-Type-Options"] == "nosniff"
    head = client.head(url)
    assert head.status_code == 200 and not head.data
    assert int(head.headers["Content-Length"]) == len(first.data)


def test_a_connection_the_database_dropped_is_replaced(app, client, scene, monkeypatch):
    """FastReads reads through the driver, past SQLAlchemy's execution but not its pool: a
    connection PostgreSQL closed (a restart, an idle timeout) is replaced, not used."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's connections are files: nothing drops them")
    url = f"/d/{scene[0].slug}"
    client.get(url)
    etag = client.get(url).headers["ETag"]
    reader = fast_reads(app).debate_state
    raw = reader.engine.raw_connection()
    pid = raw.driver_connection.info.backend_pid
    raw.close()  # back to the pool, where the next read takes it
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_every_change_a_page_shows_replaces_it(app, client, scene, make_user, join):
    """After each kind of change, through the services, the cached page of the debate and of
    the argument is what a fresh render gives: nothing shown stays stale."""
    debate, organiser, author, first, reply, mediator = scene
    voter = make_user(pseudonym="Voter")
    pages = (f"/d/{debate.slug}", f"/d/{debate.slug}/a/{first.id}")

    def vote():
        debates.cast_vote(join(voter, debate), first, 1)

    def retract():
        debates.cast_vote(join(voter, debate), first, None)

    def post_argument():
        debates.post_argument(join(voter, debate), debate, Stance.CON, "A new argument, against.")

    def post_reply():
        debates.post_argument(join(voter, debate), debate, Stance.PRO, "A new reply.", first)

    def edit():
        debates.edit_argument(standing(author, debate), first, "The first argument, edited.")

    def note():
        moderation.post_note(
            standing(mediator, debate), debate, NoteKind.SUMMARY, "So far, so good."
        )

    def hide():
        review.flag(join(voter, debate), reply, 1)
        review.decide(standing(mediator, debate), reply, review.Decision.HIDE, 1, "Rule one.")

    def rename():
        author.pseudonym = "Author Renamed"

    def final_vote():
        moderation.change_phase(standing(organiser, debate), debate, Phase.FINAL_VOTE)

    def delete_account():
        privacy.delete_account(author)

    for change in (vote, retract, post_argument, post_reply, edit, note, hide, rename):
        for url in pages:
            client.get(url)  # cached
        before = version_of(debate)
        change()
        db.session.commit()
        assert version_of(debate) > before, change.__name__
        for url in pages:
            assert client.get(url).get_data(as_text=True) == fresh(app, client, url), change
    for change in (final_vote, delete_account):
        client.get(pages[0])
        change()
        db.session.commit()
        assert client.get(pages[0]).get_data(as_text=True) == fresh(app, client, pages[0])
    assert "Author Renamed" not in client.get(pages[1]).get_data(as_text=True)


def test_signed_in_people_flashes_and_odd_queries_are_never_cached(client, auth, scene, make_user):
    debate = scene[0]
    url = f"/d/{debate.slug}"
    assert client.get(f"{url}?utm_source=chat").headers.get("ETag") is None
    assert client.get(f"{url}?sort=best&sort=new").headers.get("ETag") is None
    assert client.get(f"{url}?sort=new&n=10").headers.get("ETag")
    make_user(email="user@example.org")
    auth.login()
    response = client.get(url)  # the login's flash message, and a personal page
    assert response.headers.get("ETag") is None and "Log out" in response.get_data(as_text=True)
    assert client.get(url).headers.get("ETag") is None


def test_drafts_are_not_cached(client, make_debate):
    draft = make_debate(phase="draft")
    assert client.get(f"/d/{draft.slug}").status_code == 404
    assert client.get(f"/d/{draft.slug}").headers.get("ETag") is None


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_are_compressed_as_the_browser_asks(client, scene, encoding):
    url = f"/d/{scene[0].slug}"
    plain = client.get(url).data
    decompress = brotli.decompress if encoding == "br" else gzip.decompress
    for _ in range(2):  # rendered, then from the cache
        response = client.get(url, headers={"Accept-Encoding": f"{encoding}, identity"})
        assert response.headers["Content-Encoding"] == encoding
        assert decompress(response.data) == plain and len(response.data) < len(plain) / 2
    api = client.get(f"/api/v1/debates/{scene[0].slug}", headers={"Accept-Encoding": encoding})
    assert api.headers["Content-Encoding"] == encoding


def test_static_files_are_hashed_compressed_and_kept_a_year(client):
    html = client.get("/register").get_data(as_text=True)
    href = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{12})"', html)[1]
    response = client.get(href, headers={"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"
    css = brotli.decompress(response.data)
    assert b"body{" in css
    old = client.get("/static/style.css?v=000000000000")
    assert old.headers["Cache-Control"] == "no-cache" and old.data == css
    again = client.get(href, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/missing.css").status_code == 404


def test_csrf_tokens_are_masked_afresh_in_every_response(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    tokens = [CSRF_FIELD.search(client.get("/account").get_data(as_text=True))[1] for _ in range(3)]
    assert len(set(tokens)) == 3 and all(t.startswith("m.") for t in tokens)
    assert len({unmask(t) for t in tokens}) == 1  # one session token behind them
    raw = unmask(tokens[0])
    assert raw not in client.get("/account").get_data(as_text=True)
    # Each masked copy is accepted; a forged or broken one is refused.
    assert post(client, "/logout", {"csrf_token": tokens[1]}).status_code == 302
    auth.login()
    assert post(client, "/logout", {"csrf_token": "m.AAAA"}).status_code == 400
    assert post(client, "/logout", {"csrf_token": mask("forged")}).status_code == 400


def test_masking_round_trips():
    for token in ("a", "IjA4ZjM1ZGQ.ZyXw.abc-_", "x" * 200):
        assert mask(token) != mask(token) and unmask(mask(token)) == token
    for junk in ("m.", "m.@@@", "m.AAA", "plain"):
        assert isinstance(unmask(junk), str)  # then refused as any wrong token is


def test_memory_store_keeps_within_its_size_and_expires():
    store = MemoryStore(max_bytes=100)
    store.set("a", {"identity": b"x" * 60}, ttl=60)
    store.set("b", {"identity": b"y" * 60}, ttl=60)  # a is dropped to make room
    assert store.get("a", "identity") is None and store.get("b", "identity") == b"y" * 60
    store.set("c", {"identity": b"z"}, ttl=-1)
    assert store.get("c", "identity") is None


def test_redis_store_shares_pages_between_workers():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    one, two = RedisStore(url), RedisStore(url)
    entry = {"identity": b"page", "br": b"b", "gzip": b"g"}
    one.set("page:test", entry, ttl=5)
    assert [two.get("page:test", encoding) for encoding in entry] == list(entry.values())
    assert two.get("page:missing", "br") is None
    assert RedisStore("redis://127.0.0.1:1/0").get("page:test", "br") is None  # away: a miss


def test_a_reader_posting_gets_a_token_in_the_page_they_post_from(client, scene):
    """The pages that hold a form for a signed-out visitor (log in) carry a token; the
    debate page does not, so it can be shared."""
    assert csrf_token(client, "/login").startswith("m.")
    assert 'name="csrf_token"' not in client.get(f"/d/{scene[0].slug}").get_data(as_text=True)


def test_a_prefixed_form_s_token_is_unmasked_too(app):
    """Pages with a form per item give each a prefix: "lift-csrf_token"."""
    from deliberate.tokens import UnmaskingRequest

    body = "lift-csrf_token=" + mask("the token") + "&reason=x&csrf_token=" + mask("plain")
    with app.test_request_context(
        "/", method="POST", data=body, content_type="application/x-www-form-urlencoded"
    ):
        from flask import request

        assert isinstance(request, UnmaskingRequest)
        assert request.form["lift-csrf_token"] == "the token"
        assert request.form["csrf_token"] == "plain" and request.form["reason"] == "x"
