"""Registration (confirmed by mail), log in and out, passwords, the settings page, mail."""

import logging
import re
import secrets
import smtplib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from deliberate.accounts import clock, mail, passwords, services
from deliberate.config import ConfigError, load_config
from deliberate.extensions import db, limiter
from deliberate.models import User

from .conftest import CSRF_FIELD, PASSWORD, base_config, post

NEW_PASSWORD = "a brand new passphrase"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')
LINK = re.compile(r"http://localhost(/\S+)")


# --- helpers the other account tests share -------------------------------------------------


def outbox(app) -> list:
    return app.extensions["deliberate.mail"].outbox


def link_in(message) -> str:
    """The path of the (last) link in a mail."""
    return LINK.findall(message.get_content())[-1]


def without_csrf(html: str) -> str:
    return CSRF_VALUE.sub(r"\1-\2", html)


class Clock:
    """Time that moves only when told to (monkeypatched into deliberate.accounts.clock)."""

    def __init__(self, monkeypatch):
        self.now = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def advance(self, *, minutes=0, hours=0, days=0):
        self.now += minutes * 60 + hours * 3600 + days * 86400


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


def register(client, pseudonym="Mariam K", email="mariam@example.org", **kwargs):
    return post(client, "/register", {"pseudonym": pseudonym, "email": email}, **kwargs)


def register_fully(
    client, app, pseudonym="Mariam K", email="mariam@example.org", password=PASSWORD
):
    """Register, follow the mailed link, choose the password: the account exists and is
    logged in."""
    assert register(client, pseudonym, email).status_code == 302
    link = link_in(outbox(app)[-1])
    return post(client, link, {"pseudonym": pseudonym, "password": password})


def answer(client, response) -> tuple:
    """What someone sees of a form's answer: status, where it leads, and that page."""
    location = response.headers.get("Location")
    page = client.get(location) if location else response
    return response.status_code, location, without_csrf(page.get_data(as_text=True))


# --- registration ---------------------------------------------------------------------------


def test_registration_is_confirmed_by_a_mailed_link(client, app):
    response = register(client, email=" Mariam@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/check-mail?about=register"
    assert db.session.scalar(select(User)) is None  # nothing yet: the address is not proven
    (message,) = outbox(app)
    assert message["To"] == "mariam@example.org"
    assert "Confirm your email address" in message["Subject"]
    link = link_in(message)
    assert link.startswith("/register/confirm?token=")
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Mariam K"' in html and "mariam@example.org" in html
    assert page.headers["Cache-Control"] == "no-store"
    response = post(client, link, {"pseudonym": "Mariam K", "password": PASSWORD})
    assert response.status_code == 302
    user = db.session.scalars(select(User)).one()
    assert (user.pseudonym, user.email) == ("Mariam K", "mariam@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert user.password_changed_at is not None
    html = client.get("/").get_data(as_text=True)
    assert "Welcome, Mariam K" in html and "mariam@example.org" not in html
    assert client.get("/account").status_code == 200


def test_registration_keeps_where_the_person_was_going(client, app):
    post(client, "/register?next=/account", {"pseudonym": "Awa T", "email": "awa@example.org"})
    link = link_in(outbox(app)[-1])
    response = post(client, link, {"pseudonym": "Awa T", "password": PASSWORD})
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"pseudonym": "ab"}, "Use 3 to 40 characters."),
        ({"pseudonym": "<b>bold</b>"}, "Use letters, digits, spaces"),
        ({"pseudonym": "Demo · Amina"}, "reserved for demo accounts"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"pseudonym": ""}, "Choose a pseudonym."),
    ],
)
def test_register_rejects_bad_input_and_keeps_it(client, app, fields, message):
    data = {"pseudonym": "Mariam K", "email": "mariam@example.org", **fields}
    response = register(client, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="mariam@example.org"' in html or fields.get("email")
    assert outbox(app) == []


@pytest.mark.parametrize(
    "pseudonym", ["Former participant", "former  PARTICIPANT", "Ｆormer participant"]
)
def test_the_deleted_account_label_is_reserved(client, app, pseudonym):
    """Deleted accounts are shown as "Former participant": nobody may register as one."""
    response = register(client, pseudonym=pseudonym)
    assert response.status_code == 400
    assert "reserved for deleted accounts" in response.get_data(as_text=True)
    assert outbox(app) == []
    # Nor take it on the second step, where the pseudonym can still change.
    assert register(client).status_code == 302
    response = post(
        client, link_in(outbox(app)[-1]), {"pseudonym": pseudonym, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "reserved for deleted accounts" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_the_deleted_account_label_is_reserved_in_every_language(client, app, monkeypatch):
    from flask_babel import get_locale

    from deliberate.accounts import pseudonyms

    class Label:
        """The label as a translation would give it."""

        def __str__(self):
            return {"fr": "Ancien participant"}.get(get_locale().language, "Former participant")

    monkeypatch.setattr(pseudonyms, "FORMER_PARTICIPANT", Label())
    keys = {pseudonyms.pseudonym_key(name) for name in ("Former participant", "Ancien participant")}
    assert pseudonyms.reserved_keys() == keys
    for pseudonym in ("Ancien participant", "Former participant"):
        response = register(client, pseudonym=pseudonym)
        assert response.status_code == 400, pseudonym
        assert "reserved for deleted accounts" in response.get_data(as_text=True)
    with pytest.raises(services.FieldError):
        services.register_user("ancien PARTICIPANT", "x@example.org", PASSWORD)
    assert register(client, pseudonym="Ancien élève").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use 8 to 128 characters."),
        ("x" * 129, "Use 8 to 128 characters."),
        ("password1", "among the 10,000 most common"),
        ("PassWord123", "among the 10,000 most common"),
        ("  iloveyou  ", "among the 10,000 most common"),
    ],
)
def test_choosing_the_password_refuses_short_long_and_common_ones(client, app, password, message):
    register(client)
    link = link_in(outbox(app)[-1])
    response = post(client, link, {"pseudonym": "Mariam K", "password": password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Mariam K"' in html and f'value="{password}"' not in html
    assert db.session.scalar(select(User)) is None


def test_the_common_password_list_ships_in_the_package_and_loads_once():
    passwords.common_passwords.cache_clear()
    listed = passwords.common_passwords()
    assert len(listed) == 10_000
    assert passwords.COMMON_PASSWORDS_FILE.parent.parent.name == "deliberate"  # in the wheel
    assert "123456" in listed and "#1bitch" in listed  # a password may start with "#"
    assert not any(line.startswith("# ") for line in listed)  # the header is not a password
    assert passwords.common_passwords() is listed
    assert passwords.common_passwords.cache_info().misses == 1
    assert passwords.is_common("QWERTY123") and not passwords.is_common(PASSWORD)
    header = passwords.COMMON_PASSWORDS_FILE.read_text().splitlines()[:3]
    assert "Django" in " ".join(header) and "Royce Williams" in " ".join(header)


def test_passwords_of_8_and_128_characters_are_fine_and_never_truncated(client, app, make_user):
    register_fully(client, app, password="k7#pQ2!m")
    assert services.authenticate("mariam@example.org", "k7#pQ2!m") is not None
    user = make_user(password="y" * 128)
    assert services.authenticate(user.email, "y" * 128) is not None
    assert services.authenticate(user.email, "y" * 127) is None
    assert services.authenticate(user.email, "y" * 128 + "z") is None


def test_the_admin_command_refuses_a_common_password(app, runner):
    result = runner.invoke(
        args=["create-admin", "--pseudonym", "Admin", "--email", "a@example.org"],
        input="password123\npassword123\n",
    )
    assert result.exit_code != 0 and "10,000 most common" in result.output
    assert db.session.scalar(select(User)) is None


def test_registering_an_existing_email_answers_the_same_and_mails_the_owner(client, app, make_user):
    make_user(pseudonym="Mariam K", email="mariam@example.org")
    taken = answer(client, register(client, pseudonym="Someone New", email="MARIAM@example.org"))
    free = answer(client, register(client, pseudonym="Someone New", email="fresh@example.org"))
    assert taken == free
    assert taken[0] == 302
    to_owner, to_new = outbox(app)
    assert to_owner["To"] == "mariam@example.org"
    assert "tried to register" in to_owner["Subject"]
    assert "/register/confirm" not in to_owner.get_content()
    assert "/login" in to_owner.get_content() and "/reset" in to_owner.get_content()
    assert to_new["To"] == "fresh@example.org" and "/register/confirm?token=" in link_in(to_new)
    assert db.session.query(User).count() == 1


def test_a_taken_pseudonym_is_said_whatever_the_email(client, app, make_user):
    """Pseudonyms are public, so saying one is taken reveals nothing about emails; and no
    account exists before its link is used, so a pending registration reserves nothing
    that could show which addresses are new."""
    make_user(pseudonym="Mariam K", email="mariam@example.org")
    for email in ("mariam@example.org", "other@example.org"):
        response = register(client, pseudonym="mariam  k", email=email)
        assert response.status_code == 400
        assert "This pseudonym is taken" in response.get_data(as_text=True)
    register(client, pseudonym="Fresh Name", email="new@example.org")
    assert register(client, pseudonym="Fresh Name", email="x@example.org").status_code == 302


def test_a_pseudonym_taken_before_the_link_is_used_can_be_changed_there(client, app, make_user):
    register(client, pseudonym="Awa T", email="awa@example.org")
    link = link_in(outbox(app)[-1])
    make_user(pseudonym="Awa T", email="someone@example.org")
    response = post(client, link, {"pseudonym": "Awa T", "password": PASSWORD})
    assert response.status_code == 400
    assert "This pseudonym is taken" in response.get_data(as_text=True)
    assert post(client, link, {"pseudonym": "Awa T2", "password": PASSWORD}).status_code == 302


def test_a_registration_link_works_once_for_a_day_and_cannot_be_forged(client, app, frozen):
    register(client)
    link = link_in(outbox(app)[-1])
    assert client.get(link + "x").status_code == 404
    assert client.get("/register/confirm").status_code == 404
    frozen.advance(hours=23)
    assert post(client, link, {"pseudonym": "Mariam K", "password": PASSWORD}).status_code == 302
    other = app.test_client()
    assert post(other, link, {"pseudonym": "Mariam K", "password": PASSWORD}).status_code == 404
    register(other, email="late@example.org")
    late = link_in(outbox(app)[-1])
    frozen.advance(hours=24, minutes=1)
    assert client.get(late).status_code == 404


# --- logging in and out ---------------------------------------------------------------------


def test_login_and_logout(client, auth, make_user):
    make_user(email="user@example.org")
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, make_user):
    make_user(email="user@example.org")
    wrong_password = auth.login(email="user@example.org", password="wrong password!")
    unknown_email = auth.login(email="nobody@example.org", password="wrong password!")
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = "This email and password do not match an account."
    assert message in wrong_password.get_data(as_text=True)
    assert 'value="nobody@example.org"' in unknown_email.get_data(as_text=True)
    # Apart from the address typed, shown back in its field, the pages are the same.
    same = [
        without_csrf(r.get_data(as_text=True)).replace(email, "EMAIL")
        for r, email in (
            (wrong_password, "user@example.org"),
            (unknown_email, "nobody@example.org"),
        )
    ]
    assert same[0] == same[1]


def test_login_redirects_only_within_the_site(client, make_user):
    make_user(email="user@example.org")
    data = {"email": "user@example.org", "password": PASSWORD}
    response = post(client, "/login?next=/account", data)
    assert response.headers["Location"] == "/account"
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.get("/")
        response = post(client, f"/login?next={target}", data)
        assert response.headers["Location"] == "/", target


def test_logout_needs_a_post_with_csrf(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


@pytest.mark.seeded
def test_demo_accounts_cannot_log_in(client, app):
    assert services.authenticate("amina@demo.deliberate.invalid", "!demo-account") is None
    assert services.authenticate("amina@demo.deliberate.invalid", "") is None


def test_production_hash_parameters_are_argon2id_at_owasp_minimum():
    # The suite swaps in cheap parameters; the module's defaults are what production uses.
    hasher = PasswordHasher()
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2


def test_an_outdated_hash_is_upgraded_on_login(app, make_user):
    user = make_user(email="old@example.org")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    assert services.authenticate("old@example.org", PASSWORD) == user
    assert user.password_hash != old_hash


# --- rate limits per account and per address -----------------------------------------------


def test_log_in_is_limited_per_account_from_any_address(limited, make_user):
    with limited.app_context():
        make_user(email="target@example.org")
    statuses = []
    for n in range(12):  # each try from another address: only the account limit applies
        client = limited.test_client()
        environ = {"REMOTE_ADDR": f"198.51.100.{n}"}
        client.get("/login", environ_base=environ)
        response = post(
            client,
            "/login",
            {"email": "Target@example.org", "password": "not the password"},
            environ_base=environ,
        )
        statuses.append(response.status_code)
    assert statuses == [400] * 10 + [429] * 2
    # Another account, and an unknown email, still get their own budget.
    client = limited.test_client()
    response = post(client, "/login", {"email": "other@example.org", "password": "wrong one!"})
    assert response.status_code == 400


def test_mail_to_one_address_is_limited(limited):
    statuses = []
    for n in range(4):
        client = limited.test_client()
        environ = {"REMOTE_ADDR": f"198.51.100.{n}"}
        response = post(
            client,
            "/register",
            {"pseudonym": f"Flood {n}", "email": "victim@example.org"},
            environ_base=environ,
        )
        statuses.append(response.status_code)
    assert statuses == [302] * 3 + [429]
    assert len(outbox(limited)) == 3


def test_one_address_shared_by_many_signs_up_within_its_setting(limited):
    """A workshop's Wi-Fi (or a carrier's NAT) is one address for everyone behind it: by
    default its sixth sign-up in a minute waits; DELIBERATE_REGISTER_LIMIT raises that."""

    def sign_ups(count: int) -> list[int]:
        statuses = []
        for n in range(count):
            client = limited.test_client()
            form = {
                "pseudonym": f"Workshop {len(outbox(limited))} {n}",
                "email": f"w{n}@example.org",
            }
            statuses.append(post(client, "/register", form).status_code)
        return statuses

    assert sign_ups(6) == [302] * 5 + [429]
    limited.config["REGISTER_LIMIT"] = "60 per minute;300 per hour"
    limiter.reset()
    assert sign_ups(40) == [302] * 40


def test_rate_limit_settings_are_checked_at_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("DELIBERATE_LOGIN_LIMIT", "lots of tries")
    with pytest.raises(ConfigError, match="DELIBERATE_LOGIN_LIMIT"):
        load_config(str(tmp_path))
    monkeypatch.setenv("DELIBERATE_LOGIN_LIMIT", "30 per minute;300 per hour")
    assert load_config(str(tmp_path))["LOGIN_LIMIT"] == "30 per minute;300 per hour"


# --- the settings page: email and password, with the password asked again -------------------


def test_settings_page_labels_and_autocomplete(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    response = client.get("/account/settings")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    for field_id, autocomplete in (
        ("new-email", "email"),
        ("email-password", "current-password"),
        ("current-password", "current-password"),
        ("new-password", "new-password"),
    ):
        assert f'<label for="{field_id}">' in html
        assert re.search(rf'<input[^>]*autocomplete="{autocomplete}"[^>]*id="{field_id}"', html)
    assert "email-code" not in html  # asked only with two-step login on
    assert "/account/settings" in client.get("/account").get_data(as_text=True)


def test_changing_the_password_needs_the_current_one(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    data = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    response = post(client, "/account/password", data)
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    response = post(client, "/account/password", {**data, "current_password": PASSWORD})
    assert response.status_code == 302
    assert services.authenticate("user@example.org", NEW_PASSWORD) == user
    assert "password was changed" in outbox(client.application)[-1]["Subject"]
    assert client.get("/account").status_code == 200  # this session goes on


def test_a_new_password_must_not_be_common(client, auth, make_user):
    make_user(email="user@example.org")
    auth.login()
    data = {"current_password": PASSWORD, "new_password": "Sunshine1"}
    response = post(client, "/account/password", data)
    assert response.status_code == 400
    assert "10,000 most common" in response.get_data(as_text=True)
    assert services.authenticate("user@example.org", PASSWORD) is not None


def test_changing_the_email_needs_the_password_and_the_new_address(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    response = post(client, "/account/email", {"email": "new@example.org", "password": "wrong!"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This is not your current password." in html
    assert 'value="new@example.org"' in html and outbox(client.application) == []
    response = post(client, "/account/email", {"email": "New@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/check-mail?about=email"
    confirm, notice = outbox(client.application)
    assert confirm["To"] == "new@example.org" and notice["To"] == "user@example.org"
    assert "new@example.org" not in notice.get_content()  # the old address learns nothing new
    assert user.email == "user@example.org"  # not before the new address is proven
    link = link_in(confirm)
    other = client.application.test_client()  # the link may open anywhere, logged in or not
    assert "new@example.org" in other.get(link).get_data(as_text=True)
    assert post(other, link, {}).status_code == 302
    assert user.email == "new@example.org"
    assert outbox(client.application)[-1]["To"] == "user@example.org"
    assert "was changed" in outbox(client.application)[-1]["Subject"]
    assert other.get(link).status_code == 404  # once only


def test_changing_to_a_taken_email_answers_the_same(client, auth, make_user):
    make_user(email="user@example.org")
    make_user(email="taken@example.org")
    auth.login()
    taken = post(client, "/account/email", {"email": "taken@example.org", "password": PASSWORD})
    assert taken.headers["Location"] == "/check-mail?about=email"
    to_new = outbox(client.application)[0]
    assert to_new["To"] == "taken@example.org" and "already uses it" in to_new.get_content()
    assert "/account/email/confirm" not in to_new.get_content()


def test_an_email_change_link_dies_when_the_password_changes(client, auth, make_user):
    user = make_user(email="user@example.org")
    auth.login()
    post(client, "/account/email", {"email": "new@example.org", "password": PASSWORD})
    link = link_in(outbox(client.application)[0])
    post(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert client.get(link).status_code == 404
    assert user.email == "user@example.org"


def test_settings_and_their_forms_need_a_login(client):
    assert client.get("/account/settings").status_code == 302
    assert post(client, "/account/password", {}).status_code == 302
    assert post(client, "/account/email", {}).status_code == 302


# --- mail -----------------------------------------------------------------------------------


def test_links_in_mail_use_the_public_url_not_the_host_header(client, app, make_user):
    app.config["PUBLIC_URL"] = "https://debate.example.org/ignored-path"
    make_user(email="user@example.org")
    page = client.get("/reset", base_url="http://evil.example")
    token = CSRF_FIELD.search(page.get_data(as_text=True))[1]
    data = {"email": "user@example.org", "csrf_token": token}
    assert client.post("/reset", data=data, base_url="http://evil.example").status_code == 302
    content = outbox(app)[-1].get_content()
    assert "https://debate.example.org/reset/" in content and "evil.example" not in content


def test_without_smtp_development_mail_goes_to_the_log(database_url, make_app, caplog):
    caplog.set_level(logging.INFO, logger="deliberate.mail")
    app = make_app({**base_config(database_url), "MAIL_BACKEND": None, "SMTP_URL": None})
    assert isinstance(app.extensions["deliberate.mail"], mail.LogBackend)
    notes = [r for r in caplog.records if "DELIBERATE_SMTP_URL is not set" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.WARNING
    with app.test_request_context("/"):
        mail.send("someone@example.org", "Subject line", "Open http://localhost/x")
    assert "Open http://localhost/x" in caplog.records[-1].getMessage()


def test_without_smtp_production_sends_and_logs_nothing_personal(database_url, make_app, caplog):
    strong_key = secrets.token_urlsafe(48)
    config = {
        **base_config(database_url),
        "MAIL_BACKEND": None,
        "PRODUCTION": True,
        "SECRET_KEY": strong_key,
        "PUBLIC_URL": "https://debate.example.org",
    }
    app = make_app(config)
    assert isinstance(app.extensions["deliberate.mail"], mail.DisabledBackend)
    with app.test_request_context("/"):
        mail.send("someone@example.org", "Subject line", "secret link")
    assert "someone@example.org" not in caplog.text and "secret link" not in caplog.text


class FakeSMTP:
    """Stands in for smtplib.SMTP / SMTP_SSL and records what it was asked."""

    calls: list = []
    offers_starttls = True

    def __init__(self, host, port, timeout=None, context=None):
        self.calls.append(("connect", type(self).__name__, host, port, context is not None))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ehlo(self):
        pass

    def has_extn(self, name):
        return name == "starttls" and self.offers_starttls

    def starttls(self, context=None):
        self.calls.append(("starttls", context.verify_mode.name))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))


class FakeSMTPSSL(FakeSMTP):
    pass


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.calls = []
    FakeSMTP.offers_starttls = True
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSMTPSSL)
    return FakeSMTP


def _message():
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = "to@example.org"
    message.set_content("hello")
    return message


def test_smtp_uses_starttls_and_logs_in(fake_smtp):
    backend = mail.SMTPBackend("smtp://mailer:p%40ss@mail.example.org:587")
    assert backend.describe() == "mail.example.org:587 (STARTTLS)"
    assert backend.send(_message()).result(timeout=10) is True
    assert fake_smtp.calls == [
        ("connect", "FakeSMTP", "mail.example.org", 587, False),
        ("starttls", "CERT_REQUIRED"),
        ("login", "mailer", "p@ss"),
        ("send", "to@example.org"),
    ]


def test_smtps_speaks_tls_from_the_start(fake_smtp):
    backend = mail.SMTPBackend("smtps://mailer:secret@mail.example.org")
    assert backend.deliver(_message()) is True
    assert fake_smtp.calls[0] == ("connect", "FakeSMTPSSL", "mail.example.org", 465, True)
    assert ("starttls", "CERT_REQUIRED") not in fake_smtp.calls


def test_smtp_refuses_a_remote_server_without_starttls(fake_smtp, caplog):
    fake_smtp.offers_starttls = False
    assert mail.SMTPBackend("smtp://mail.example.org:587").deliver(_message()) is False
    assert not any(call[0] == "send" for call in fake_smtp.calls)
    assert "to@example.org" not in caplog.text
    assert mail.SMTPBackend("smtp://localhost:25").deliver(_message()) is True


def test_a_bad_smtp_url_stops_the_start(database_url, make_app):
    with pytest.raises(ValueError, match="smtp://"):
        make_app({**base_config(database_url), "MAIL_BACKEND": None, "SMTP_URL": "http://x"})
