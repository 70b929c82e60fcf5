"""Deliberate: moderated, structured online debate."""

import logging
import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import engine_options, load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .resources import resource_path

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("DELIBERATE_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(resource_path("templates")),
        static_folder=str(resource_path("static")),
    )
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    # From the final URL, so a URL given in test_config gets its own database's options.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    from .agreements import models as _agreement_models  # noqa: F401 - registers the tables
    from .moderation import models as _moderation_models  # noqa: F401 - registers the tables
    from .results import models as _results_models  # noqa: F401 - registers the tables

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_path("migrations")))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)

    from . import cli, errors_views, templating
    from .accounts.views import bp as accounts_bp
    from .agreements.views import bp as agreements_bp
    from .api.views import bp as api_bp
    from .debates.views import bp as debates_bp
    from .main.views import bp as main_bp
    from .moderation.review_views import bp as review_bp
    from .moderation.views import bp as moderation_bp
    from .results import export_views, views  # noqa: F401 - they add routes to results_bp
    from .results.blueprint import bp as results_bp

    blueprints = (
        main_bp,
        accounts_bp,
        debates_bp,
        moderation_bp,
        review_bp,
        agreements_bp,
        results_bp,
        api_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only JSON; it has no state-changing route
    errors_views.register(app)
    templating.register(app)
    cli.register(app)
    return app


def select_locale() -> str | None:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def configure_sqlite(engine: Engine) -> None:
    """WAL (readers never wait for the writer), foreign keys on, and a busy timeout."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
