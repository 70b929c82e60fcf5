"""Fixtures in the spirit of the Flask tutorial: app, client, auth, factories.

The test database is built once per run by the migrations (so every run also checks them),
on SQLite by default or on PostgreSQL when DELIBERATE_DATABASE_URL names one, and emptied
after each test. Tests run in parallel (pytest-xdist, `-n auto` in pyproject.toml): each
worker has its own SQLite files, or its own PostgreSQL database named after the one given
(deliberate_ci_gw0, deliberate_ci_gw1, ...). Tests marked `seeded` start from the demo
debates, seeded once per worker into a template and copied for each test.
"""

import os
import re
import shutil
import tempfile
import uuid
from contextlib import ExitStack, contextmanager

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, make_url, text
from werkzeug.routing import Rule

from deliberate import create_app
from deliberate.accounts import services as account_services
from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Phase, Position, Stance
from deliberate.moderation import services as moderation_services

from .libretranslate_server import libretranslate  # noqa: F401 - a fixture for every test

PASSWORD = "correct horse battery"


def pytest_configure(config):
    # Cheap hashes keep the suite fast; test_accounts checks the production parameters.
    account_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    # Never write a secret key or database into the checkout's instance folder.
    os.environ.setdefault("DELIBERATE_INSTANCE_PATH", tempfile.mkdtemp(prefix="deliberate-test-"))
    config.stash[REPORT] = []
    share_url_builders()


# --- parallel runs: the longest modules first --------------------------------------------------

#: Modules that take longest (a browser or real servers), started first so that no worker is
#: left running one of them alone at the end. The rest keep their order.
LONGEST_FIRST = (
    "test_xss",
    "test_workshop_lived",
    "test_fuzz",
    "test_lifecycle",
    "test_concurrency",
    "test_e2e",
    "test_account_recovery_lived",
    "test_invitations_lived",
    "test_query_counts",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.module.__name__.rpartition(".")[2] if item.module else ""
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


# --- the run's report: summaries printed after the tests, from xdist workers too -------------

REPORT = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def report(pytestconfig) -> list[str]:
    """Lines printed at the end of the run (the fuzzing and XSS summaries). A worker's own
    output is not shown, so workers hand their lines to the controller, which prints them."""
    return pytestconfig.stash[REPORT]


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["report"] = session.config.stash[REPORT]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    node.config.stash[REPORT].extend(getattr(node, "workeroutput", {}).get("report", []))


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(REPORT, [])
    if lines:
        terminalreporter.write_sep("=", "summaries")
        for line in lines:
            terminalreporter.write_line(line)


# --- databases --------------------------------------------------------------------------------


def given_database_url() -> str | None:
    """The database named by DELIBERATE_DATABASE_URL, this worker's own under xdist."""
    url = os.environ.get("DELIBERATE_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    return sibling_database(url, f"{make_url(url).database}_{worker}")


def sibling_database(url: str, name: str) -> str:
    """Create (if missing) the database `name` on the server of `url`; its URL."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def migrated(url: str) -> str:
    reset_database(url)
    app = create_app(base_config(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()  # also checkpoints SQLite's WAL into the file copied below
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database built by the migrations. On SQLite it is a template that each test copies;
    on PostgreSQL it is shared and emptied after each test."""
    url = given_database_url()
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    return migrated(url)


@pytest.fixture(scope="session")
def seeded_database_url(database_url, tmp_path_factory):
    """A template holding the demo debates (seeding takes seconds; copying it, milliseconds):
    a file on SQLite, a database on PostgreSQL that each seeded test clones."""
    from deliberate.seed import seed_demo

    if database_url.startswith("postgresql"):
        url = migrated(sibling_database(database_url, make_url(database_url).database + "_seeded"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.sqlite3'}"
        shutil.copyfile(database_url.removeprefix("sqlite:///"), url.removeprefix("sqlite:///"))
    app = create_app(base_config(url))
    with app.app_context():
        seed_demo()
        db.session.remove()
        db.engine.dispose()
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


@contextmanager
def postgres_clone(template_url: str):
    """A new database copied from `template_url` (CREATE DATABASE ... TEMPLATE takes some
    50 ms), dropped afterwards, even if a server the test started still holds connections."""
    name = f"{make_url(template_url).database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(template_url, isolation_level="AUTOCOMMIT")
    template = make_url(template_url).database
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(template_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
        # Figures follow every change; the tests of batching (test_reidentification,
        # test_release) set the production default of 5.
        "RELEASE_BATCH": 1,
        "PUBLIC_URL": "http://localhost",
    }


class SharedBytecode(BytecodeCache):
    """Each test builds its own app, and each app its own Jinja environment: let them share
    the compiled templates (Jinja checks each template's source still matches)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = SharedBytecode()


def share_url_builders() -> None:
    """Each test's app also compiles a URL builder for every route (Werkzeug writes and
    compiles Python for each: over half the cost of create_app). A builder is a plain
    function of the rule's text and defaults, taking the rule as an argument, so the apps of
    one test process can share them."""
    compile_builder = Rule._compile_builder
    builders = {}

    def shared(rule, append_unknown=True):
        key = (rule.rule, repr(rule._trace), repr(rule.defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared


def new_app(config: dict):
    app = create_app(config)
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    return app


@pytest.fixture
def app(request, database_url, tmp_path, monkeypatch):
    """The app on this test's own database: a copy of the template on SQLite, the worker's
    database (emptied afterwards) on PostgreSQL; for tests marked `seeded`, a copy of the
    seeded template on either."""
    monkeypatch.setenv("DELIBERATE_INSTANCE_PATH", str(tmp_path / "instance"))
    seeded = request.node.get_closest_marker("seeded") is not None
    template = request.getfixturevalue("seeded_database_url") if seeded else database_url
    with ExitStack() as stack:
        url = template
        if url.startswith("sqlite"):
            copy = tmp_path / "test.sqlite3"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        elif seeded:
            url = stack.enter_context(postgres_clone(template))
        app = new_app(base_config(url))
        with app.app_context():
            yield app
            db.session.remove()
            if url == database_url:
                empty_tables()
            db.engine.dispose()


@pytest.fixture
def make_app():
    """Extra apps a test builds; their connection pools close when the test ends (an open
    psycopg connection found by the garbage collector later is a warning, so an error)."""
    made = []

    def make(config: dict):
        made.append(new_app(config))
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


def empty_tables() -> None:
    """Empty the shared PostgreSQL database after a test, and restart its ids.

    Only the tables a test filled are emptied: one query finds them, and deleting a few rows
    is quicker than TRUNCATE, which rewrites every table it names (some 50 ms a test). The
    moderation log's no-DELETE trigger and the foreign keys are set aside for the purpose
    (session_replication_role, which needs a superuser: otherwise, TRUNCATE as before)."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        filled = conn.scalars(
            text(
                " UNION ALL ".join(
                    f'SELECT {i} WHERE EXISTS (SELECT 1 FROM "{t.name}")'
                    for i, t in enumerate(tables)
                )
            )
        ).all()
        if not filled:
            return
        superuser = conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if not superuser:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for i in filled:
            table = tables[i]
            conn.execute(text(f'DELETE FROM "{table.name}"'))
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), 1, false)"
                    )
                )


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
def limited(app, database_url, make_app, tmp_path):
    """An app with rate limits on. Built after `app`: the limiter is one object, and the
    last app it was bound to decides whether it is on."""
    url = database_url
    if url.startswith("sqlite"):
        copy = tmp_path / "limited.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    app = make_app({**base_config(url), "RATELIMIT_ENABLED": True})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()


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
