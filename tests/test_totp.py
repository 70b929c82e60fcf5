"""Two-step login: enrolment with a QR code, the code after the password, replay refused,
turning it off, and staff (admins, organisers, mediators) required to use it."""

import re

import pytest

from deliberate.accounts import services, totp
from deliberate.extensions import db
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role

from .conftest import PASSWORD, post, standing
from .test_accounts import (  # noqa: F401 - fixtures
    NEW_PASSWORD,
    frozen,
    limited,
    outbox,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(secret=SECRET, offset=0) -> str:
    return totp.code_for(secret, totp.current_step() + offset)


@pytest.fixture
def with_two_step(make_user):
    """A user with two-step login on."""
    user = make_user(email="user@example.org")
    user.totp_secret = SECRET
    db.session.commit()
    return user


def enrol(client) -> str:
    """Set up two-step login through the page; returns the secret it showed."""
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    response = post(client, "/account/two-factor", {"password": PASSWORD, "code": code(secret)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


# --- enrolment ------------------------------------------------------------------------------


def test_the_set_up_page_shows_the_key_and_a_csp_safe_qr_code(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    response = client.get("/account/two-factor")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert 'class="qr"' in svg and "<title>" in svg
    assert "style" not in svg and "data:" not in svg and "<script" not in svg
    assert re.search(r'<label for="code">', html) and re.search(r'<label for="password">', html)
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert 'autocomplete="current-password"' in html
    shown = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1]
    assert len(shown.replace(" ", "")) == 32
    # The same key until it is confirmed (a reload must not break a half-done set-up)...
    assert shown in client.get("/account/two-factor").get_data(as_text=True)
    assert user.totp_secret is None  # ...and nothing saved yet


def test_the_qr_code_holds_the_key_and_names_the_pseudonym_not_the_email():
    uri = totp.provisioning_uri(SECRET, "Mariam K")
    assert uri.startswith("otpauth://totp/Deliberate:Mariam%20K?")
    assert f"secret={SECRET}" in uri and "issuer=Deliberate" in uri


def test_set_up_needs_the_password_and_a_right_code(client, app, auth, make_user, frozen):  # noqa: F811
    user = make_user(email="user@example.org")
    auth.login()
    other_device = app.test_client()
    post(other_device, "/login", {"email": "user@example.org", "password": PASSWORD})
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    response = post(client, "/account/two-factor", {"password": PASSWORD, "code": "000000"})
    assert response.status_code == 400
    assert "This code is not the one your app shows now." in response.get_data(as_text=True)
    response = post(client, "/account/two-factor", {"password": "wrong!", "code": code(secret)})
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    assert user.totp_secret is None
    response = post(client, "/account/two-factor", {"password": PASSWORD, "code": code(secret)})
    assert response.status_code == 302
    assert user.totp_secret == secret and user.totp_last_step == totp.current_step()
    assert "Two-step login is on" in outbox(app)[-1]["Subject"]
    assert client.get("/account").status_code == 200  # this device goes on
    assert other_device.get("/account").status_code == 302  # others log in again, with a code


# --- logging in with a code -----------------------------------------------------------------


def test_log_in_asks_for_the_code_after_the_password(client, auth, with_two_step, frozen):  # noqa: F811
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code?next=/"
    assert client.get("/account").status_code == 302  # not logged in yet
    with client.session_transaction() as session:
        assert "_user_id" not in session and session["pending_login"]["user"] == with_two_step.id
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and '<label for="code">' in page
    response = post(client, "/login/code", {"code": "123456"})
    assert response.status_code == 400
    assert "This code is not the one your app shows now." in response.get_data(as_text=True)
    response = post(client, "/login/code", {"code": code()[:3] + " " + code()[3:]})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_the_code_step_keeps_the_next_page(client, with_two_step):
    response = post(
        client, "/login?next=/account", {"email": "user@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/login/code?next=/account"
    response = post(client, "/login/code?next=/account", {"code": code()})
    assert response.headers["Location"] == "/account"


def test_a_wrong_password_never_reaches_the_code_step(client, auth, with_two_step):
    assert auth.login(password="not the password").status_code == 400
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_code_is_accepted_once(client, auth, with_two_step, frozen):  # noqa: F811
    assert auth.login(code=code()).status_code == 302
    auth.logout()
    replayed = auth.login(code=code())
    assert replayed.status_code == 400  # the same code, seen over a shoulder, is refused
    frozen.advance(minutes=0.5)
    assert post(client, "/login/code", {"code": code()}).status_code == 302


def test_codes_one_step_either_side_count_not_further(app, with_two_step, frozen):  # noqa: F811
    now = totp.current_step()
    assert totp.matching_step(SECRET, code(offset=-1)) == now - 1
    assert totp.matching_step(SECRET, code(offset=1)) == now + 1
    assert totp.matching_step(SECRET, code(offset=-2)) is None
    assert totp.matching_step(SECRET, code(offset=2)) is None
    assert totp.matching_step(SECRET, "12345") is None
    assert totp.matching_step(SECRET, "abcdef") is None
    # Accepting a later step spends the earlier ones too.
    assert totp.verify(with_two_step, code(offset=1))
    assert not totp.verify(with_two_step, code())
    assert not totp.verify(with_two_step, code(offset=1))


def test_two_requests_racing_with_one_code_succeed_once(app, with_two_step, frozen):  # noqa: F811
    from deliberate.models import User

    stale = User(id=with_two_step.id, totp_secret=SECRET, totp_last_step=None)
    assert totp.verify(with_two_step, code())
    db.session.commit()
    assert not totp.verify(stale, code())  # read before the first one was spent


def test_the_password_step_lasts_five_minutes(client, auth, with_two_step, frozen):  # noqa: F811
    auth.login()
    frozen.advance(minutes=5)
    frozen.now += 1  # a second too late
    response = post(client, "/login/code", {"code": code()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302


def test_wrong_codes_are_limited_per_account(limited, with_two_step):  # noqa: F811
    statuses = []
    for n in range(11):
        client = limited.test_client()
        environ = {"REMOTE_ADDR": f"198.51.100.{n}"}
        data = {"email": "user@example.org", "password": PASSWORD}
        post(client, "/login", data, environ_base=environ)
        response = post(client, "/login/code", {"code": "000000"}, environ_base=environ)
        statuses.append(response.status_code)
    assert statuses == [400] * 10 + [429]


# --- turning it off, and settings with a code -----------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code(client, auth, with_two_step, frozen):  # noqa: F811
    auth.login(code=code())
    frozen.advance(minutes=1)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Two-step login is on" in page and "/account/two-factor/disable" in page
    data = {"password": PASSWORD, "code": "000000"}
    assert post(client, "/account/two-factor/disable", data).status_code == 400
    assert post(client, "/account/two-factor/disable", {**data, "code": code()}).status_code == 302
    assert with_two_step.totp_secret is None
    assert "Two-step login is off" in outbox(client.application)[-1]["Subject"]


def test_settings_changes_need_the_code_when_it_is_on(client, auth, with_two_step, frozen):  # noqa: F811
    auth.login(code=code())
    frozen.advance(minutes=1)
    html = client.get("/account/settings").get_data(as_text=True)
    assert 'id="email-code"' in html and 'id="password-code"' in html
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = post(client, "/account/password", data)
    assert response.status_code == 400
    assert "Enter the 6-digit code from your app." in response.get_data(as_text=True)
    response = post(client, "/account/password", {**data, "code": "000000"})
    assert response.status_code == 400
    assert post(client, "/account/password", {**data, "code": code()}).status_code == 302
    assert services.authenticate("user@example.org", NEW_PASSWORD) == with_two_step


# --- staff must use it ----------------------------------------------------------------------


@pytest.fixture
def staff_required(app):
    app.config["REQUIRE_STAFF_TOTP"] = True


def test_an_organiser_without_it_is_sent_to_set_it_up(
    client,
    auth,
    make_user,
    make_debate,
    staff_required,
    frozen,  # noqa: F811
):
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    auth.login()
    response = client.get(f"/d/{debate.slug}/manage")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/account/two-factor?next=/d/{debate.slug}/manage"
    assert client.get("/").status_code == 302  # every page but the account's
    response = post(client, f"/d/{debate.slug}/phase", {"phase": "final_vote"})
    assert response.status_code == 403
    assert "two-step login" in response.get_data(as_text=True)
    assert debate.phase.value == "open"
    for page in ("/account", "/account/settings", "/account/two-factor"):
        assert client.get(page).status_code == 200
    # Set up, the organiser is sent back where they were going, and everything works.
    html = client.get(f"/account/two-factor?next=/d/{debate.slug}/manage").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    response = post(
        client,
        f"/account/two-factor?next=/d/{debate.slug}/manage",
        {"password": PASSWORD, "code": code(secret)},
    )
    assert response.headers["Location"] == f"/d/{debate.slug}/manage"
    assert client.get(f"/d/{debate.slug}/manage").status_code == 200
    assert post(client, f"/d/{debate.slug}/phase", {"phase": "final_vote"}).status_code == 302


def test_mediators_and_admins_need_it_participants_do_not(
    app, auth, client, make_user, make_debate, join, staff_required
):
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Mediator", email="mediator@example.org")
    appointment = moderation.appoint(standing(organiser, debate), debate, "Mediator", Role.MEDIATOR)
    make_user(pseudonym="Admin", email="admin@example.org", is_admin=True)
    join(make_user(pseudonym="Participant", email="participant@example.org"), debate)
    db.session.commit()
    for email, staff in (
        ("mediator@example.org", True),
        ("admin@example.org", True),
        ("participant@example.org", False),
    ):
        browser = app.test_client()
        post(browser, "/login", {"email": email, "password": PASSWORD})
        assert (browser.get(f"/d/{debate.slug}").status_code == 302) is staff, email
    # A mediator who stepped down is a participant again, as far as this goes.
    moderation.remove_mediator(standing(organiser, debate), debate, appointment)
    db.session.commit()
    browser = app.test_client()
    post(browser, "/login", {"email": "mediator@example.org", "password": PASSWORD})
    assert browser.get(f"/d/{debate.slug}").status_code == 200


def test_staff_with_it_go_everywhere(client, auth, make_user, make_debate, staff_required):
    organiser = make_user(email="user@example.org")
    organiser.totp_secret = SECRET
    db.session.commit()
    debate = make_debate(organiser=organiser)
    auth.login(code=code())
    assert client.get(f"/d/{debate.slug}/manage").status_code == 200
