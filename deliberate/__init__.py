"""Deliberate: moderated, structured online debate."""

import logging
import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import check_production, engine_options, load_config
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from .http import IdConverter, choose_locale, refuse_nul_in_url
from .resources import resource_path

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("DELIBERATE_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(resource_path("templates")),
        static_folder=None,  # served from memory by static_files
    )
    # <int:...> in routes stops at the largest id a database holds (bigger: 404, not a 500),
    # and a NUL anywhere in a URL is a 400 (PostgreSQL cannot compare text holding one).
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_in_url)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    check_production(app.config)  # after test_config: the key that will be used
    # From the final URL, so a URL given in test_config gets its own database's options.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    from .accounts import models as _account_models  # noqa: F401 - registers the tables
    from .agreements import models as _agreement_models  # noqa: F401 - registers the tables
    from .circles import models as _circle_models  # noqa: F401 - registers the tables
    from .groups import models as _group_models  # noqa: F401 - registers the tables
    from .invitations import models as _invitation_models  # noqa: F401 - registers the tables
    from .mailings import models as _mailing_models  # noqa: F401 - registers the tables
    from .moderation import models as _moderation_models  # noqa: F401 - registers the tables
    from .results import models as _results_models  # noqa: F401 - registers the tables
    from .translating import models as _translating_models  # noqa: F401 - registers the tables

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_path("migrations")))
    # First of the after-request steps to register, so the last to run: it compresses what
    # the others (masked CSRF tokens, headers) leave.
    compress.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)

    from . import (
        cli,
        errors_views,
        headers,
        i18n_cli,
        observability,
        pagecache,
        static_files,
        templating,
        tokens,
        versions,  # noqa: F401 - debates' versions follow every flush
    )
    from .accounts.views import bp as accounts_bp
    from .agreements.views import bp as agreements_bp
    from .api.views import bp as api_bp
    from .circles.views import bp as circles_bp
    from .debates.views import bp as debates_bp
    from .groups.code_views import bp as codes_bp
    from .groups.views import bp as groups_bp
    from .invitations.views import bp as invitations_bp
    from .mailings.views import bp as mailings_bp
    from .main.views import bp as main_bp
    from .moderation.review_views import bp as review_bp
    from .moderation.views import bp as moderation_bp
    from .privacy.views import bp as privacy_bp
    from .results import export_views, jobs, views  # noqa: F401 - views add routes to results_bp
    from .results.blueprint import bp as results_bp
    from .translating.views import bp as translating_bp

    blueprints = (
        main_bp,
        accounts_bp,
        debates_bp,
        moderation_bp,
        review_bp,
        agreements_bp,
        invitations_bp,
        groups_bp,
        codes_bp,
        results_bp,
        api_bp,
        privacy_bp,
        mailings_bp,
        translating_bp,
        circles_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only JSON; it has no state-changing route
    errors_views.register(app)
    templating.register(app)
    static_files.register(app, resource_path("static"))
    pagecache.register(app)
    tokens.register(app)
    jobs.register(app)
    cli.register(app)
    i18n_cli.register(app)
    observability.register(app)
    headers.register(app)
    # Inside the proxy fix, so it sees the client's scheme and address as Flask does.
    app.wsgi_app = pagecache.FastReads(app, app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def select_locale() -> str | None:
    from flask import current_app

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return choose_locale(request, current_app.config)


def configure_sqlite(engine: Engine) -> None:
    """WAL (readers never wait for the writer), foreign keys on, a busy timeout, and
    transactions that take the write lock before they read what they are going to change.

    Why: in WAL mode a deferred transaction reads from a snapshot. If it then writes after
    another connection has committed, SQLite cannot upgrade it and fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT): the busy timeout never applies. A
    transaction that starts with BEGIN IMMEDIATE takes the write lock first, so it waits (up
    to the busy timeout) instead, and its reads and writes form one atomic step (who voted,
    then the vote and the counters). So:

    - a request that changes state (POST...) begins IMMEDIATE;
    - a page view (GET, HEAD, OPTIONS) begins deferred: one consistent snapshot, never
      queued behind writers. The few GET handlers that write end their snapshot first
      (results/cache.py recompute, moderation apply_due_phase_changes);
    - outside a request (CLI, seeding, migrations, the tests' own session, a shell), reads
      run on their own, as pysqlite always ran them, and the transaction begins IMMEDIATE
      at its first write. Taking the lock at the first read instead would let an idle shell,
      or a test holding a session open while it calls the app in-process, block every
      writer until the busy timeout.

    pysqlite's own transaction handling is switched off (SQLAlchemy's recipe for pysqlite,
    "Serializable isolation / Savepoints / Transactional DDL") and BEGIN is sent by us just
    before the transaction's first statement. A PRAGMA sent first runs outside the
    transaction, where foreign_keys and journal_mode take effect (migrations/env.py).
    A connection set to AUTOCOMMIT handles its own transactions (backup.snapshot).
    """
    if engine.dialect.name != "sqlite":
        return

    pending = "deliberate.sqlite_begin"  # kept in the connection's info until BEGIN is sent
    at_first_write = "BEGIN IMMEDIATE at the first write"

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # no BEGIN/COMMIT of pysqlite's own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn):
        conn.info.pop(pending, None)
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        dbapi_connection = conn.connection.driver_connection
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None  # SQLAlchemy resets it after AUTOCOMMIT
        if not has_request_context():
            conn.info[pending] = at_first_write
        elif request.method in ("GET", "HEAD", "OPTIONS"):
            conn.info[pending] = "BEGIN"
        else:
            conn.info[pending] = "BEGIN IMMEDIATE"

    @event.listens_for(engine, "before_cursor_execute")
    def send_begin(conn, cursor, statement, _parameters, _context, _executemany):
        mode = conn.info.get(pending)
        if mode is None:
            return
        verb = statement.lstrip()[:6].upper()
        if verb == "PRAGMA" or (mode == at_first_write and verb == "SELECT"):
            return
        del conn.info[pending]
        cursor.execute("BEGIN" if mode == "BEGIN" else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def end(conn):
        conn.info.pop(pending, None)
