"""Fixtures in the spirit of the Flask tutorial: app, client, auth, factories.

The test database is built once per run by the migrations (so every run also checks them),
on SQLite by default or on PostgreSQL when DELIBERATE_DATABASE_URL names one, and emptied
after each test.
"""

import os
import re
import shutil
import tempfile
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from deliberate import create_app
from deliberate.accounts import services as account_services
from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Phase, Position, Stance
from deliberate.moderation import services as moderation_services

PASSWORD = "correct horse battery"


def pytest_configure(config):
    # Cheap hashes keep the suite fast; test_accounts checks the production parameters.
    account_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    # Never write a secret key or database into the checkout's instance folder.
    os.environ.setdefault("DELIBERATE_INSTANCE_PATH", tempfile.mkdtemp(prefix="deliberate-test-"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database built by the migrations. On SQLite it is a template that each test copies;
    on PostgreSQL it is shared and emptied after each test."""
    url = os.environ.get("DELIBERATE_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    reset_database(url)
    app = create_app(base_config(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()  # also checkpoints SQLite's WAL into the file copied below
    return url


def reset_database(url: str) -> None:
    """Start from an empty database, whatever an earlier run left behind."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def base_config(url) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test secret key, not for production",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Mail is kept in app.extensions["deliberate.mail"].outbox.
        "MAIL_BACKEND": "memory",
        # Existing tests log in as organisers and mediators without a second factor;
        # tests/test_totp.py turns this on.
        "REQUIRE_STAFF_TOTP": False,
    }


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path / "instance"))
    url = database_url
    if url.startswith("sqlite"):
        copy = tmp_path / "test.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    app = create_app(base_config(url))
    with app.app_context():
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            empty_tables()
        db.engine.dispose()


@pytest.fixture
def make_app():
    """Extra apps a test builds; their connection pools close when the test ends (an open
    psycopg connection found by the garbage collector later is a warning, so an error)."""
    made = []

    def make(config: dict):
        made.append(create_app(config))
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


def empty_tables() -> None:
    # TRUNCATE skips the moderation log's no-DELETE trigger, as a test reset should.
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` (where
    flask-login and Flask-Babel cache the user and the locale) and its own database session,
    instead of borrowing the test's."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's objects reload what the request changed
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page="/login") -> str:
    match = CSRF_FIELD.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match[1]


def post(client, url, data=None, **kwargs):
    """POST a form the way a browser does, with the page's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email="user@example.org", password=PASSWORD, remember=False, code=None):
        """Log in; with `code`, also pass the second step (two-step login)."""
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        response = post(self.client, "/login", data)
        if code is not None:
            response = post(self.client, "/login/code", {"code": code})
        return response

    def logout(self):
        return post(self.client, "/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10**6))

    def make(pseudonym=None, email=None, password=PASSWORD, is_admin=False):
        n = next(counter)
        user = account_services.register_user(
            pseudonym or f"Person {n}", email or f"person{n}@example.org", password
        )
        user.is_admin = is_admin
        db.session.commit()
        return user

    return make


def standing(user, debate):
    return debate_services.standing(user, debate)


@pytest.fixture
def make_debate(app, make_user):
    """A debate, open unless `phase` says otherwise."""

    def make(
        organiser=None,
        motion="Should the town build a new well near the market?",
        background="",
        phase="open",
    ):
        organiser = organiser or make_user()
        debate = debate_services.start_debate(organiser, motion, background)
        if phase != "draft":
            moderation_services.change_phase(standing(organiser, debate), debate, Phase.OPEN)
        if phase not in ("draft", "open"):
            moderation_services.change_phase(standing(organiser, debate), debate, Phase(phase))
        db.session.commit()
        return debate

    return make


@pytest.fixture
def join(app):
    """Join a debate (if not yet) and return the user's standing in it."""

    def join(user, debate, position="undecided"):
        who = standing(user, debate)
        if who.participant is None:
            debate_services.join_debate(who, debate, Position(position))
            db.session.commit()
        return standing(user, debate)

    return join


@pytest.fixture
def make_argument(app, join, make_user):
    def make(debate, author=None, stance="pro", body=None, parent=None):
        who = join(author or make_user(), debate)
        argument = debate_services.post_argument(
            who, debate, Stance(stance), body or "A reasoned point, long enough.", parent
        )
        db.session.commit()
        return argument

    return make


@pytest.fixture
def vote(app, join):
    def vote(user, argument, value):
        debate_services.cast_vote(join(user, argument.debate), argument, value)
        db.session.commit()

    return vote


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(engine):
    counter = QueryCounter()

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
