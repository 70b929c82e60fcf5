"""Password reset by a single-use link that expires, and that tells strangers nothing."""

import hashlib
import re

from sqlalchemy import select

from deliberate.accounts import services
from deliberate.accounts.models import PasswordReset
from deliberate.extensions import db

from .conftest import PASSWORD, post
from .test_accounts import (  # noqa: F401 - fixtures
    NEW_PASSWORD,
    answer,
    frozen,
    link_in,
    outbox,
    without_csrf,
)
from .test_totp import SECRET, code


def ask(client, email="user@example.org"):
    return post(client, "/reset", {"email": email})


def reset_link(app) -> str:
    return link_in(outbox(app)[-1])


def test_the_link_sets_a_new_password(client, app, make_user):
    user = make_user(email="user@example.org")
    page = client.get("/reset").get_data(as_text=True)
    assert '<label for="email">' in page and 'autocomplete="email"' in page
    response = ask(client, " User@Example.org ")
    assert response.headers["Location"] == "/check-mail?about=reset"
    (message,) = outbox(app)
    assert message["To"] == "user@example.org" and "new Deliberate password" in message["Subject"]
    link = reset_link(app)
    token = link.removeprefix("/reset/")
    stored = db.session.scalars(select(PasswordReset)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()  # not the token
    assert token not in stored.token_hash
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    response = post(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert services.authenticate("user@example.org", NEW_PASSWORD) == user
    assert services.authenticate("user@example.org", PASSWORD) is None
    assert stored.used_at is not None and user.password_changed_at is not None
    assert "password was changed" in outbox(app)[-1]["Subject"]


def test_asking_answers_the_same_for_unknown_addresses(client, app, make_user):
    make_user(email="user@example.org")
    known = answer(client, ask(client, "user@example.org"))
    unknown = answer(client, ask(client, "nobody@example.org"))
    assert known == unknown
    assert known[0] == 302 and "If an account uses this address" in known[2]
    assert [m["To"] for m in outbox(app)] == ["user@example.org"]  # strangers get no mail
    assert db.session.query(PasswordReset).count() == 1


def test_a_bad_address_is_shown_in_place(client, app):
    response = ask(client, "not-an-email")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a valid email address" in html and 'value="not-an-email"' in html


def test_a_link_works_once(client, app, make_user):
    make_user(email="user@example.org")
    ask(client)
    link = reset_link(app)
    assert post(client, link, {"password": NEW_PASSWORD}).status_code == 302
    assert client.get(link).status_code == 404
    assert post(client, link, {"password": "another new passphrase"}).status_code == 404
    assert services.authenticate("user@example.org", NEW_PASSWORD) is not None


def test_a_wrong_or_mangled_link_is_not_found(client, app, make_user):
    make_user(email="user@example.org")
    ask(client)
    link = reset_link(app)
    for wrong in (link[:-1], link + "x", "/reset/not-a-token", "/reset/" + "a" * 500):
        response = client.get(wrong)
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
        assert post(client, wrong, {"password": NEW_PASSWORD}).status_code == 404
    assert client.get(link).status_code == 200


def test_a_link_expires_after_an_hour(client, app, make_user, frozen):  # noqa: F811
    make_user(email="user@example.org")
    ask(client)
    link = reset_link(app)
    frozen.advance(minutes=59)
    assert client.get(link).status_code == 200
    frozen.advance(minutes=1)
    assert client.get(link).status_code == 404
    assert post(client, link, {"password": NEW_PASSWORD}).status_code == 404


def test_the_lifetime_is_a_setting(client, app, make_user, frozen):  # noqa: F811
    app.config["RESET_TOKEN_MINUTES"] = 5
    make_user(email="user@example.org")
    ask(client)
    assert "within 5 minutes" in outbox(app)[-1].get_content()
    frozen.advance(minutes=5)
    assert client.get(reset_link(app)).status_code == 404


def test_a_common_password_is_refused_and_the_link_still_works(client, app, make_user):
    make_user(email="user@example.org")
    ask(client)
    link = reset_link(app)
    response = post(client, link, {"password": "Password123"})
    assert response.status_code == 400
    assert "among the 10,000 most common" in response.get_data(as_text=True)
    assert post(client, link, {"password": NEW_PASSWORD}).status_code == 302


def test_a_reset_ends_every_session(client, app, auth, make_user):
    make_user(email="user@example.org")
    phone = app.test_client()
    post(phone, "/login", {"email": "user@example.org", "password": PASSWORD, "remember": "y"})
    assert phone.get("/account").status_code == 200
    ask(client)
    post(client, reset_link(app), {"password": NEW_PASSWORD})
    assert phone.get("/account").status_code == 302  # whoever had it is out
    assert auth.login(password=NEW_PASSWORD).status_code == 302


def test_using_one_link_cancels_the_others(client, app, make_user):
    make_user(email="user@example.org")
    ask(client)
    first = reset_link(app)
    ask(client)
    second = reset_link(app)
    assert first != second
    assert client.get(first).status_code == client.get(second).status_code == 200
    post(client, second, {"password": NEW_PASSWORD})
    assert client.get(first).status_code == 404
    assert db.session.scalar(select(PasswordReset).where(PasswordReset.used_at.is_(None))) is None


def test_a_password_change_cancels_outstanding_links(client, app, auth, make_user):
    make_user(email="user@example.org")
    ask(client)
    link = reset_link(app)
    auth.login()
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert post(client, "/account/password", data).status_code == 302
    assert client.get(link).status_code == 404


def test_two_step_login_still_asks_for_the_code_after_a_reset(client, app, auth, make_user):
    user = make_user(email="user@example.org")
    user.totp_secret = SECRET
    db.session.commit()
    ask(client)
    post(client, reset_link(app), {"password": NEW_PASSWORD})
    response = auth.login(password=NEW_PASSWORD)
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/account").status_code == 302
    assert post(client, "/login/code", {"code": code()}).status_code == 302


def test_asking_is_limited_per_address(limited):
    statuses = []
    for n in range(4):
        client = limited.test_client()
        environ = {"REMOTE_ADDR": f"198.51.100.{n}"}
        statuses.append(
            post(client, "/reset", {"email": "user@example.org"}, environ_base=environ).status_code
        )
    assert statuses == [302] * 3 + [429]


def test_the_check_mail_page_answers_every_case(client, app):
    for about, text in (
        ("register", "finish creating your account"),
        ("reset", "60 minutes"),
        ("email", "confirm the change"),
        (None, "Open the link in it"),
    ):
        html = client.get("/check-mail", query_string={"about": about} if about else {})
        assert text in without_csrf(html.get_data(as_text=True))


def test_reset_tokens_are_long_and_random(client, app, make_user):
    make_user(email="user@example.org")
    ask(client)
    ask(client)
    tokens = [re.sub(r"^/reset/", "", link_in(m)) for m in outbox(app)]
    assert len(set(tokens)) == 2 and all(len(t) >= 43 for t in tokens)
