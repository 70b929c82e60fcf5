"""Two-step login: enrolment with a QR code, the code after the password, replay refused,
turning it off, and staff (admins, organisers, mediators) required to use it."""

import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from deliberate.accounts import recovery, services, totp
from deliberate.accounts.models import RecoveryCode, SiteLogEntry
from deliberate.config import ConfigError, load_config
from deliberate.extensions import db
from deliberate.models import User
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Notification, Role

from .conftest import PASSWORD, post, standing
from .test_accounts import (  # noqa: F401 - fixtures
    NEW_PASSWORD,
    frozen,
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


def enrol(client) -> tuple[str, list[str]]:
    """Set up two-step login through the page; the secret it showed, and the recovery codes
    shown once it was on."""
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    response = post(client, "/account/two-factor", {"password": PASSWORD, "code": code(secret)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, recovery_codes(response)


def recovery_codes(response) -> list[str]:
    assert response.headers["Cache-Control"] == "no-store"
    return re.findall(r"<li><code>([a-z2-9-]+)</code></li>", response.get_data(as_text=True))


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
    # A phone reading the page itself cannot scan it: a link its app opens.
    link = re.search(r'<a href="(otpauth://[^"]+)"', html)[1]
    assert f"secret={shown.replace(' ', '')}" in link and "@" not in link
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
    assert response.status_code == 200 and len(recovery_codes(response)) == 10
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


def test_wrong_codes_are_limited_per_account(limited, with_two_step):
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
    """DELIBERATE_TWO_STEP_FOR=staff: every organiser and mediator, in every debate they run."""
    app.config["REQUIRE_STAFF_TOTP"] = True
    app.config["TWO_STEP_FOR"] = "staff"


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
    assert client.get(f"/d/{debate.slug}").status_code == 302  # every page of the debate
    assert client.get("/").status_code == 200  # pages about no debate stay open
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
    assert response.status_code == 200  # the recovery codes, then on where they were going
    assert f'class="button" href="/d/{debate.slug}/manage"' in response.text
    assert client.get(f"/d/{debate.slug}/manage").status_code == 200
    assert post(client, f"/d/{debate.slug}/phase", {"phase": "final_vote"}).status_code == 302


def test_mediators_and_admins_need_it_participants_do_not(
    app, auth, client, make_user, make_debate, join, staff_required
):
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    make_user(pseudonym="Mediator", email="mediator@example.org")
    appointment = moderation.appoint_accepted(
        standing(organiser, debate), debate, "Mediator", Role.MEDIATOR
    )
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


def test_a_role_in_one_debate_locks_nothing_else_and_an_invitation_nothing(
    app, client, auth, make_user, make_debate, staff_required
):
    """Two-step login is asked for acting on the debate one runs, not for reading or taking
    part elsewhere; an invitation not yet accepted asks for nothing."""
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    run, elsewhere = make_debate(organiser=organiser), make_debate(organiser=organiser)
    person = make_user(pseudonym="Invited", email="user@example.org")
    with app.test_request_context():
        invitation = moderation.appoint(standing(organiser, run), run, "Invited", Role.MEDIATOR)
    db.session.commit()
    auth.login()
    assert client.get(f"/d/{run.slug}").status_code == 200  # an invitation grants nothing
    moderation.accept_invitation(person, invitation.id)
    db.session.commit()
    assert client.get(f"/d/{run.slug}").status_code == 302  # now the mediator must set it up
    assert client.get(f"/d/{run.slug}/queue").status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(f"/d/{elsewhere.slug}").status_code == 200
    joined = post(client, f"/d/{elsewhere.slug}/join", {"position": "for", "accept_rules": "y"})
    assert joined.status_code == 302, joined.get_data(as_text=True)
    assert client.get("/inbox").status_code == 200


# --- recovery codes ---------------------------------------------------------------------------


def test_ten_recovery_codes_shown_once_each_logs_in_once(client, auth, make_user, frozen):  # noqa: F811
    """A lost phone must not lose the account: the codes shown when two-step login is turned
    on each log in once, on their own (no app), and are kept only as hashes."""
    user = make_user(email="user@example.org")
    auth.login()
    _secret, codes = enrol(client)
    assert len(set(codes)) == 10 and all(
        re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", c) for c in codes
    )
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    assert not set(codes) & set(
        re.findall(r"[a-z2-9]{4}-[a-z2-9-]{14}", client.get("/account/two-factor").text)
    )
    auth.logout()
    assert auth.login().headers["Location"].startswith("/login/code")
    page = client.get("/login/code").text
    assert "Lost your phone?" in page and 'for="recovery-code"' in page
    typed = codes[3].upper().replace("-", " ")  # capitals and spaces do not count
    response = post(client, "/login/code", {"recovery-code": typed})
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert "9 are left" in client.get("/account/two-factor").text
    auth.logout()
    auth.login()
    again = post(client, "/login/code", {"recovery-code": codes[3]})
    assert again.status_code == 400
    assert "This is not one of your recovery codes, or it was used already." in again.text
    assert post(client, "/login/code", {"recovery-code": "abcd-efgh-jkmn-pqrs"}).status_code == 400
    assert post(client, "/login/code", {"recovery-code": codes[4]}).status_code == 302


def test_a_lost_phone_is_replaced_with_a_recovery_code(client, auth, make_user, frozen):  # noqa: F811
    """Logged in with a recovery code, the person turns two-step login off with another
    one (no app at hand) and sets it up again on a new phone, with new codes."""
    make_user(email="user@example.org")
    auth.login()
    _secret, codes = enrol(client)
    auth.logout()
    auth.login()
    post(client, "/login/code", {"recovery-code": codes[0]})
    off = post(client, "/account/two-factor/disable", {"password": PASSWORD, "code": codes[1]})
    assert off.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    frozen.advance(minutes=1)
    _new_secret, new_codes = enrol(client)
    assert not set(new_codes) & set(codes)


def test_new_codes_replace_the_old_ones(client, auth, with_two_step, frozen):  # noqa: F811
    first = recovery.new_codes(with_two_step)
    db.session.commit()
    auth.login(code=code())
    frozen.advance(minutes=1)
    page = client.get("/account/two-factor").text
    assert "10 unused recovery codes" in page and 'for="codes-password"' in page
    wrong = post(
        client,
        "/account/two-factor/recovery-codes",
        {"codes-password": "nope", "codes-code": code()},
    )
    assert wrong.status_code == 400 and "This is not your current password." in wrong.text
    response = post(
        client,
        "/account/two-factor/recovery-codes",
        {"codes-password": PASSWORD, "codes-code": code()},
    )
    assert response.status_code == 200
    second = recovery_codes(response)
    assert len(second) == 10 and not set(second) & set(first)
    assert not recovery.use(with_two_step, first[0]) and recovery.use(with_two_step, second[0])


def test_two_requests_racing_with_one_recovery_code_succeed_once(app, with_two_step):
    codes = recovery.new_codes(with_two_step)
    db.session.commit()
    assert recovery.use(with_two_step, codes[0])
    assert not recovery.use(with_two_step, codes[0])  # the row is gone: the DELETE matched none
    assert recovery.remaining(with_two_step) == 9


# --- a site admin's reset -------------------------------------------------------------------


def test_a_site_admin_turns_it_off_for_a_lost_phone(app, client, auth, make_user, with_two_step):
    """No phone, no recovery code left: a site admin, having checked who the person is,
    turns two-step login off. The reason is required, kept in the append-only site log and
    sent to the person; every session of the account ends (someone else may be in it)."""
    person_id = with_two_step.id
    recovery.new_codes(with_two_step)
    db.session.commit()
    their_device = app.test_client()
    post(their_device, "/login", {"email": "user@example.org", "password": PASSWORD})
    assert post(their_device, "/login/code", {"code": code()}).status_code == 302
    admin = make_user(pseudonym="Site Admin", email="admin@example.org", is_admin=True)
    auth.login(email="admin@example.org")
    page = client.get("/admin/users").text
    assert f'id="reset-{person_id}-reason"' in page and "two-step login on" in page
    url, field = f"/admin/users/{person_id}/reset-two-factor", f"reset-{person_id}-reason"
    refused = post(client, url, {field: "   "})
    assert refused.status_code == 400 and "Say why" in refused.text
    reason = "Lost phone; identity checked in person."
    assert post(client, url, {field: reason}).status_code == 302

    person = db.session.get(User, person_id)
    assert person.totp_secret is None and recovery.remaining(person) == 0
    entry = db.session.scalars(select(SiteLogEntry)).one()
    assert (entry.actor_id, entry.subject_id, entry.reason) == (admin.id, person_id, reason)
    notice = db.session.scalars(select(Notification).where(Notification.user_id == person_id)).one()
    assert notice.kind == "second_factor_reset" and notice.detail == reason
    mail = outbox(app)[-1]
    assert mail["To"] == "user@example.org" and "turned off two-step login" in mail["Subject"]
    assert reason in mail.get_content()
    assert their_device.get("/account").status_code == 302  # logged out everywhere
    post(their_device, "/login", {"email": "user@example.org", "password": PASSWORD})
    inbox = their_device.get("/inbox").text  # no code asked any more; the inbox says why
    assert "turned off your two-step login" in inbox and reason in inbox
    assert 'href="/account/two-factor"' in inbox
    log = client.get("/admin/log").text
    assert "Site Admin turned off the two-step login of" in log and reason in log
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM site_log"))
    db.session.rollback()
    # Never their own, that way; and nobody else may.
    admin.totp_secret = SECRET
    db.session.commit()
    own = f"/admin/users/{admin.id}/reset-two-factor"
    assert post(client, own, {f"reset-{admin.id}-reason": "mine"}).status_code == 403
    auth.logout()
    make_user(email="other@example.org")
    auth.login(email="other@example.org")
    assert post(client, url, {field: reason}).status_code == 403
    assert client.get("/admin/log").status_code == 403


def test_a_site_may_ask_it_of_site_admins_only(
    app, client, auth, make_user, make_debate, staff_required
):
    """DELIBERATE_TWO_STEP_FOR=admins: organisers and mediators run their debates without
    it; site admins still set it up first."""
    app.config["TWO_STEP_FOR"] = "admins"
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    make_user(email="admin@example.org", is_admin=True)
    auth.login()
    assert client.get(f"/d/{debate.slug}/manage").status_code == 200
    auth.logout()
    auth.login(email="admin@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/account/two-factor" in response.headers["Location"]


def test_by_default_it_is_asked_where_people_are_most_at_risk(
    app, client, auth, make_user, make_debate
):
    """The default (DELIBERATE_TWO_STEP_FOR=private): an organiser of a public debate runs it
    without two-step login; once it is private, or on the pages of a group they run, they
    set it up first."""
    from deliberate.groups import services as groups
    from deliberate.models import Audience

    app.config["REQUIRE_STAFF_TOTP"] = True
    assert app.config["TWO_STEP_FOR"] == "private"
    organiser = make_user(email="user@example.org")
    debate = make_debate(organiser=organiser)
    group = groups.create(organiser, "Youth council of Sévaré", "")
    db.session.commit()
    auth.login()
    assert client.get(f"/d/{debate.slug}/manage").status_code == 200
    response = client.get(f"/g/{group.slug}/members")
    assert response.status_code == 302 and "/account/two-factor" in response.headers["Location"]
    assert client.get(f"/g/{group.slug}").status_code == 302
    db.session.get(type(debate), debate.id).audience = Audience.PRIVATE
    db.session.commit()
    response = client.get(f"/d/{debate.slug}/manage")
    assert response.status_code == 302 and "/account/two-factor" in response.headers["Location"]
    assert client.get("/").status_code == 200  # pages about nothing they run stay open


def test_who_must_use_it_is_checked_at_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("DELIBERATE_TWO_STEP_FOR", "everyone")
    with pytest.raises(ConfigError, match="DELIBERATE_TWO_STEP_FOR"):
        load_config(str(tmp_path))
    monkeypatch.setenv("DELIBERATE_TWO_STEP_FOR", "Admins")
    assert load_config(str(tmp_path))["TWO_STEP_FOR"] == "admins"
    monkeypatch.delenv("DELIBERATE_TWO_STEP_FOR")
    assert load_config(str(tmp_path))["TWO_STEP_FOR"] == "private"
