"""Who finds a debate: listed for everyone, or unlisted (only through its link)."""

import re

from deliberate.extensions import db
from deliberate.models import Audience
from deliberate.moderation.models import LogEntry

from .conftest import post


def test_an_unlisted_debate_is_found_only_through_its_link(
    app, client, auth, make_user, make_debate
):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser, motion="Should the youth council meet on Fridays?")
    listed = make_debate(motion="Should the market open on Sundays as well?")
    slug = debate.slug
    auth.login()
    page = client.get(f"/d/{slug}/manage").text
    assert re.search(r"<input checked[^>]*name=\"audience\"[^>]*value=\"public\"", page), page[:300]
    assert post(client, f"/d/{slug}/audience", {"audience": "unlisted"}).status_code == 302
    assert db.session.get(type(debate), debate.id).audience is Audience.UNLISTED
    auth.logout()

    reader = app.test_client()
    home = reader.get("/").text
    assert "youth council" not in home and "market open on Sundays" in home
    listing = reader.get("/api/v1/debates").get_json()["debates"]
    assert [d["slug"] for d in listing] == [listed.slug]
    for url in (
        f"/d/{slug}",
        f"/d/{slug}/report",
        f"/d/{slug}/moderation",
        f"/api/v1/debates/{slug}",
    ):
        for _ in range(2):  # rendered, then (for the debate page) served from the page cache
            response = reader.get(url)
            assert response.status_code == 200, url
            if response.mimetype == "text/html":
                assert '<meta name="robots" content="noindex">' in response.text, url
    assert reader.get(f"/d/{slug}/report").headers["X-Robots-Tag"] == "noindex"
    assert reader.get(f"/d/{slug}").headers["X-Robots-Tag"] == "noindex"  # from the cache too
    assert "X-Robots-Tag" not in reader.get(f"/d/{listed.slug}").headers
    assert 'name="robots"' not in reader.get(f"/d/{listed.slug}").text

    # The change is in the public log, as a sentence, in the reader's language.
    entry = (
        db.session.query(LogEntry).filter_by(debate_id=debate.id, action="audience_changed").one()
    )
    assert entry.reason == "unlisted"
    log = reader.get(f"/d/{slug}/moderation").text
    assert "changed who finds the debate" in log and "only people given its link" in log
    reader.get("/language/fr")
    assert "a changé qui peut trouver le débat" in reader.get(f"/d/{slug}/moderation").text

    auth.login()
    assert post(client, f"/d/{slug}/audience", {"audience": "public"}).status_code == 302
    assert "youth council" in reader.get("/").text
    assert post(client, f"/d/{slug}/audience", {"audience": "secret"}).status_code == 400
