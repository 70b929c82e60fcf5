"""Registration, log in and out, password hashing."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from deliberate.accounts import services
from deliberate.extensions import db
from deliberate.models import User

from .conftest import PASSWORD, post


def register(client, pseudonym="Mariam K", email="mariam@example.org", password=PASSWORD):
    return post(client, "/register", {"pseudonym": pseudonym, "email": email, "password": password})


def test_register_logs_in_and_hides_the_email(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalars(select(User)).one()
    assert (user.pseudonym, user.email) == ("Mariam K", "mariam@example.org")
    assert user.password_hash.startswith("$argon2id$")
    html = client.get("/").get_data(as_text=True)
    assert "Mariam K" in html and "mariam@example.org" not in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"pseudonym": "ab"}, "Use 3 to 40 characters."),
        ({"pseudonym": "<b>bold</b>"}, "Use letters, digits, spaces"),
        ({"pseudonym": "Demo · Amina"}, "reserved for demo accounts"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"password": "short"}, "Use 8 to 128 characters."),
        ({"password": "x" * 129}, "Use 8 to 128 characters."),
        ({"pseudonym": ""}, "Choose a pseudonym."),
    ],
)
def test_register_rejects_bad_input_and_keeps_it(client, fields, message):
    data = {"pseudonym": "Mariam K", "email": "mariam@example.org", "password": PASSWORD, **fields}
    response = register(client, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="mariam@example.org"' in html or fields.get("email")
    assert db.session.scalar(select(User)) is None


def test_passwords_of_8_and_128_characters_are_fine_and_never_truncated(client, make_user):
    register(client, password="x" * 8)
    user = make_user(password="y" * 128)
    assert services.authenticate(user.email, "y" * 128) is not None
    assert services.authenticate(user.email, "y" * 127) is None
    assert services.authenticate(user.email, "y" * 128 + "z") is None


def test_pseudonyms_and_emails_are_unique_ignoring_case(client, make_user):
    make_user(pseudonym="Mariam K", email="mariam@example.org")
    response = register(client, pseudonym="mariam  k", email="other@example.org")
    assert "This pseudonym is taken" in response.get_data(as_text=True)
    response = register(client, pseudonym="Someone Else", email="MARIAM@example.org")
    assert "An account already uses this email" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_login_and_logout(client, auth, make_user):
    make_user(email="user@example.org")
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, make_user):
    make_user(email="user@example.org")
    wrong_password = auth.login(password="wrong password!")
    unknown_email = auth.login(email="nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = "This email and password do not match an account."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)
    assert 'value="nobody@example.org"' in unknown_email.get_data(as_text=True)


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


def test_demo_accounts_cannot_log_in(client, app):
    from deliberate.seed import seed_demo

    seed_demo()
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
