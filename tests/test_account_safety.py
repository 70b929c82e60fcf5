"""Account safety (issue 12, item 6): mailed links on the site's own address, sessions that
end on the server, pseudonyms compared by what they look like, links that carry nothing
readable, log-in limits that more sessions do not multiply, private pages kept by no cache."""

import base64
import re

import pytest

from deliberate.accounts import mail
from deliberate.config import ConfigError, check_production
from deliberate.extensions import db
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role

from .conftest import CSRF_FIELD, PASSWORD, post, standing
from .test_accounts import outbox, register

FULL_LINK = re.compile(r"(https?://[^/\s]+)(/\S+)")


def forged(client, url, data):
    """A form posted to this site with a forged Host header, the page's token included."""
    page = client.get(url, base_url="http://evil.example").get_data(as_text=True)
    data = {**data, "csrf_token": CSRF_FIELD.search(page)[1]}
    return client.post(url, data=data, base_url="http://evil.example")


def test_mailed_links_never_follow_the_host_header(client, app, make_user):
    make_user(email="victim@example.org")
    app.config["PUBLIC_URL"] = "https://debate.example.org"
    assert forged(client, "/reset", {"email": "victim@example.org"}).status_code == 302
    forged(client, "/register", {"pseudonym": "Newcomer", "email": "new@example.org"})
    assert len(outbox(app)) == 2
    for message in outbox(app):
        sites = {site for site, _path in FULL_LINK.findall(message.get_content())}
        assert sites == {"https://debate.example.org"}
    app.config["PUBLIC_URL"] = None  # development without it: a fixed local address
    forged(client, "/reset", {"email": "victim@example.org"})
    sites = {site for site, _path in FULL_LINK.findall(outbox(app)[-1].get_content())}
    assert sites == {mail.DEVELOPMENT_URL}


def test_production_requires_the_public_address():
    config = {"PRODUCTION": True, "SECRET_KEY": "Zx81-_pLm0Ab" + "q" * 30}
    with pytest.raises(ConfigError, match="DELIBERATE_PUBLIC_URL"):
        check_production(config)
    check_production({**config, "PUBLIC_URL": "https://debate.example.org"})


def test_a_copied_session_cookie_stops_working_at_log_out(client, app, auth, make_user):
    make_user(email="user@example.org")
    auth.login(remember=True)
    copied = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    thief = app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value)
    assert thief.get("/account").status_code == 200
    auth.logout()
    assert thief.get("/account").status_code == 302  # to the login page
    fresh = app.test_client()  # nor does the remember-me cookie alone bring it back
    fresh.set_cookie("remember_token", copied["remember_token"])
    assert fresh.get("/account").status_code == 302


def test_another_sessions_log_out_leaves_this_one(app, auth, client, make_user):
    make_user(email="user@example.org")
    other = app.test_client()
    post(other, "/login", {"email": "user@example.org", "password": PASSWORD})
    auth.login()
    post(other, "/logout")
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    "look_alike",
    [
        "D\u0435mo · Sékou",  # a Cyrillic е: passes for a demo mediator
        "F\u043ermer participant",  # a Cyrillic о: passes for a deleted account
        "Mariam Tour\u0435",  # a Cyrillic е at the end: passes for a mediator
        "MARIAM TOURE",  # case
        "rnariam toure",  # "rn" for "m"
    ],
)
def test_look_alike_pseudonyms_are_refused(client, make_user, make_debate, look_alike):
    mediator = make_user(pseudonym="Mariam Toure", email="mariam@example.org")
    debate = make_debate()
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, mediator.pseudonym, Role.MEDIATOR
    )
    db.session.commit()
    response = register(client, pseudonym=look_alike, email="impostor@example.org")
    assert response.status_code == 400
    assert re.search(r"reserved|taken", response.get_data(as_text=True))


def test_a_name_that_merely_resembles_is_still_free(client, make_user):
    make_user(pseudonym="Mariam Toure", email="mariam@example.org")
    assert register(client, pseudonym="Mariama Toure", email="other@example.org").status_code == 302


def test_links_carry_no_email_readable_or_encoded(client, app, auth, make_user):
    register(client, email="secret.address@example.org")
    make_user(email="user@example.org")
    auth.login()
    post(client, "/account/email", {"email": "new.address@example.org", "password": PASSWORD})
    links = [FULL_LINK.findall(m.get_content())[-1][1] for m in outbox(app)]
    confirmations = [link for link in links if "token=" in link]
    assert len(confirmations) == 2
    for link in confirmations:
        token = link.split("token=", 1)[1]
        assert "@" not in token and "address" not in token
        for chunk in token.split("."):
            padded = chunk + "=" * (-len(chunk) % 4)
            try:
                decoded = base64.urlsafe_b64decode(padded)
            except ValueError:
                continue
            assert b"address" not in decoded and b"example.org" not in decoded
        assert len(token) <= 64


def test_more_sessions_do_not_buy_more_log_in_attempts(limited, make_user):
    """Ten log-in attempts a minute per address, whoever is signed in on the client: holding
    sessions of three accounts does not make it thirty."""
    emails = [f"holder{n}@example.org" for n in range(3)]
    with limited.app_context():
        for email in emails:
            make_user(email=email)
    clients = []
    for email in emails:
        holder = limited.test_client()
        response = post(holder, "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302
        clients.append(holder)
    statuses = []
    for attempt in range(15):  # a different account each time: only the address limit applies
        holder = clients[attempt % len(clients)]
        wrong = {"email": f"target{attempt}@example.org", "password": "a guess, wrong"}
        statuses.append(post(holder, "/login", wrong).status_code)
    assert statuses == [400] * 7 + [429] * 8, statuses


@pytest.mark.parametrize("path", ["/inbox", "/account", "/account/settings", "/"])
def test_pages_of_a_signed_in_person_are_not_stored(client, auth, make_user, path):
    make_user(email="user@example.org")
    assert "no-store" not in client.get(path).headers.get("Cache-Control", "")
    auth.login()
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_review_queue_is_not_stored(client, auth, make_user, make_debate):
    mediator = make_user(pseudonym="Queue Mediator", email="user@example.org")
    debate = make_debate()
    moderation.appoint_accepted(
        standing(debate.organiser, debate), debate, mediator.pseudonym, Role.MEDIATOR
    )
    db.session.commit()
    auth.login()
    response = client.get(f"/d/{debate.slug}/queue")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable_when_signed_in(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    response = client.get("/static/style.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
