"""Sessions: cookie flags, a fresh session at log-in, idle and absolute time-outs, and the
per-user session token that ends every session of an account at once."""

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import pytest

from deliberate.accounts import sessions
from deliberate.config import load_config
from deliberate.extensions import db

from .conftest import PASSWORD, post
from .test_accounts import NEW_PASSWORD, frozen  # noqa: F401 - a fixture


def cookies(response) -> dict[str, SimpleCookie]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            found[name] = morsel
    return found


def test_cookies_are_http_only_and_same_site_lax(client, auth, make_user):
    make_user(email="user@example.org")
    response = auth.login(remember=True)
    set_cookies = cookies(response)
    for name in ("session", "remember_token"):
        assert set_cookies[name]["httponly"] is True
        assert set_cookies[name]["samesite"] == "Lax"
        assert not set_cookies[name]["secure"]  # development over http by default


def test_secure_cookies_are_one_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("DELIBERATE_SECURE_COOKIES", "1")
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is config["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.delenv("DELIBERATE_SECURE_COOKIES")
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_secure_cookies_are_marked_secure(client, app, auth, make_user):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make_user(email="user@example.org")
    response = auth.login(remember=True)
    assert all(morsel["secure"] for morsel in cookies(response).values())


def test_remember_me_lasts_at_most_14_days(client, app, auth, make_user):
    assert timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"]) <= timedelta(days=14)
    make_user(email="user@example.org")
    response = auth.login(remember=True)
    remember = cookies(response)["remember_token"]
    expires = datetime.strptime(remember["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    left = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < left <= timedelta(days=14)
    assert "session" in cookies(response) and not cookies(response)["session"]["expires"]


def test_logging_in_starts_a_fresh_session(client, auth, make_user):
    make_user(email="user@example.org")
    client.get("/login")
    with client.session_transaction() as session:
        old_token = session["csrf_token"]
        session["planted"] = "by someone who had this cookie before"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != old_token
        assert session["_user_id"].count(":") == 4  # id, token, login time, mode, secret


def test_logging_out_empties_the_session(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login(remember=True)
    response = auth.logout()
    assert cookies(response)["remember_token"].value == ""  # the remember-me cookie is gone
    with client.session_transaction() as session:
        assert set(session.keys()) <= {"_flashes", "_remember", "csrf_token"}
        assert "_user_id" not in session


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_stolen_session_cookie_ends_when_the_owner_logs_out_everywhere(
    client, app, auth, make_user
):
    make_user(email="user@example.org")
    auth.login()
    thief = app.test_client()
    copy_cookies(client, thief, ["session"])
    assert thief.get("/account").status_code == 200  # a copied cookie works...
    response = post(client, "/account/logout-everywhere", {})
    assert response.status_code == 302
    assert thief.get("/account").status_code == 302  # ...until the token changes
    assert client.get("/account").status_code == 302  # this device too


def test_a_stolen_remember_me_cookie_ends_with_a_password_change(client, app, auth, make_user):
    make_user(email="user@example.org")
    auth.login(remember=True)
    thief = app.test_client()
    copy_cookies(client, thief, ["remember_token"])
    assert thief.get("/account").status_code == 200
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert post(client, "/account/password", data).status_code == 302
    response = thief.get("/account")
    assert response.status_code == 302
    assert thief.get_cookie("remember_token") is None  # and is deleted
    assert client.get("/account").status_code == 200  # the owner's session was renewed
    assert client.get_cookie("remember_token").value.split("|")[0].split(":")[3] == "r"


def test_a_session_from_before_the_session_token_is_refused(client, make_user):
    user = make_user(email="user@example.org")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # flask-login's plain id, as before
        session["_fresh"] = True
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{'x' * 43}:{int(sessions.clock.now())}:s"
        session[sessions.SEEN] = int(sessions.clock.now())
    assert client.get("/account").status_code == 302


def test_an_account_that_can_no_longer_log_in_loses_its_sessions(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    user.email = user.password_hash = user.pseudonym_key = None
    user.deleted_at = datetime.now(UTC)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_an_idle_session_ends(client, auth, make_user, frozen):  # noqa: F811
    make_user(email="user@example.org")
    auth.login()
    frozen.advance(minutes=119)
    assert client.get("/account").status_code == 200  # and this counts as activity
    frozen.advance(minutes=119)
    assert client.get("/account").status_code == 200
    frozen.advance(minutes=121)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Your session has ended" in client.get("/login").get_data(as_text=True)


def test_a_busy_session_still_ends_after_12_hours(client, auth, make_user, frozen):  # noqa: F811
    make_user(email="user@example.org")
    auth.login()
    for _hour in range(11):
        frozen.advance(hours=1)
        assert client.get("/account").status_code == 200
    frozen.advance(minutes=61)
    assert client.get("/account").status_code == 302


def test_time_outs_are_settings(client, app, auth, make_user, frozen):  # noqa: F811
    app.config.update(SESSION_IDLE_MINUTES=10, SESSION_MAX_HOURS=1)
    make_user(email="user@example.org")
    auth.login()
    frozen.advance(minutes=11)
    assert client.get("/account").status_code == 302


def test_remember_me_survives_idleness_but_not_14_days(client, app, auth, make_user, frozen):  # noqa: F811
    make_user(email="user@example.org")
    auth.login(remember=True)
    frozen.advance(days=3)
    assert client.get("/account").status_code == 200
    browser_restarted = app.test_client()
    copy_cookies(client, browser_restarted, ["remember_token"])
    assert browser_restarted.get("/account").status_code == 200
    frozen.advance(days=11, minutes=1)  # the server checks, whatever the browser keeps
    assert client.get("/account").status_code == 302
    assert browser_restarted.get("/account").status_code == 302


def test_logging_in_without_remember_me_drops_an_older_remember_me_cookie(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login(remember=True)
    response = auth.login(remember=False)
    assert cookies(response)["remember_token"].value == ""


@pytest.mark.parametrize("env", [{}, {"DELIBERATE_SESSION_IDLE_MINUTES": "30"}])
def test_session_settings_defaults(monkeypatch, tmp_path, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = load_config(str(tmp_path))
    assert config["SESSION_IDLE_MINUTES"] == int(env.get("DELIBERATE_SESSION_IDLE_MINUTES", 120))
    assert config["SESSION_MAX_HOURS"] == 12
    assert config["REQUIRE_STAFF_TOTP"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
